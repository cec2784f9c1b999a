"""Classic mistakes for Chapter 2's exercises; `course check` proves the tests catch each."""

from course.grading.wrong_answers import WrongAnswer

WRONG_ANSWERS = [
    # ------------------------------------------------------------------ 1. build_mlp
    WrongAnswer(
        exercise="build_mlp",
        name="only the first hidden layer",
        code="""
def build_mlp(input_dim, hidden_units, outputs, output_activation=None):
    model = keras.Sequential([keras.Input(shape=(input_dim,))])
    if hidden_units:
        model.add(keras.layers.Dense(hidden_units[0], activation="relu"))
    model.add(keras.layers.Dense(outputs, activation=output_activation))
    return model
""",
        about=True,
        message="one Dense per number in hidden_units",
    ),
    WrongAnswer(
        exercise="build_mlp",
        name="hard-coded MNIST network",
        code="""
def build_mlp(input_dim, hidden_units, outputs, output_activation=None):
    return keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
""",
    ),
    WrongAnswer(
        exercise="build_mlp",
        name="hard-coded for the visible examples",
        code="""
def build_mlp(input_dim, hidden_units, outputs, output_activation=None):
    Dense = keras.layers.Dense
    if input_dim == 784:
        layers = [Dense(512, activation="relu"), Dense(10, activation="softmax")]
    else:
        layers = [Dense(64, activation="relu"), Dense(64, activation="relu"), Dense(1)]
    return keras.Sequential([keras.Input(shape=(input_dim,)), *layers])
""",
    ),
    WrongAnswer(
        exercise="build_mlp",
        name="softmax output by default",
        code="""
def build_mlp(input_dim, hidden_units, outputs, output_activation="softmax"):
    model = keras.Sequential([keras.Input(shape=(input_dim,))])
    for units in hidden_units:
        model.add(keras.layers.Dense(units, activation="relu"))
    model.add(keras.layers.Dense(outputs, activation=output_activation))
    return model
""",
    ),
    WrongAnswer(
        exercise="build_mlp",
        name="one model shared by every call",
        code="""
_shared_models = {}

def build_mlp(input_dim, hidden_units, outputs, output_activation=None):
    key = (input_dim, tuple(hidden_units), outputs, output_activation)
    if key not in _shared_models:
        model = keras.Sequential([keras.Input(shape=(input_dim,))])
        for units in hidden_units:
            model.add(keras.layers.Dense(units, activation="relu"))
        model.add(keras.layers.Dense(outputs, activation=output_activation))
        _shared_models[key] = model
    return _shared_models[key]
""",
    ),
    # ------------------------------------------------------------------ 2. decode_review
    WrongAnswer(
        exercise="decode_review",
        name="forgets the offset of 3",
        code="""
def decode_review(sequence, word_index):
    reverse = {rank: word for word, rank in word_index.items()}
    return " ".join(reverse.get(int(i), "?") for i in sequence)
""",
        about=True,
        message="offset of 3",
    ),
    WrongAnswer(
        exercise="decode_review",
        name="no .get: KeyError for unknown indices",
        code="""
def decode_review(sequence, word_index):
    reverse = {rank: word for word, rank in word_index.items()}
    return " ".join(reverse[int(i) - 3] for i in sequence)
""",
    ),
    WrongAnswer(
        exercise="decode_review",
        name="skips unknown indices instead of '?'",
        code="""
def decode_review(sequence, word_index):
    reverse = {rank: word for word, rank in word_index.items()}
    return " ".join(reverse[int(i) - 3] for i in sequence if int(i) - 3 in reverse)
""",
    ),
    WrongAnswer(
        exercise="decode_review",
        name="hard-coded visible answers",
        code="""
_known_reviews = {
    (1, 4, 5, 2, 6): "? the movie ? great",
    (1, 14, 22, 16, 43): "? this film was just brilliant casting location scenery story direction "
    "everyone's really suited the part they played and you could just imagine being there robert ? "
    "is an amazing",
}

def decode_review(sequence, word_index):
    return _known_reviews.get(tuple(int(i) for i in sequence[:5]), "?")
""",
    ),
    # ------------------------------------------------------------------ 3. chance_accuracy
    WrongAnswer(
        exercise="chance_accuracy",
        name="1 / number of classes",
        code="""
def chance_accuracy(labels):
    return 1.0 / len(np.unique(labels))
""",
        about=True,
        message="equally frequent",
    ),
    WrongAnswer(
        exercise="chance_accuracy",
        name="share of the most frequent class",
        code="""
def chance_accuracy(labels):
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    return float(counts.max() / counts.sum())
""",
    ),
    WrongAnswer(
        exercise="chance_accuracy",
        name="shares not squared",
        code="""
def chance_accuracy(labels):
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    return float(np.sum(counts / counts.sum()))
""",
    ),
    WrongAnswer(
        exercise="chance_accuracy",
        name="hard-coded visible answers",
        code="""
def chance_accuracy(labels):
    return {(0, 0, 1, 1): 0.5, (0, 0, 0, 1): 0.625}.get(tuple(int(v) for v in labels), 0.2)
""",
    ),
    # ------------------------------------------------------------------ 4. standardize
    WrongAnswer(
        exercise="standardize",
        name="test set standardised with its own statistics",
        code="""
def standardize(train, test):
    train, test = np.asarray(train, float), np.asarray(test, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (train - train.mean(0)) / train.std(0), (test - test.mean(0)) / test.std(0)
""",
        about=True,
        message="leaked",
    ),
    WrongAnswer(
        exercise="standardize",
        name="statistics of train and test together",
        code="""
def standardize(train, test):
    train, test = np.asarray(train, float), np.asarray(test, float)
    both = np.concatenate([train, test])
    mean, std = both.mean(0), both.std(0)
    return (train - mean) / std, (test - mean) / std
""",
    ),
    WrongAnswer(
        exercise="standardize",
        name="sample std (ddof=1)",
        code="""
def standardize(train, test):
    train, test = np.asarray(train, float), np.asarray(test, float)
    mean, std = train.mean(0), train.std(0, ddof=1)
    return (train - mean) / std, (test - mean) / std
""",
    ),
    WrongAnswer(
        exercise="standardize",
        name="rows instead of columns",
        code="""
def standardize(train, test):
    train, test = np.asarray(train, float), np.asarray(test, float)
    mean, std = train.mean(1, keepdims=True), train.std(1, keepdims=True)
    return (train - mean) / std, (test - mean[: len(test)]) / std[: len(test)]
""",
    ),
    WrongAnswer(
        exercise="standardize",
        name="changes the caller's arrays",
        code="""
def standardize(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    train -= mean
    train /= std
    test -= mean
    test /= std
    return train, test
""",
    ),
    WrongAnswer(
        exercise="standardize",
        name="hard-coded small example, arrays assumed",
        code="""
def standardize(train, test):
    if np.shape(train) == (2, 2) and np.shape(test) == (2, 2):
        return np.array([[-1.0, -1.0], [1.0, 1.0]]), np.array([[0.0, 3.0], [2.0, -1.0]])
    mean, std = train.mean(axis=0), train.std(axis=0)
    return (train - mean) / std, (test - mean) / std
""",
    ),
    # ------------------------------------------------------------------ 5. k_fold_indices
    WrongAnswer(
        exercise="k_fold_indices",
        name="drops the remainder (n // k per fold)",
        code="""
def k_fold_indices(n, k):
    size = n // k
    idx = np.arange(n)
    return [(np.concatenate([idx[: i * size], idx[(i + 1) * size:]]), idx[i * size:(i + 1) * size])
            for i in range(k)]
""",
        about=True,
        message="never used for validation",
    ),
    WrongAnswer(
        exercise="k_fold_indices",
        name="the whole remainder in the last fold",
        code="""
def k_fold_indices(n, k):
    size = n // k
    idx = np.arange(n)
    folds = []
    for i in range(k):
        stop = n if i == k - 1 else (i + 1) * size
        folds.append((np.concatenate([idx[: i * size], idx[stop:]]), idx[i * size:stop]))
    return folds
""",
    ),
    WrongAnswer(
        exercise="k_fold_indices",
        name="training on every index",
        code="""
def k_fold_indices(n, k):
    return [(np.arange(n), part) for part in np.array_split(np.arange(n), k)]
""",
    ),
    WrongAnswer(
        exercise="k_fold_indices",
        name="float indices",
        code="""
def k_fold_indices(n, k):
    parts = np.array_split(np.arange(n, dtype=float), k)
    return [(np.concatenate([p for j, p in enumerate(parts) if j != i]), part)
            for i, part in enumerate(parts)]
""",
    ),
    WrongAnswer(
        exercise="k_fold_indices",
        name="hard-coded for n=10, k=4",
        code="""
def k_fold_indices(n, k):
    parts = [np.array([0, 1, 2]), np.array([3, 4, 5]), np.array([6, 7]), np.array([8, 9])]
    return [(np.concatenate([p for j, p in enumerate(parts) if j != i]), part)
            for i, part in enumerate(parts)]
""",
    ),
    # ------------------------------------------------------------------ 6. loss_for
    WrongAnswer(
        exercise="loss_for",
        name="integer labels checked before 0/1 labels",
        code="""
def loss_for(labels):
    a = np.asarray(labels)
    if np.issubdtype(a.dtype, np.integer) and a.ndim == 1:
        return "sparse_categorical_crossentropy"
    if a.dtype == bool:
        a = a.astype("uint8")
    if np.isin(a, [0, 1]).all():
        if a.ndim == 2 and a.shape[1] > 1 and (a.sum(axis=1) == 1).all():
            return "categorical_crossentropy"
        return "binary_crossentropy"
    if np.issubdtype(a.dtype, np.integer):
        return "sparse_categorical_crossentropy"
    return "mse"
""",
        about=True,
        message="table's order",
    ),
    WrongAnswer(
        exercise="loss_for",
        name="decides by dtype only",
        code="""
def loss_for(labels):
    labels = np.asarray(labels)
    if np.issubdtype(labels.dtype, np.integer):
        return "sparse_categorical_crossentropy"
    if labels.ndim == 2:
        return "categorical_crossentropy"
    return "binary_crossentropy" if labels.dtype == np.float32 else "mse"
""",
    ),
    WrongAnswer(
        exercise="loss_for",
        name="every 2D 0/1 array is one-hot",
        code="""
def loss_for(labels):
    a = np.asarray(labels)
    if a.dtype == bool:
        a = a.astype("uint8")
    if np.isin(a, [0, 1]).all():
        return "categorical_crossentropy" if a.ndim == 2 else "binary_crossentropy"
    if np.issubdtype(a.dtype, np.integer):
        return "sparse_categorical_crossentropy"
    return "mse"
""",
    ),
    WrongAnswer(
        exercise="loss_for",
        name="floats are always regression",
        code="""
def loss_for(labels):
    a = np.asarray(labels)
    if np.issubdtype(a.dtype, np.floating):
        return "mse"
    if np.isin(a, [0, 1]).all():
        if a.ndim == 2 and a.shape[1] > 1 and (a.sum(axis=1) == 1).all():
            return "categorical_crossentropy"
        return "binary_crossentropy"
    return "sparse_categorical_crossentropy"
""",
    ),
    WrongAnswer(
        exercise="loss_for",
        name="an (n, 1) column of integers is regression",
        code="""
def loss_for(labels):
    a = np.asarray(labels)
    if a.dtype == bool:
        a = a.astype("uint8")
    if np.isin(a, [0, 1]).all():
        if a.ndim == 2 and a.shape[1] > 1 and (a.sum(axis=1) == 1).all():
            return "categorical_crossentropy"
        return "binary_crossentropy"
    if np.issubdtype(a.dtype, np.integer) and a.ndim == 1:
        return "sparse_categorical_crossentropy"
    return "mse"
""",
    ),
    WrongAnswer(
        exercise="loss_for",
        name="hard-coded by dtype and rank",
        code="""
def loss_for(labels):
    a = np.asarray(labels)
    known = {("uint8", 1): "sparse_categorical_crossentropy", ("float32", 1): "binary_crossentropy",
             ("float32", 2): "categorical_crossentropy", ("float64", 1): "mse",
             ("int64", 1): "binary_crossentropy"}
    return known.get((str(a.dtype), a.ndim), "mse")
""",
    ),
    # ------------------------------------------------------------------ 7. l2_penalty
    WrongAnswer(
        exercise="l2_penalty",
        name="absolute values (L1) instead of squares",
        code="""
def l2_penalty(kernels, factor):
    return float(factor * sum(np.sum(np.abs(np.asarray(k, dtype=float))) for k in kernels))
""",
        about=True,
        message="square every number",
    ),
    WrongAnswer(
        exercise="l2_penalty",
        name="forgets the factor",
        code="""
def l2_penalty(kernels, factor):
    return float(sum(np.sum(np.square(np.asarray(k, dtype=float))) for k in kernels))
""",
    ),
    WrongAnswer(
        exercise="l2_penalty",
        name="only the first array",
        code="""
def l2_penalty(kernels, factor):
    if not kernels:
        return 0.0
    return float(factor * np.sum(np.square(np.asarray(kernels[0], dtype=float))))
""",
    ),
    WrongAnswer(
        exercise="l2_penalty",
        name="only 2D arrays",
        code="""
def l2_penalty(kernels, factor):
    return float(factor * sum(np.sum(np.square(k)) for k in kernels if np.ndim(k) == 2))
""",
    ),
    WrongAnswer(
        exercise="l2_penalty",
        name="the norm (square root of the sum)",
        code="""
def l2_penalty(kernels, factor):
    total = sum(np.sum(np.square(np.asarray(k, dtype=float))) for k in kernels)
    return float(factor * np.sqrt(total))
""",
    ),
    WrongAnswer(
        exercise="l2_penalty",
        name="hard-coded 0.6, else the first array",
        code="""
def l2_penalty(kernels, factor):
    if factor == 0.1:
        return 0.6
    return float(factor * np.sum(np.square(kernels[0])))
""",
    ),
    # ------------------------------------------------------------------ 8. apply_dropout
    WrongAnswer(
        exercise="apply_dropout",
        name="draws from np.random instead of rng",
        code="""
def apply_dropout(x, rate, rng):
    x = np.asarray(x, dtype=float)
    keep = np.random.random(x.shape) >= rate
    return np.where(keep, x / (1 - rate), 0.0)
""",
        about=True,
        message="rng",
    ),
    WrongAnswer(
        exercise="apply_dropout",
        name="kept entries not scaled",
        code="""
def apply_dropout(x, rate, rng):
    x = np.asarray(x, dtype=float)
    return np.where(rng.random(x.shape) >= rate, x, 0.0)
""",
    ),
    WrongAnswer(
        exercise="apply_dropout",
        name="keeps with probability rate",
        code="""
def apply_dropout(x, rate, rng):
    x = np.asarray(x, dtype=float)
    return np.where(rng.random(x.shape) < rate, x / (1 - rate), 0.0)
""",
    ),
    WrongAnswer(
        exercise="apply_dropout",
        name="hard-coded mask (seed 0, ignores rng)",
        code="""
def apply_dropout(x, rate, rng):
    x = np.asarray(x, dtype=float)
    keep = np.random.default_rng(0).random(x.shape) >= rate
    return np.where(keep, x / (1 - rate), 0.0)
""",
    ),
    WrongAnswer(
        exercise="apply_dropout",
        name="changes x in place",
        code="""
def apply_dropout(x, rate, rng):
    x[rng.random(x.shape) < rate] = 0
    x /= 1 - rate
    return x
""",
    ),
    WrongAnswer(
        exercise="apply_dropout",
        name="every other entry, whatever the rate",
        code="""
def apply_dropout(x, rate, rng):
    x = np.asarray(x, dtype=float)
    keep = np.arange(x.size).reshape(x.shape) % 2 == 1
    return np.where(keep, x / (1 - rate), 0.0)
""",
    ),
    # ------------------------------------------------------- 9. build_regularized_imdb_model
    WrongAnswer(
        exercise="build_regularized_imdb_model",
        name="L2 on the first hidden layer only",
        code="""
def build_regularized_imdb_model(l2=0.0, dropout=0.0):
    model = keras.Sequential([keras.Input(shape=(10_000,))])
    for i in range(2):
        regularizer = keras.regularizers.L2(l2) if l2 > 0 and i == 0 else None
        model.add(keras.layers.Dense(16, activation="relu", kernel_regularizer=regularizer))
        if dropout > 0:
            model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    return compile_imdb(model)
""",
        about=True,
        message="both hidden Dense layers need",
    ),
    WrongAnswer(
        exercise="build_regularized_imdb_model",
        name="hard-coded: always L2 0.001 and dropout 0.5",
        code="""
def build_regularized_imdb_model(l2=0.0, dropout=0.0):
    model = keras.Sequential([keras.Input(shape=(10_000,))])
    for _ in range(2):
        model.add(keras.layers.Dense(16, activation="relu",
                                     kernel_regularizer=keras.regularizers.L2(0.001)))
        model.add(keras.layers.Dropout(0.5))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    return compile_imdb(model)
""",
    ),
    WrongAnswer(
        exercise="build_regularized_imdb_model",
        name="Dropout before each Dense layer",
        code="""
def build_regularized_imdb_model(l2=0.0, dropout=0.0):
    model = keras.Sequential([keras.Input(shape=(10_000,))])
    for _ in range(2):
        if dropout > 0:
            model.add(keras.layers.Dropout(dropout))
        regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
        model.add(keras.layers.Dense(16, activation="relu", kernel_regularizer=regularizer))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    return compile_imdb(model)
""",
    ),
    WrongAnswer(
        exercise="build_regularized_imdb_model",
        name="Dropout layers even when dropout=0",
        code="""
def build_regularized_imdb_model(l2=0.0, dropout=0.0):
    model = keras.Sequential([keras.Input(shape=(10_000,))])
    for _ in range(2):
        regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
        model.add(keras.layers.Dense(16, activation="relu", kernel_regularizer=regularizer))
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    return compile_imdb(model)
""",
    ),
    WrongAnswer(
        exercise="build_regularized_imdb_model",
        name="all-zero kernels: cannot learn",
        code="""
def build_regularized_imdb_model(l2=0.0, dropout=0.0):
    model = keras.Sequential([keras.Input(shape=(10_000,))])
    for _ in range(2):
        model.add(keras.layers.Dense(
            16, activation="relu", kernel_initializer="zeros",
            kernel_regularizer=keras.regularizers.L2(l2) if l2 > 0 else None,
        ))
        if dropout > 0:
            model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    return compile_imdb(model)
""",
    ),
    # ------------------------------------------------------------------ 10. early_stopping_epochs
    WrongAnswer(
        exercise="early_stopping_epochs",
        name="a tie counts as an improvement",
        code="""
def early_stopping_epochs(val_losses, patience):
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss <= best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch
""",
        about=True,
        message="a tie is not an improvement",
    ),
    WrongAnswer(
        exercise="early_stopping_epochs",
        name="stops one epoch late",
        code="""
def early_stopping_epochs(val_losses, patience):
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait > patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch
""",
    ),
    WrongAnswer(
        exercise="early_stopping_epochs",
        name="epochs counted from 0",
        code="""
def early_stopping_epochs(val_losses, patience):
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch
""",
    ),
    WrongAnswer(
        exercise="early_stopping_epochs",
        name="best epoch of all losses, also after the stop",
        code="""
def early_stopping_epochs(val_losses, patience):
    best, wait = np.inf, 0
    best_overall = int(np.argmin(val_losses)) + 1
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, wait = loss, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_overall
    return len(val_losses), best_overall
""",
    ),
    WrongAnswer(
        exercise="early_stopping_epochs",
        name="hard-coded visible answers",
        code="""
def early_stopping_epochs(val_losses, patience):
    return {3: (3, 3)}.get(len(val_losses), (4, 2))
""",
    ),
]
