"""Classic mistakes for Chapter 6's exercises; `course check` proves the tests catch each."""

from course.grading.wrong_answers import WrongAnswer

WRONG_ANSWERS = [
    # ---------------------------------------------------------------- rnn_forward
    WrongAnswer(
        exercise="rnn_forward",
        name="forgets the previous state",
        code='''
def rnn_forward(x, W, U, b, h0=None):
    return np.tanh(np.asarray(x, dtype="float64") @ W + b)   # every step from scratch
''',
        about=True,
        message="previous state",
    ),
    WrongAnswer(
        exercise="rnn_forward",
        name="returns only the last state",
        code='''
def rnn_forward(x, W, U, b, h0=None):
    h = np.zeros(U.shape[0]) if h0 is None else np.asarray(h0, dtype="float64")
    for x_t in np.asarray(x, dtype="float64"):
        h = np.tanh(x_t @ W + h @ U + b)
    return h
''',
    ),
    WrongAnswer(
        exercise="rnn_forward",
        name="no tanh",
        code='''
def rnn_forward(x, W, U, b, h0=None):
    h = np.zeros(U.shape[0]) if h0 is None else np.asarray(h0, dtype="float64")
    states = []
    for x_t in np.asarray(x, dtype="float64"):
        h = x_t @ W + h @ U + b
        states.append(h)
    return np.array(states)
''',
    ),
    WrongAnswer(
        exercise="rnn_forward",
        name="ignores h0",
        code='''
def rnn_forward(x, W, U, b, h0=None):
    h = np.zeros(U.shape[0])
    states = []
    for x_t in np.asarray(x, dtype="float64"):
        h = np.tanh(x_t @ W + h @ U + b)
        states.append(h)
    return np.array(states)
''',
    ),
    WrongAnswer(
        exercise="rnn_forward",
        name="hard-coded",
        code='''
def rnn_forward(x, W, U, b, h0=None):
    layer = keras.layers.SimpleRNN(
        4, return_sequences=True, kernel_initializer=keras.initializers.GlorotUniform(seed=1),
        recurrent_initializer=keras.initializers.Orthogonal(seed=2),
        bias_initializer=keras.initializers.RandomNormal(seed=3))
    fixed = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    return np.asarray(layer(fixed[None]))[0]
''',
    ),
    # ---------------------------------------------------------------- rnn_params
    WrongAnswer(
        exercise="rnn_params",
        name="forgets the recurrent kernel",
        code='''
def rnn_params(kind, input_dim, units):
    one_set = input_dim * units + units
    return {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[kind] * one_set
''',
        about=True,
        message="recurrent kernel",
    ),
    WrongAnswer(
        exercise="rnn_params",
        name="GRU with one bias per set",
        code='''
def rnn_params(kind, input_dim, units):
    one_set = input_dim * units + units * units + units
    return {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[kind] * one_set
''',
    ),
    WrongAnswer(
        exercise="rnn_params",
        name="LSTM with 3 sets (the gates only)",
        code='''
def rnn_params(kind, input_dim, units):
    one_set = input_dim * units + units * units + units
    if kind == "GRU":
        return 3 * (one_set + units)
    return {"SimpleRNN": 1, "LSTM": 3}[kind] * one_set
''',
    ),
    WrongAnswer(
        exercise="rnn_params",
        name="hard-coded",
        code='''
def rnn_params(kind, input_dim, units):
    return {"SimpleRNN": 2_080, "LSTM": 8_320, "GRU": 6_336}[kind]
''',
    ),
    # ---------------------------------------------------------------- pad_truncate
    WrongAnswer(
        exercise="pad_truncate",
        name="keeps the last words (pad_sequences' default)",
        code='''
def pad_truncate(sequences, maxlen):
    out = np.zeros((len(sequences), maxlen), dtype="int32")
    for i, seq in enumerate(sequences):
        kept = list(seq)[-maxlen:]
        if kept:
            out[i, maxlen - len(kept):] = kept
    return out
''',
        about=True,
        message="first",
    ),
    WrongAnswer(
        exercise="pad_truncate",
        name="pads at the end",
        code='''
def pad_truncate(sequences, maxlen):
    out = np.zeros((len(sequences), maxlen), dtype="int32")
    for i, seq in enumerate(sequences):
        kept = list(seq)[:maxlen]
        out[i, :len(kept)] = kept
    return out
''',
    ),
    WrongAnswer(
        exercise="pad_truncate",
        name="negative slice breaks on empty sequences",
        code='''
def pad_truncate(sequences, maxlen):
    out = np.zeros((len(sequences), maxlen), dtype="int32")
    for i, seq in enumerate(sequences):
        kept = list(seq)[:maxlen]
        out[i, -len(kept):] = kept
    return out
''',
    ),
    WrongAnswer(
        exercise="pad_truncate",
        name="float array",
        code='''
def pad_truncate(sequences, maxlen):
    out = np.zeros((len(sequences), maxlen))
    for i, seq in enumerate(sequences):
        kept = list(seq)[:maxlen]
        if kept:
            out[i, maxlen - len(kept):] = kept
    return out
''',
    ),
    WrongAnswer(
        exercise="pad_truncate",
        name="hard-coded",
        code='''
def pad_truncate(sequences, maxlen):
    return np.array([[11, 12, 13], [0, 21, 22], [31, 32, 33]], dtype="int32")
''',
    ),
    # ---------------------------------------------------------------- build_lstm_classifier
    WrongAnswer(
        exercise="build_lstm_classifier",
        name="Embedding arguments swapped",
        code='''
def build_lstm_classifier(vocab_size, embed_dim, units, bidirectional=False):
    recurrent = keras.layers.LSTM(units)
    if bidirectional:
        recurrent = keras.layers.Bidirectional(recurrent)
    return compile_binary(keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(embed_dim, vocab_size),
        recurrent,
        keras.layers.Dense(1, activation="sigmoid"),
    ]))
''',
        about=True,
        message="input_dim",
    ),
    WrongAnswer(
        exercise="build_lstm_classifier",
        name="LSTM returns sequences",
        code='''
def build_lstm_classifier(vocab_size, embed_dim, units, bidirectional=False):
    recurrent = keras.layers.LSTM(units, return_sequences=True)
    if bidirectional:
        recurrent = keras.layers.Bidirectional(recurrent)
    return compile_binary(keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embed_dim),
        recurrent,
        keras.layers.Dense(1, activation="sigmoid"),
    ]))
''',
    ),
    WrongAnswer(
        exercise="build_lstm_classifier",
        name="ignores bidirectional",
        code='''
def build_lstm_classifier(vocab_size, embed_dim, units, bidirectional=False):
    return compile_binary(keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embed_dim),
        keras.layers.LSTM(units),
        keras.layers.Dense(1, activation="sigmoid"),
    ]))
''',
    ),
    WrongAnswer(
        exercise="build_lstm_classifier",
        name="softmax over one unit",
        code='''
def build_lstm_classifier(vocab_size, embed_dim, units, bidirectional=False):
    recurrent = keras.layers.LSTM(units)
    if bidirectional:
        recurrent = keras.layers.Bidirectional(recurrent)
    return compile_binary(keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embed_dim),
        recurrent,
        keras.layers.Dense(1, activation="softmax"),
    ]))
''',
    ),
    WrongAnswer(
        exercise="build_lstm_classifier",
        name="hard-coded sizes",
        code='''
def build_lstm_classifier(vocab_size, embed_dim, units, bidirectional=False):
    return compile_binary(keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(10_000, 32),
        keras.layers.LSTM(32),
        keras.layers.Dense(1, activation="sigmoid"),
    ]))
''',
    ),
    # ---------------------------------------------------------------- chronological_split
    WrongAnswer(
        exercise="chronological_split",
        name="shuffles before splitting",
        code='''
def chronological_split(data, train_frac, val_frac):
    data = np.random.default_rng(0).permutation(data)
    n_tr, n_va = int(len(data) * train_frac), int(len(data) * val_frac)
    return data[:n_tr], data[n_tr:n_tr + n_va], data[n_tr + n_va:]
''',
        about=True,
        message="time order",
    ),
    WrongAnswer(
        exercise="chronological_split",
        name="boundaries overlap by one row",
        code='''
def chronological_split(data, train_frac, val_frac):
    n_tr, n_va = int(len(data) * train_frac), int(len(data) * val_frac)
    return data[:n_tr + 1], data[n_tr:n_tr + n_va + 1], data[n_tr + n_va:]
''',
    ),
    WrongAnswer(
        exercise="chronological_split",
        name="test as large as validation",
        code='''
def chronological_split(data, train_frac, val_frac):
    n_tr, n_va = int(len(data) * train_frac), int(len(data) * val_frac)
    return data[:n_tr], data[n_tr:n_tr + n_va], data[-n_va:]
''',
    ),
    WrongAnswer(
        exercise="chronological_split",
        name="hard-coded",
        code='''
def chronological_split(data, train_frac, val_frac):
    return np.arange(5), np.arange(5, 8), np.arange(8, 10)
''',
    ),
    # ---------------------------------------------------------------- standardize_series
    WrongAnswer(
        exercise="standardize_series",
        name="statistics of the whole series (leakage)",
        code='''
def standardize_series(data, n_train):
    data = np.asarray(data, dtype="float64")
    mean, std = data.mean(axis=0), data.std(axis=0)
    return (data - mean) / std, mean, std
''',
        about=True,
        message="leak",
    ),
    WrongAnswer(
        exercise="standardize_series",
        name="training mean, but std of everything",
        code='''
def standardize_series(data, n_train):
    data = np.asarray(data, dtype="float64")
    mean, std = data[:n_train].mean(axis=0), data.std(axis=0)
    return (data - mean) / std, mean, std
''',
    ),
    WrongAnswer(
        exercise="standardize_series",
        name="one mean per row (wrong axis)",
        code='''
def standardize_series(data, n_train):
    data = np.asarray(data, dtype="float64")
    mean, std = data[:n_train].mean(axis=1), data[:n_train].std(axis=1)
    return (data[:n_train] - mean[:, None]) / std[:, None], mean, std
''',
    ),
    WrongAnswer(
        exercise="standardize_series",
        name="changes the caller's array",
        code='''
def standardize_series(data, n_train):
    mean, std = data[:n_train].mean(axis=0), data[:n_train].std(axis=0)
    data -= mean
    data /= std
    return data, mean, std
''',
    ),
    WrongAnswer(
        exercise="standardize_series",
        name="hard-coded",
        code='''
def standardize_series(data, n_train):
    fixed = np.column_stack([np.arange(10.0), np.arange(10.0) ** 2])
    mean, std = fixed[:6].mean(axis=0), fixed[:6].std(axis=0)
    return (fixed - mean) / std, mean, std
''',
    ),
    # ---------------------------------------------------------------- make_windows
    WrongAnswer(
        exercise="make_windows",
        name="target one step too late",
        code='''
def make_windows(data, targets, sequence_length, delay):
    data, targets = np.asarray(data), np.asarray(targets)
    n = len(data) - sequence_length - delay
    X = np.stack([data[i:i + sequence_length] for i in range(n)])
    return X, targets[sequence_length + delay:sequence_length + delay + n]
''',
        about=True,
        message="delay steps after the window's last step",
    ),
    WrongAnswer(
        exercise="make_windows",
        name="look-ahead: forgets the window length",
        code='''
def make_windows(data, targets, sequence_length, delay):
    data, targets = np.asarray(data), np.asarray(targets)
    n = len(data) - sequence_length - delay + 1
    X = np.stack([data[i:i + sequence_length] for i in range(n)])
    return X, targets[delay:delay + n]
''',
    ),
    WrongAnswer(
        exercise="make_windows",
        name="drops the last window",
        code='''
def make_windows(data, targets, sequence_length, delay):
    data, targets = np.asarray(data), np.asarray(targets)
    n = len(data) - sequence_length - delay
    X = np.stack([data[i:i + sequence_length] for i in range(n)])
    first = sequence_length - 1 + delay
    return X, targets[first:first + n]
''',
    ),
    WrongAnswer(
        exercise="make_windows",
        name="window includes the step after it",
        code='''
def make_windows(data, targets, sequence_length, delay):
    data, targets = np.asarray(data), np.asarray(targets)
    n = len(data) - sequence_length - delay + 1
    X = np.stack([data[i + 1:i + 1 + sequence_length] for i in range(n)])
    first = sequence_length - 1 + delay
    return X, targets[first:first + n]
''',
    ),
    WrongAnswer(
        exercise="make_windows",
        name="hard-coded",
        code='''
def make_windows(data, targets, sequence_length, delay):
    X = np.stack([np.arange(i, i + 3).reshape(3, 1) for i in range(8)])
    return X, np.arange(4, 12) * 10
''',
    ),
    # ---------------------------------------------------------------- naive_mae
    WrongAnswer(
        exercise="naive_mae",
        name="shifted by delay + 1",
        code='''
def naive_mae(values, delay):
    values = np.asarray(values, dtype="float64")
    return float(np.mean(np.abs(values[delay + 1:] - values[:-delay - 1])))
''',
        about=True,
        message="exactly `delay` steps earlier",
    ),
    WrongAnswer(
        exercise="naive_mae",
        name="signed errors (no absolute value)",
        code='''
def naive_mae(values, delay):
    values = np.asarray(values, dtype="float64")
    return float(np.mean(values[delay:] - values[:-delay]))
''',
    ),
    WrongAnswer(
        exercise="naive_mae",
        name="squared errors",
        code='''
def naive_mae(values, delay):
    values = np.asarray(values, dtype="float64")
    return float(np.mean((values[delay:] - values[:-delay]) ** 2))
''',
    ),
    WrongAnswer(
        exercise="naive_mae",
        name="hard-coded",
        code='''
def naive_mae(values, delay):
    return 6.0
''',
    ),
    # ---------------------------------------------------------------- beats_baseline
    WrongAnswer(
        exercise="beats_baseline",
        name="looks at the last epoch",
        code='''
def beats_baseline(history, baseline, scale=1.0):
    logs = history.history if hasattr(history, "history") else history
    return bool(logs["val_mae"][-1] * scale < baseline)
''',
        about=True,
        message="lowest",
    ),
    WrongAnswer(
        exercise="beats_baseline",
        name="training MAE instead of validation",
        code='''
def beats_baseline(history, baseline, scale=1.0):
    logs = history.history if hasattr(history, "history") else history
    return bool(min(logs["mae"]) * scale < baseline)
''',
    ),
    WrongAnswer(
        exercise="beats_baseline",
        name="forgets the scale",
        code='''
def beats_baseline(history, baseline, scale=1.0):
    logs = history.history if hasattr(history, "history") else history
    return bool(min(logs["val_mae"]) < baseline)
''',
    ),
    WrongAnswer(
        exercise="beats_baseline",
        name="a tie counts as beating",
        code='''
def beats_baseline(history, baseline, scale=1.0):
    logs = history.history if hasattr(history, "history") else history
    return bool(min(logs["val_mae"]) * scale <= baseline)
''',
    ),
    WrongAnswer(
        exercise="beats_baseline",
        name="hard-coded",
        code='''
def beats_baseline(history, baseline, scale=1.0):
    logs = history.history if hasattr(history, "history") else history
    return baseline != 2.5
''',
    ),
]
