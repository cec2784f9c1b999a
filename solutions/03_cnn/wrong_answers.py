"""Classic mistakes for Chapter 3's exercises; `course check` proves the tests catch each."""

from course.grading.wrong_answers import WrongAnswer

# The solution's loop, with a marked line to change: `conv2d_single` wrong answers below
# replace {KERNEL}, {PADS} and {STRIDE}.
_CONV = '''
def conv2d_single(image, kernel, padding="valid", stride=1):
    image = np.asarray(image, dtype="float64")
    kernel = np.asarray(kernel, dtype="float64"){KERNEL}
    (h, w), (kh, kw) = image.shape, kernel.shape
    if padding == "same":
        pads = []
        for n, k in ((h, kh), (w, kw)):
            {PADS}
        image = np.pad(image, pads)
    step = {STRIDE}
    out_h = (image.shape[0] - kh) // step + 1
    out_w = (image.shape[1] - kw) // step + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(image[i * step:i * step + kh, j * step:j * step + kw] * kernel)
    return out
'''
_KERAS_PADS = (
    "total = max((-(-n // stride) - 1) * stride + k - n, 0)\n"
    "            pads.append((total // 2, total - total // 2))"
)


def _conv(kernel: str = "", pads: str = _KERAS_PADS, stride: str = "stride") -> str:
    return _CONV.replace("{KERNEL}", kernel).replace("{PADS}", pads).replace("{STRIDE}", stride)


WRONG_ANSWERS = [
    # ---------------------------------------------------------------- conv2d_single
    WrongAnswer(
        exercise="conv2d_single",
        name="flips the kernel (a textbook convolution)",
        code=_conv(kernel="[::-1, ::-1]"),
        about=True,
        message="flip",
    ),
    WrongAnswer(
        exercise="conv2d_single",
        name="ignores the stride",
        code=_conv(stride="1"),
    ),
    WrongAnswer(
        exercise="conv2d_single",
        name="'same' pads k // 2 on both sides",
        code=_conv(pads="pads.append((k // 2, k // 2))"),
    ),
    WrongAnswer(
        exercise="conv2d_single",
        name="hard-coded: the visible test's outputs",
        code='''
def _visible_output(image, kernel, padding, stride):
    layer = keras.layers.Conv2D(1, 3, strides=stride, padding=padding, use_bias=False)
    layer.build((None, 7, 7, 1))
    layer.set_weights([np.asarray(kernel, dtype="float32")[:, :, None, None]])
    return np.asarray(layer(np.asarray(image, dtype="float32")[None, :, :, None]))[0, :, :, 0]

_image = np.random.default_rng(0).normal(size=(7, 7))
_kernel = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [-2.0, 0.0, 1.0]])
_known = {(p, s): _visible_output(_image, _kernel, p, s) for p in ("valid", "same") for s in (1, 2)}
_lesson = feature_map.copy()

def conv2d_single(image, kernel, padding="valid", stride=1):
    if np.shape(image) == (28, 28):
        return _lesson
    return _known.get((padding, stride), _known[("valid", 1)])
''',
    ),
    # ---------------------------------------------------------------- conv_output_size
    WrongAnswer(
        exercise="conv_output_size",
        name="ignores the stride",
        code='''
def conv_output_size(n, k, padding="valid", stride=1):
    return n - k + 1 if padding == "valid" else n
''',
        about=True,
        message="stride",
    ),
    WrongAnswer(
        exercise="conv_output_size",
        name="off by one: forgets the first window",
        code='''
def conv_output_size(n, k, padding="valid", stride=1):
    return -(-n // stride) if padding == "same" else (n - k) // stride
''',
    ),
    WrongAnswer(
        exercise="conv_output_size",
        name="rounds to the nearest instead of down",
        code='''
def conv_output_size(n, k, padding="valid", stride=1):
    return -(-n // stride) if padding == "same" else round((n - k) / stride) + 1
''',
    ),
    WrongAnswer(
        exercise="conv_output_size",
        name="'same' as k // 2 zeros on each side",
        code='''
def conv_output_size(n, k, padding="valid", stride=1):
    if padding == "same":
        n = n + 2 * (k // 2)
    return (n - k) // stride + 1
''',
    ),
    WrongAnswer(
        exercise="conv_output_size",
        name="hard-coded: the visible cases",
        code='''
_known = {(28, 3, "valid", 1): 26, (28, 3, "same", 1): 28, (28, 3, "valid", 2): 13,
          (28, 3, "same", 2): 14, (5, 3, "valid", 2): 2, (7, 3, "same", 3): 3}

def conv_output_size(n, k, padding="valid", stride=1):
    return _known.get((n, k, padding, stride), n - k + 1)
''',
    ),
    # ---------------------------------------------------------------- max_pool2d
    WrongAnswer(
        exercise="max_pool2d",
        name="overlapping windows (stride 1)",
        code='''
def max_pool2d(x, size=2):
    x = np.asarray(x)
    h, w = x.shape[0] - size + 1, x.shape[1] - size + 1
    return np.array([[x[i:i + size, j:j + size].max(axis=(0, 1)) for j in range(w)]
                     for i in range(h)])
''',
        about=True,
        message="overlap",
    ),
    WrongAnswer(
        exercise="max_pool2d",
        name="average instead of maximum",
        code='''
def max_pool2d(x, size=2):
    x = np.asarray(x)
    h, w = x.shape[0] // size, x.shape[1] // size
    return x[:h * size, :w * size].reshape(h, size, w, size, x.shape[2]).mean(axis=(1, 3))
''',
    ),
    WrongAnswer(
        exercise="max_pool2d",
        name="keeps leftover rows and columns (pads with zeros)",
        code='''
def max_pool2d(x, size=2):
    x = np.asarray(x)
    h, w = -(-x.shape[0] // size), -(-x.shape[1] // size)
    padded = np.zeros((h * size, w * size, x.shape[2]))
    padded[:x.shape[0], :x.shape[1]] = x
    return padded.reshape(h, size, w, size, x.shape[2]).max(axis=(1, 3))
''',
    ),
    WrongAnswer(
        exercise="max_pool2d",
        name="starts each maximum at 0",
        code='''
def max_pool2d(x, size=2):
    x = np.asarray(x)
    h, w = x.shape[0] // size, x.shape[1] // size
    out = np.zeros((h, w, x.shape[2]))
    for i in range(h):
        for j in range(w):
            block = x[i * size:(i + 1) * size, j * size:(j + 1) * size]
            out[i, j] = np.maximum(out[i, j], block.max(axis=(0, 1)))
    return out
''',
    ),
    WrongAnswer(
        exercise="max_pool2d",
        name="hard-coded: the visible test's outputs",
        code='''
_x = np.arange(32, dtype="float32").reshape(4, 4, 2) % 7
_small = _x.reshape(2, 2, 2, 2, 2).max(axis=(1, 3))
_lesson = pooled[0].copy()

def max_pool2d(x, size=2):
    return _lesson if np.shape(x)[0] == 26 else _small
''',
    ),
    # ---------------------------------------------------------------- conv_params
    WrongAnswer(
        exercise="conv_params",
        name="forgets the biases",
        code='''
def conv_params(kernel_size, in_channels, filters):
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    return kh * kw * in_channels * filters
''',
        about=True,
        message="bias",
    ),
    WrongAnswer(
        exercise="conv_params",
        name="forgets the input channels",
        code='''
def conv_params(kernel_size, in_channels, filters):
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    return kh * kw * filters + filters
''',
    ),
    WrongAnswer(
        exercise="conv_params",
        name="squares the first side of a (kh, kw) kernel",
        code='''
def conv_params(kernel_size, in_channels, filters):
    k = kernel_size if np.ndim(kernel_size) == 0 else kernel_size[0]
    return k * k * in_channels * filters + filters
''',
    ),
    WrongAnswer(
        exercise="conv_params",
        name="hard-coded: the visible cases",
        code='''
def conv_params(kernel_size, in_channels, filters):
    return {(3, 1, 32): 320, (3, 32, 64): 18_496}.get((kernel_size, in_channels, filters), 0)
''',
    ),
    # ---------------------------------------------------------------- build_convnet
    WrongAnswer(
        exercise="build_convnet",
        name="pools after the last Conv2D too",
        code='''
def build_convnet(filters=(32, 64, 64), dense_units=64, pooling=True, input_shape=(28, 28, 1),
                  num_classes=10):
    model = keras.Sequential([keras.Input(shape=input_shape)])
    for f in filters:
        model.add(keras.layers.Conv2D(f, 3, activation="relu"))
        if pooling:
            model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(dense_units, activation="relu"))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
''',
        about=True,
        message="should be Flatten",
    ),
    WrongAnswer(
        exercise="build_convnet",
        name="always pools (ignores pooling=False)",
        code='''
def build_convnet(filters=(32, 64, 64), dense_units=64, pooling=True, input_shape=(28, 28, 1),
                  num_classes=10):
    model = keras.Sequential([keras.Input(shape=input_shape)])
    for i, f in enumerate(filters):
        model.add(keras.layers.Conv2D(f, 3, activation="relu"))
        if i < len(filters) - 1:
            model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(dense_units, activation="relu"))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_convnet",
        name="hard-coded: the classic model whatever the arguments",
        code='''
def build_convnet(filters=(32, 64, 64), dense_units=64, pooling=True, input_shape=(28, 28, 1),
                  num_classes=10):
    def pool():
        return [keras.layers.MaxPooling2D(2)] if pooling else []

    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"), *pool(),
        keras.layers.Conv2D(64, 3, activation="relu"), *pool(),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_convnet",
        name="padding='same' in the convolutions",
        code='''
def build_convnet(filters=(32, 64, 64), dense_units=64, pooling=True, input_shape=(28, 28, 1),
                  num_classes=10):
    model = keras.Sequential([keras.Input(shape=input_shape)])
    for i, f in enumerate(filters):
        model.add(keras.layers.Conv2D(f, 3, activation="relu", padding="same"))
        if pooling and i < len(filters) - 1:
            model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(dense_units, activation="relu"))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_convnet",
        name="one-hot loss (categorical_crossentropy)",
        code='''
def build_convnet(filters=(32, 64, 64), dense_units=64, pooling=True, input_shape=(28, 28, 1),
                  num_classes=10):
    model = keras.Sequential([keras.Input(shape=input_shape)])
    for i, f in enumerate(filters):
        model.add(keras.layers.Conv2D(f, 3, activation="relu"))
        if pooling and i < len(filters) - 1:
            model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(dense_units, activation="relu"))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    # ---------------------------------------------------------------- confusion_matrix
    WrongAnswer(
        exercise="confusion_matrix",
        name="transposed (rows are predictions)",
        code='''
def confusion_matrix(y_true, y_pred, num_classes):
    matrix = np.zeros((num_classes, num_classes), dtype="int64")
    np.add.at(matrix, (np.asarray(y_pred), np.asarray(y_true)), 1)
    return matrix
''',
        about=True,
        message="rows",
    ),
    WrongAnswer(
        exercise="confusion_matrix",
        name="classes from the largest label, not num_classes",
        code='''
def confusion_matrix(y_true, y_pred, num_classes):
    n = int(max(np.max(y_true), np.max(y_pred))) + 1
    matrix = np.zeros((n, n), dtype="int64")
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix
''',
    ),
    WrongAnswer(
        exercise="confusion_matrix",
        name="fancy-index += counts each pair once",
        code='''
def confusion_matrix(y_true, y_pred, num_classes):
    matrix = np.zeros((num_classes, num_classes), dtype="int64")
    matrix[np.asarray(y_true), np.asarray(y_pred)] += 1
    return matrix
''',
    ),
    WrongAnswer(
        exercise="confusion_matrix",
        name="row shares instead of counts",
        code='''
def confusion_matrix(y_true, y_pred, num_classes):
    matrix = np.zeros((num_classes, num_classes))
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
''',
    ),
    WrongAnswer(
        exercise="confusion_matrix",
        name="hard-coded: the visible test's matrices",
        code='''
_mnist = mnist_cm.copy()

def confusion_matrix(y_true, y_pred, num_classes):
    return _mnist if num_classes == 10 else np.array([[1, 1, 0], [0, 2, 1], [1, 0, 0]])
''',
    ),
    # ---------------------------------------------------------------- most_confused
    WrongAnswer(
        exercise="most_confused",
        name="counts the diagonal as confusions",
        code='''
def most_confused(cm, k=3):
    cm = np.asarray(cm)
    cells = [(i, j, int(cm[i, j])) for i in range(len(cm)) for j in range(len(cm)) if cm[i, j] > 0]
    return sorted(cells, key=lambda c: (-c[2], c[0], c[1]))[:k]
''',
        about=True,
        message="diagonal",
    ),
    WrongAnswer(
        exercise="most_confused",
        name="reverse sort breaks ties the wrong way",
        code='''
def most_confused(cm, k=3):
    cm = np.asarray(cm)
    cells = [(i, j, int(cm[i, j])) for i in range(len(cm)) for j in range(len(cm))
             if i != j and cm[i, j] > 0]
    return sorted(cells, key=lambda c: (c[2], c[0], c[1]), reverse=True)[:k]
''',
    ),
    WrongAnswer(
        exercise="most_confused",
        name="keeps cells with a count of 0",
        code='''
def most_confused(cm, k=3):
    cm = np.asarray(cm)
    cells = [(i, j, int(cm[i, j])) for i in range(len(cm)) for j in range(len(cm)) if i != j]
    return sorted(cells, key=lambda c: (-c[2], c[0], c[1]))[:k]
''',
    ),
    WrongAnswer(
        exercise="most_confused",
        name="NumPy integers instead of ints",
        code='''
def most_confused(cm, k=3):
    cm = np.asarray(cm)
    rows, cols = np.nonzero(cm * (1 - np.eye(len(cm), dtype=cm.dtype)))
    cells = [(rows[n], cols[n], cm[rows[n], cols[n]]) for n in range(len(rows))]
    return sorted(cells, key=lambda c: (-c[2], c[0], c[1]))[:k]
''',
    ),
    WrongAnswer(
        exercise="most_confused",
        name="hard-coded: the visible example",
        code='''
def most_confused(cm, k=3):
    return [(1, 0, 3), (1, 2, 3), (0, 1, 2)][:k]
''',
    ),
    # ---------------------------------------------------------------- build_fashion_model
    WrongAnswer(
        exercise="build_fashion_model",
        name="over the parameter budget (the MNIST convnet as it is)",
        code='''
def build_fashion_model():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
''',
        about=True,
        message="budget",
    ),
    WrongAnswer(
        exercise="build_fashion_model",
        name="an MLP within budget, no Conv2D",
        code='''
def build_fashion_model():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_fashion_model",
        name="learning rate far too high",
        code='''
def build_fashion_model():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1.0),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_fashion_model",
        name="sigmoid output layer",
        code='''
def build_fashion_model():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="sigmoid"),
    ])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_fashion_model",
        name="hard-coded: the same (already trained) model every call",
        code='''
_fashion_model = build_fashion_model()

def build_fashion_model():
    return _fashion_model
''',
    ),
]
