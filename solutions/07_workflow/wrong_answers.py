"""Classic mistakes for Chapter 7's exercises; `course check` proves the tests catch each."""

from course.grading.wrong_answers import WrongAnswer

WRONG_ANSWERS = [
    # ---------------------------------------------------------------- build_ticket_model
    WrongAnswer(
        exercise="build_ticket_model",
        name="only the title input",
        code='''
def build_ticket_model(n_numbers, vocab_size, n_departments):
    title = keras.Input(shape=(None,), dtype="int32", name="title")
    t = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(vocab_size, 16)(title))
    h = keras.layers.Dense(32, activation="relu")(t)
    priority = keras.layers.Dense(1, activation="sigmoid", name="priority")(h)
    department = keras.layers.Dense(n_departments, activation="softmax", name="department")(h)
    return keras.Model(inputs=title, outputs=[priority, department])
''',
        about=True,
        message="2 inputs",
    ),
    WrongAnswer(
        exercise="build_ticket_model",
        name="hard-coded sizes (3, 500, 4)",
        code='''
def build_ticket_model(n_numbers, vocab_size, n_departments):
    numbers = keras.Input(shape=(3,), name="numbers")
    title = keras.Input(shape=(None,), dtype="int32", name="title")
    t = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(500, 16)(title))
    n = keras.layers.Dense(16, activation="relu")(numbers)
    h = keras.layers.Dense(32, activation="relu")(keras.layers.Concatenate()([t, n]))
    priority = keras.layers.Dense(1, activation="sigmoid", name="priority")(h)
    department = keras.layers.Dense(4, activation="softmax", name="department")(h)
    return keras.Model(inputs=[numbers, title], outputs=[priority, department])
''',
    ),
    WrongAnswer(
        exercise="build_ticket_model",
        name="fixed title length and Flatten",
        code='''
def build_ticket_model(n_numbers, vocab_size, n_departments):
    numbers = keras.Input(shape=(n_numbers,), name="numbers")
    title = keras.Input(shape=(12,), dtype="int32", name="title")
    t = keras.layers.Flatten()(keras.layers.Embedding(vocab_size, 16)(title))
    n = keras.layers.Dense(16, activation="relu")(numbers)
    h = keras.layers.Dense(32, activation="relu")(keras.layers.Concatenate()([t, n]))
    priority = keras.layers.Dense(1, activation="sigmoid", name="priority")(h)
    department = keras.layers.Dense(n_departments, activation="softmax", name="department")(h)
    return keras.Model(inputs=[numbers, title], outputs=[priority, department])
''',
    ),
    WrongAnswer(
        exercise="build_ticket_model",
        name="softmax on the one-unit priority head",
        code='''
def build_ticket_model(n_numbers, vocab_size, n_departments):
    numbers = keras.Input(shape=(n_numbers,), name="numbers")
    title = keras.Input(shape=(None,), dtype="int32", name="title")
    t = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(vocab_size, 16)(title))
    n = keras.layers.Dense(16, activation="relu")(numbers)
    h = keras.layers.Dense(32, activation="relu")(keras.layers.Concatenate()([t, n]))
    priority = keras.layers.Dense(1, activation="softmax", name="priority")(h)
    department = keras.layers.Dense(n_departments, activation="softmax", name="department")(h)
    return keras.Model(inputs=[numbers, title], outputs=[priority, department])
''',
    ),
    WrongAnswer(
        exercise="build_ticket_model",
        name="outputs in the wrong order",
        code='''
def build_ticket_model(n_numbers, vocab_size, n_departments):
    numbers = keras.Input(shape=(n_numbers,), name="numbers")
    title = keras.Input(shape=(None,), dtype="int32", name="title")
    t = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(vocab_size, 16)(title))
    n = keras.layers.Dense(16, activation="relu")(numbers)
    h = keras.layers.Dense(32, activation="relu")(keras.layers.Concatenate()([t, n]))
    priority = keras.layers.Dense(1, activation="sigmoid", name="priority")(h)
    department = keras.layers.Dense(n_departments, activation="softmax", name="department")(h)
    return keras.Model(inputs=[numbers, title], outputs=[department, priority])
''',
    ),
    # ---------------------------------------------------------------- compile_ticket_model
    WrongAnswer(
        exercise="compile_ticket_model",
        name="the weight multiplies the department loss",
        code='''
def compile_ticket_model(model, priority_weight):
    model.compile(
        optimizer="adam",
        loss={"priority": "binary_crossentropy", "department": "sparse_categorical_crossentropy"},
        loss_weights={"priority": 1.0, "department": priority_weight},
        metrics={"priority": ["accuracy"], "department": ["accuracy"]},
    )
    return model
''',
        about=True,
        message="priority_weight",
    ),
    WrongAnswer(
        exercise="compile_ticket_model",
        name="no loss weights",
        code='''
def compile_ticket_model(model, priority_weight):
    model.compile(
        optimizer="adam",
        loss={"priority": "binary_crossentropy", "department": "sparse_categorical_crossentropy"},
        metrics={"priority": ["accuracy"], "department": ["accuracy"]},
    )
    return model
''',
    ),
    WrongAnswer(
        exercise="compile_ticket_model",
        name="categorical instead of sparse categorical crossentropy",
        code='''
def compile_ticket_model(model, priority_weight):
    model.compile(
        optimizer="adam",
        loss={"priority": "binary_crossentropy", "department": "categorical_crossentropy"},
        loss_weights={"priority": priority_weight, "department": 1.0},
        metrics={"priority": ["accuracy"], "department": ["accuracy"]},
    )
    return model
''',
    ),
    WrongAnswer(
        exercise="compile_ticket_model",
        name="hard-coded weight 3.0",
        code='''
def compile_ticket_model(model, priority_weight):
    model.compile(
        optimizer="adam",
        loss={"priority": "binary_crossentropy", "department": "sparse_categorical_crossentropy"},
        loss_weights={"priority": 3.0, "department": 1.0},
        metrics={"priority": ["accuracy"], "department": ["accuracy"]},
    )
    return model
''',
    ),
    WrongAnswer(
        exercise="compile_ticket_model",
        name="no metrics",
        code='''
def compile_ticket_model(model, priority_weight):
    model.compile(
        optimizer="adam",
        loss={"priority": "binary_crossentropy", "department": "sparse_categorical_crossentropy"},
        loss_weights={"priority": priority_weight, "department": 1.0},
    )
    return model
''',
    ),
    # ---------------------------------------------------------------- best_checkpoint
    WrongAnswer(
        exercise="best_checkpoint",
        name="monitors the training loss",
        code='''
def best_checkpoint(path):
    return keras.callbacks.ModelCheckpoint(path, monitor="loss", save_best_only=True)
''',
        about=True,
        message="monitor='val_loss'",
    ),
    WrongAnswer(
        exercise="best_checkpoint",
        name="saves every epoch",
        code='''
def best_checkpoint(path):
    return keras.callbacks.ModelCheckpoint(path, monitor="val_loss")
''',
    ),
    WrongAnswer(
        exercise="best_checkpoint",
        name="keeps the highest validation loss",
        code='''
def best_checkpoint(path):
    return keras.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True,
                                           mode="max")
''',
    ),
    WrongAnswer(
        exercise="best_checkpoint",
        name="weights only",
        code='''
def best_checkpoint(path):
    return keras.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True,
                                           save_weights_only=True)
''',
    ),
    WrongAnswer(
        exercise="best_checkpoint",
        name="hard-coded: saves the second epoch",
        code='''
class _SecondEpochOnly(keras.callbacks.ModelCheckpoint):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            self.model.save(self.filepath)

def best_checkpoint(path):
    return _SecondEpochOnly(path, monitor="val_loss", save_best_only=True)
''',
    ),
    # ---------------------------------------------------------------- step_decay
    WrongAnswer(
        exercise="step_decay",
        name="off by one: (epoch + 1) // every",
        code='''
def step_decay(initial_lr, drop, every):
    def schedule(epoch, lr=None):
        return float(initial_lr * drop ** ((epoch + 1) // every))
    return schedule
''',
        about=True,
        message="epochs count from 0",
    ),
    WrongAnswer(
        exercise="step_decay",
        name="smooth decay: epoch / every",
        code='''
def step_decay(initial_lr, drop, every):
    def schedule(epoch, lr=None):
        return float(initial_lr * drop ** (epoch / every))
    return schedule
''',
    ),
    WrongAnswer(
        exercise="step_decay",
        name="multiplies the lr it is given",
        code='''
def step_decay(initial_lr, drop, every):
    def schedule(epoch, lr=None):
        if lr is None:
            lr = initial_lr
        return float(lr * drop) if epoch > 0 and epoch % every == 0 else float(lr)
    return schedule
''',
    ),
    WrongAnswer(
        exercise="step_decay",
        name="hard-coded values of the visible test",
        code='''
def step_decay(initial_lr, drop, every):
    values = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]
    def schedule(epoch, lr=None):
        return values[min(epoch, 6)]
    return schedule
''',
    ),
    # ---------------------------------------------------------------- LearningRateRecorder
    WrongAnswer(
        exercise="LearningRateRecorder",
        name="appends the variable, not its value",
        code='''
class LearningRateRecorder(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.rates = []

    def on_epoch_end(self, epoch, logs=None):
        self.rates.append(self.model.optimizer.learning_rate)
''',
        about=True,
        message="same variable",
    ),
    WrongAnswer(
        exercise="LearningRateRecorder",
        name="records after every batch",
        code='''
class LearningRateRecorder(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.rates = []

    def on_train_batch_end(self, batch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))
''',
    ),
    WrongAnswer(
        exercise="LearningRateRecorder",
        name="never starts a new list",
        code='''
class LearningRateRecorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_end(self, epoch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))
''',
    ),
    WrongAnswer(
        exercise="LearningRateRecorder",
        name="hard-coded rates",
        code='''
class LearningRateRecorder(keras.callbacks.Callback):
    def on_train_end(self, logs=None):
        self.rates = [0.1, 0.05, 0.025, 0.0125]
''',
    ),
    # ---------------------------------------------------------------- save_and_reload
    WrongAnswer(
        exercise="save_and_reload",
        name="returns a clone with new weights",
        code='''
def save_and_reload(model, path):
    model.save(path)
    return keras.models.clone_model(model)
''',
        about=True,
        message="predictions",
    ),
    WrongAnswer(
        exercise="save_and_reload",
        name="returns the original model",
        code='''
def save_and_reload(model, path):
    model.save(path)
    return model
''',
    ),
    WrongAnswer(
        exercise="save_and_reload",
        name="saves weights only",
        code='''
def save_and_reload(model, path):
    model.save_weights(path)
    clone = keras.models.clone_model(model)
    clone.load_weights(path)
    return clone
''',
    ),
    WrongAnswer(
        exercise="save_and_reload",
        name="hard-coded file name",
        code='''
def save_and_reload(model, path):
    import os, tempfile
    fixed = os.path.join(tempfile.gettempdir(), "course07_saved_model.keras")
    model.save(fixed)
    return keras.models.load_model(fixed)
''',
    ),
    # ---------------------------------------------------------------- build_tuned_model
    WrongAnswer(
        exercise="build_tuned_model",
        name="linear sampling of the learning rate",
        code='''
def build_tuned_model(hp):
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(hp.Int("units", 64, 512, step=64), activation="relu"),
        keras.layers.Dropout(hp.Choice("dropout", [0.0, 0.25, 0.5])),
        keras.layers.Dense(10, activation="softmax"),
    ])
    lr = hp.Float("learning_rate", 1e-4, 1e-2)
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
''',
        about=True,
        message="sampling='log'",
    ),
    WrongAnswer(
        exercise="build_tuned_model",
        name="hard-coded model (the default values)",
        code='''
def build_tuned_model(hp):
    hp.Int("units", 64, 512, step=64)
    hp.Choice("dropout", [0.0, 0.25, 0.5])
    hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dropout(0.0),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(keras.optimizers.Adam(1e-4), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_tuned_model",
        name="units without a step",
        code='''
def build_tuned_model(hp):
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(hp.Int("units", 64, 512), activation="relu"),
        keras.layers.Dropout(hp.Choice("dropout", [0.0, 0.25, 0.5])),
        keras.layers.Dense(10, activation="softmax"),
    ])
    lr = hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_tuned_model",
        name="the learning rate never reaches the optimizer",
        code='''
def build_tuned_model(hp):
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(hp.Int("units", 64, 512, step=64), activation="relu"),
        keras.layers.Dropout(hp.Choice("dropout", [0.0, 0.25, 0.5])),
        keras.layers.Dense(10, activation="softmax"),
    ])
    hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_tuned_model",
        name="not compiled",
        code='''
def build_tuned_model(hp):
    hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    return keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(hp.Int("units", 64, 512, step=64), activation="relu"),
        keras.layers.Dropout(hp.Choice("dropout", [0.0, 0.25, 0.5])),
        keras.layers.Dense(10, activation="softmax"),
    ])
''',
    ),
    # ---------------------------------------------------------------- scaled_cv_scores
    WrongAnswer(
        exercise="scaled_cv_scores",
        name="scales all the data before splitting (leak)",
        code='''
def scaled_cv_scores(estimator, X, y, cv):
    from sklearn.model_selection import cross_val_score
    from sklearn.preprocessing import StandardScaler
    return cross_val_score(estimator, StandardScaler().fit_transform(X), y, cv=cv)
''',
        about=True,
        message="leak",
    ),
    WrongAnswer(
        exercise="scaled_cv_scores",
        name="no scaling",
        code='''
def scaled_cv_scores(estimator, X, y, cv):
    from sklearn.model_selection import cross_val_score
    return cross_val_score(estimator, X, y, cv=cv)
''',
    ),
    WrongAnswer(
        exercise="scaled_cv_scores",
        name="scaler fitted on the held-out part",
        code='''
def scaled_cv_scores(estimator, X, y, cv):
    import numpy as np
    from sklearn.base import clone
    from sklearn.model_selection import check_cv
    from sklearn.preprocessing import StandardScaler
    scores = []
    for train, test in check_cv(cv, y, classifier=True).split(X, y):
        scaler = StandardScaler().fit(X[test])
        model = clone(estimator).fit(scaler.transform(X[train]), y[train])
        scores.append(model.score(scaler.transform(X[test]), y[test]))
    return np.array(scores)
''',
    ),
    WrongAnswer(
        exercise="scaled_cv_scores",
        name="min-max scaling",
        code='''
def scaled_cv_scores(estimator, X, y, cv):
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler
    return cross_val_score(make_pipeline(MinMaxScaler(), estimator), X, y, cv=cv)
''',
    ),
    WrongAnswer(
        exercise="scaled_cv_scores",
        name="hard-coded 4 folds",
        code='''
def scaled_cv_scores(estimator, X, y, cv):
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    return cross_val_score(make_pipeline(StandardScaler(), estimator), X, y, cv=4)
''',
    ),
]
