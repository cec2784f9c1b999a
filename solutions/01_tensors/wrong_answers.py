"""Classic mistakes for Chapter 1's exercises; `course check` proves the tests catch each.

Each entry re-defines one exercise wrongly. The one marked ``about=True`` is the mistake
the exercise is about: its visible test must fail with ``message`` in the text. Every
exercise also has a hard-coded answer that returns what the visible test expects, which
only the hidden test can catch.
"""

from course.grading.wrong_answers import WrongAnswer

WRONG_ANSWERS = [
    # ------------------------------------------------------------------ images_to_vectors
    WrongAnswer(
        exercise="images_to_vectors",
        name="does not scale the pixels to 0-1",
        code='''
def images_to_vectors(images):
    images = np.asarray(images)
    return images.reshape(len(images), -1).astype("float32")
''',
        about=True,
        message="not scaled from 0–255 to 0–1",
    ),
    WrongAnswer(
        exercise="images_to_vectors",
        name="float64: divides without converting",
        code='''
def images_to_vectors(images):
    images = np.asarray(images)
    return images.reshape(len(images), -1) / 255
''',
    ),
    WrongAnswer(
        exercise="images_to_vectors",
        name="integer division",
        code='''
def images_to_vectors(images):
    images = np.asarray(images)
    return (images.reshape(len(images), -1) // 255).astype("float32")
''',
    ),
    WrongAnswer(
        exercise="images_to_vectors",
        name="forgets the channels axis",
        code='''
def images_to_vectors(images):
    images = np.asarray(images)
    n, h, w = images.shape[:3]
    return images.reshape(n, h * w).astype("float32") / 255
''',
    ),
    WrongAnswer(
        exercise="images_to_vectors",
        name="hard-coded",
        code='''
def images_to_vectors(images):
    return np.tile(np.array([0.0, 1.0, 0.2, 0.4], "float32"), (4, 1))
''',
    ),
    # ------------------------------------------------------------------ broadcast_shape
    WrongAnswer(
        exercise="broadcast_shape",
        name="lines the shapes up from the first axis",
        code='''
def broadcast_shape(shape_a, shape_b):
    rank = max(len(shape_a), len(shape_b))
    a = tuple(shape_a) + (1,) * (rank - len(shape_a))
    b = tuple(shape_b) + (1,) * (rank - len(shape_b))
    result = []
    for la, lb in zip(a, b):
        if la != lb and 1 not in (la, lb):
            raise ValueError(f"lengths {la} and {lb} do not broadcast")
        result.append(max(la, lb))
    return tuple(result)
''',
        about=True,
        message="from the last axis",
    ),
    WrongAnswer(
        exercise="broadcast_shape",
        name="never raises",
        code='''
def broadcast_shape(shape_a, shape_b):
    rank = max(len(shape_a), len(shape_b))
    a = (1,) * (rank - len(shape_a)) + tuple(shape_a)
    b = (1,) * (rank - len(shape_b)) + tuple(shape_b)
    return tuple(max(la, lb) for la, lb in zip(a, b))
''',
    ),
    WrongAnswer(
        exercise="broadcast_shape",
        name="drops the extra leading axes (zip stops early)",
        code='''
def broadcast_shape(shape_a, shape_b):
    result = []
    for la, lb in zip(reversed(shape_a), reversed(shape_b)):
        if la != lb and 1 not in (la, lb):
            raise ValueError(f"lengths {la} and {lb} do not broadcast")
        result.append(max(la, lb))
    return tuple(reversed(result))
''',
    ),
    WrongAnswer(
        exercise="broadcast_shape",
        name="only the second shape may stretch",
        code='''
def broadcast_shape(shape_a, shape_b):
    rank = max(len(shape_a), len(shape_b))
    a = (1,) * (rank - len(shape_a)) + tuple(shape_a)
    b = (1,) * (rank - len(shape_b)) + tuple(shape_b)
    for la, lb in zip(a, b):
        if la != lb and lb != 1:
            raise ValueError(f"lengths {la} and {lb} do not broadcast")
    return a
''',
    ),
    WrongAnswer(
        exercise="broadcast_shape",
        name="hard-coded",
        code='''
def broadcast_shape(shape_a, shape_b):
    known = {((32, 10), (10,)): (32, 10), ((64, 1), (1, 5)): (64, 5)}
    if (tuple(shape_a), tuple(shape_b)) in known:
        return known[(tuple(shape_a), tuple(shape_b))]
    raise ValueError("incompatible")
''',
    ),
    # ------------------------------------------------------------------ get_batch
    WrongAnswer(
        exercise="get_batch",
        name="starts at index instead of index * batch_size",
        code='''
def get_batch(x, index, batch_size):
    return x[index : index + batch_size]
''',
        about=True,
        message="index * batch_size",
    ),
    WrongAnswer(
        exercise="get_batch",
        name="counts batches from 1",
        code='''
def get_batch(x, index, batch_size):
    start = (index - 1) * batch_size
    return x[start : start + batch_size]
''',
    ),
    WrongAnswer(
        exercise="get_batch",
        name="keeps the last batch full by overlapping",
        code='''
def get_batch(x, index, batch_size):
    start = min(index * batch_size, len(x) - batch_size)
    return x[start : start + batch_size]
''',
    ),
    WrongAnswer(
        exercise="get_batch",
        name="cuts the last axis",
        code='''
def get_batch(x, index, batch_size):
    start = index * batch_size
    return x[..., start : start + batch_size]
''',
    ),
    WrongAnswer(
        exercise="get_batch",
        name="hard-coded",
        code='''
def get_batch(x, index, batch_size):
    return np.arange(10)[4 * index : 4 * index + 4]
''',
    ),
    # ------------------------------------------------------------------ to_one_hot
    WrongAnswer(
        exercise="to_one_hot",
        name="fills whole columns (out[:, labels] = 1)",
        code='''
def to_one_hot(labels, num_classes):
    out = np.zeros((len(labels), num_classes), dtype="float32")
    out[:, labels] = 1.0
    return out
''',
        about=True,
        message="exactly one 1",
    ),
    WrongAnswer(
        exercise="to_one_hot",
        name="float64 from np.eye",
        code='''
def to_one_hot(labels, num_classes):
    return np.eye(num_classes)[labels]
''',
    ),
    WrongAnswer(
        exercise="to_one_hot",
        name="axes swapped: (num_classes, samples)",
        code='''
def to_one_hot(labels, num_classes):
    out = np.zeros((num_classes, len(labels)), dtype="float32")
    out[labels, np.arange(len(labels))] = 1.0
    return out
''',
    ),
    WrongAnswer(
        exercise="to_one_hot",
        name="number of classes from the labels seen",
        code='''
def to_one_hot(labels, num_classes):
    labels = np.asarray(labels)
    return np.eye(labels.max() + 1, dtype="float32")[labels]
''',
    ),
    WrongAnswer(
        exercise="to_one_hot",
        name="hard-coded",
        code='''
def to_one_hot(labels, num_classes):
    return np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]], "float32")
''',
    ),
    # ------------------------------------------------------------------ vectorize_sequences
    WrongAnswer(
        exercise="vectorize_sequences",
        name="counts repeated words",
        code='''
def vectorize_sequences(sequences, dimension):
    out = np.zeros((len(sequences), dimension), dtype="float32")
    for i, seq in enumerate(sequences):
        for word in seq:
            out[i, word] += 1.0
    return out
''',
        about=True,
        message="only 0s and 1s",
    ),
    WrongAnswer(
        exercise="vectorize_sequences",
        name="float64 (np.zeros' default)",
        code='''
def vectorize_sequences(sequences, dimension):
    out = np.zeros((len(sequences), dimension))
    for i, seq in enumerate(sequences):
        out[i, list(seq)] = 1.0
    return out
''',
    ),
    WrongAnswer(
        exercise="vectorize_sequences",
        name="breaks on an empty sequence (float index array)",
        code='''
def vectorize_sequences(sequences, dimension):
    out = np.zeros((len(sequences), dimension), dtype="float32")
    for i, seq in enumerate(sequences):
        out[i, np.array(seq)] = 1.0
    return out
''',
    ),
    WrongAnswer(
        exercise="vectorize_sequences",
        name="width from the largest index seen",
        code='''
def vectorize_sequences(sequences, dimension):
    width = max(max(seq) for seq in sequences if len(seq)) + 1
    out = np.zeros((len(sequences), width), dtype="float32")
    for i, seq in enumerate(sequences):
        out[i, list(seq)] = 1.0
    return out
''',
    ),
    WrongAnswer(
        exercise="vectorize_sequences",
        name="hard-coded",
        code='''
def vectorize_sequences(sequences, dimension):
    return np.array([[0, 1, 0, 1], [1, 0, 1, 0]], "float32")
''',
    ),
    # ------------------------------------------------------------------ dense_forward
    WrongAnswer(
        exercise="dense_forward",
        name="forgets the relu",
        code='''
def dense_forward(x, W, b):
    return np.dot(x, W) + b
''',
        about=True,
        message="relu",
    ),
    WrongAnswer(
        exercise="dense_forward",
        name="adds the bias after the relu",
        code='''
def dense_forward(x, W, b):
    return np.maximum(np.dot(x, W), 0.0) + b
''',
    ),
    WrongAnswer(
        exercise="dense_forward",
        name="np.max instead of np.maximum",
        code='''
def dense_forward(x, W, b):
    return np.max(np.dot(x, W) + b, 0)
''',
    ),
    WrongAnswer(
        exercise="dense_forward",
        name="the book's W·x with the kernel transposed",
        code='''
def dense_forward(x, W, b):
    return np.maximum(np.dot(x, W.T) + b, 0.0)
''',
    ),
    WrongAnswer(
        exercise="dense_forward",
        name="hard-coded",
        code='''
def dense_forward(x, W, b):
    return np.array([[1.5, 0.0, 0.0]])
''',
    ),
    # ------------------------------------------------------------------ mse
    WrongAnswer(
        exercise="mse",
        name="errors not squared",
        code='''
def mse(y_pred, y_true):
    return float(np.mean(np.ravel(y_pred) - np.ravel(y_true)))
''',
        about=True,
        message="not squared",
    ),
    WrongAnswer(
        exercise="mse",
        name="mean absolute error",
        code='''
def mse(y_pred, y_true):
    return float(np.mean(np.abs(np.ravel(y_pred) - np.ravel(y_true))))
''',
    ),
    WrongAnswer(
        exercise="mse",
        name="sum instead of mean",
        code='''
def mse(y_pred, y_true):
    return float(np.sum((np.ravel(y_pred) - np.ravel(y_true)) ** 2))
''',
    ),
    WrongAnswer(
        exercise="mse",
        name="no flatten: (n, 1) - (n,) broadcasts to (n, n)",
        code='''
def mse(y_pred, y_true):
    return float(np.mean((np.asarray(y_pred) - np.asarray(y_true)) ** 2))
''',
    ),
    WrongAnswer(
        exercise="mse",
        name="root mean squared error",
        code='''
def mse(y_pred, y_true):
    return float(np.sqrt(np.mean((np.ravel(y_pred) - np.ravel(y_true)) ** 2)))
''',
    ),
    WrongAnswer(
        exercise="mse",
        name="hard-coded",
        code='''
def mse(y_pred, y_true):
    return 2.25
''',
    ),
    # ------------------------------------------------------------------ gradient_step
    WrongAnswer(
        exercise="gradient_step",
        name="steps uphill (w + lr * grad)",
        code='''
def gradient_step(w, grad, lr):
    return w + lr * grad
''',
        about=True,
        message="uphill",
    ),
    WrongAnswer(
        exercise="gradient_step",
        name="ignores the learning rate",
        code='''
def gradient_step(w, grad, lr):
    return w - grad
''',
    ),
    WrongAnswer(
        exercise="gradient_step",
        name="changes the caller's array (w -= ...)",
        code='''
def gradient_step(w, grad, lr):
    w -= lr * grad
    return w
''',
    ),
    WrongAnswer(
        exercise="gradient_step",
        name="divides by the learning rate",
        code='''
def gradient_step(w, grad, lr):
    return w - grad / lr
''',
    ),
    WrongAnswer(
        exercise="gradient_step",
        name="hard-coded",
        code='''
def gradient_step(w, grad, lr):
    return np.array([0.95, -1.9]) if np.ndim(w) else 1.0
''',
    ),
    # ------------------------------------------------------------------ mse_grad
    WrongAnswer(
        exercise="mse_grad",
        name="sign error (y - y_hat)",
        code='''
def mse_grad(w, b, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    error = y - (w * x + b)
    return float(np.mean(2 * error * x)), float(np.mean(2 * error))
''',
        about=True,
        message="wrong sign",
    ),
    WrongAnswer(
        exercise="mse_grad",
        name="missing factor 2",
        code='''
def mse_grad(w, b, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    error = w * x + b - y
    return float(np.mean(error * x)), float(np.mean(error))
''',
    ),
    WrongAnswer(
        exercise="mse_grad",
        name="sum instead of mean",
        code='''
def mse_grad(w, b, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    error = w * x + b - y
    return float(np.sum(2 * error * x)), float(np.sum(2 * error))
''',
    ),
    WrongAnswer(
        exercise="mse_grad",
        name="dL/dw without the factor x",
        code='''
def mse_grad(w, b, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    error = w * x + b - y
    return float(np.mean(2 * error)), float(np.mean(2 * error))
''',
    ),
    WrongAnswer(
        exercise="mse_grad",
        name="hard-coded",
        code='''
def mse_grad(w, b, x, y):
    return -2.1, -0.6
''',
    ),
    # ------------------------------------------------------------------ fit_linear
    WrongAnswer(
        exercise="fit_linear",
        name="never updates b",
        code='''
def fit_linear(x, y, lr, steps):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w, b, losses = 0.0, 0.0, []
    for _ in range(steps):
        losses.append(float(np.mean((w * x + b - y) ** 2)))
        dw, db = mse_grad(w, b, x, y)
        w = gradient_step(w, dw, lr)
    return w, b, losses
''',
        about=True,
        message="the bias never moved",
    ),
    WrongAnswer(
        exercise="fit_linear",
        name="gradients computed once, before the loop",
        code='''
def fit_linear(x, y, lr, steps):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w, b, losses = 0.0, 0.0, []
    dw, db = mse_grad(w, b, x, y)
    for _ in range(steps):
        losses.append(float(np.mean((w * x + b - y) ** 2)))
        w, b = gradient_step(w, dw, lr), gradient_step(b, db, lr)
    return w, b, losses
''',
    ),
    WrongAnswer(
        exercise="fit_linear",
        name="records the loss after the update",
        code='''
def fit_linear(x, y, lr, steps):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w, b, losses = 0.0, 0.0, []
    for _ in range(steps):
        dw, db = mse_grad(w, b, x, y)
        w, b = gradient_step(w, dw, lr), gradient_step(b, db, lr)
        losses.append(float(np.mean((w * x + b - y) ** 2)))
    return w, b, losses
''',
    ),
    WrongAnswer(
        exercise="fit_linear",
        name="updates w before computing b's gradient",
        code='''
def fit_linear(x, y, lr, steps):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w, b, losses = 0.0, 0.0, []
    for _ in range(steps):
        losses.append(float(np.mean((w * x + b - y) ** 2)))
        w = gradient_step(w, mse_grad(w, b, x, y)[0], lr)
        b = gradient_step(b, mse_grad(w, b, x, y)[1], lr)
    return w, b, losses
''',
    ),
    WrongAnswer(
        exercise="fit_linear",
        name="hard-coded",
        code='''
def fit_linear(x, y, lr, steps):
    return 1.6320312499999998, 0.77375, [21.1725, 7.132296875, 2.4132441406249994]
''',
    ),
    # ------------------------------------------------------------------ sigmoid
    WrongAnswer(
        exercise="sigmoid",
        name="the textbook formula overflows for large negative z",
        code='''
def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
''',
        about=True,
        message="overflow",
    ),
    WrongAnswer(
        exercise="sigmoid",
        name="exp(z) / (1 + exp(z)) overflows for large positive z",
        code='''
def sigmoid(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / (1 + e)
''',
    ),
    WrongAnswer(
        exercise="sigmoid",
        name="np.where still computes both formulas",
        code='''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
''',
    ),
    WrongAnswer(
        exercise="sigmoid",
        name="tanh form without the halving",
        code='''
def sigmoid(z):
    return 0.5 * (1 + np.tanh(np.asarray(z, dtype=float)))
''',
    ),
    WrongAnswer(
        exercise="sigmoid",
        name="math.exp: floats only",
        code='''
import math


def sigmoid(z):
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    return math.exp(z) / (1 + math.exp(z))
''',
    ),
    WrongAnswer(
        exercise="sigmoid",
        name="hard-coded",
        code='''
def sigmoid(z):
    table = {-2.0: 0.11920292, 0.0: 0.5, 2.0: 0.88079708, -1000.0: 0.0, 1000.0: 1.0}
    z = np.asarray(z, dtype=float)
    return np.array([table.get(float(v), 0.5) for v in z.ravel()]).reshape(z.shape)
''',
    ),
    # ------------------------------------------------------------------ bce_grad
    WrongAnswer(
        exercise="bce_grad",
        name="sign error (y - p)",
        code='''
def bce_grad(w, b, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    p = sigmoid(x @ w + b)
    return x.T @ (y - p) / len(y), float(np.mean(y - p))
''',
        about=True,
        message="wrong sign",
    ),
    WrongAnswer(
        exercise="bce_grad",
        name="an extra sigmoid derivative p(1 - p)",
        code='''
def bce_grad(w, b, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    p = sigmoid(x @ w + b)
    d = (p - y) * p * (1 - p)
    return x.T @ d / len(y), float(np.mean(d))
''',
    ),
    WrongAnswer(
        exercise="bce_grad",
        name="sum instead of mean",
        code='''
def bce_grad(w, b, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    p = sigmoid(x @ w + b)
    return x.T @ (p - y), float(np.sum(p - y))
''',
    ),
    WrongAnswer(
        exercise="bce_grad",
        name="forgets the bias gradient",
        code='''
def bce_grad(w, b, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    p = sigmoid(x @ w + b)
    return x.T @ (p - y) / len(y), 0.0
''',
    ),
    WrongAnswer(
        exercise="bce_grad",
        name="hard-coded",
        code='''
def bce_grad(w, b, x, y):
    return np.array([-0.27204766, -0.52972906]), 0.032433843877634316
''',
    ),
    # ------------------------------------------------------------------ numerical_gradient
    WrongAnswer(
        exercise="numerical_gradient",
        name="divides by eps instead of 2 * eps",
        code='''
def numerical_gradient(f, w, eps=1e-5):
    w = np.array(w, dtype=float)
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + eps
        up = f(w)
        w[i] = old - eps
        down = f(w)
        w[i] = old
        grad[i] = (up - down) / eps
    return grad
''',
        about=True,
        message="2 * eps",
    ),
    WrongAnswer(
        exercise="numerical_gradient",
        name="one-sided difference",
        code='''
def numerical_gradient(f, w, eps=1e-5):
    w = np.array(w, dtype=float)
    base = f(w)
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + eps
        grad[i] = (f(w) - base) / eps
        w[i] = old
    return grad
''',
    ),
    WrongAnswer(
        exercise="numerical_gradient",
        name="nudges every entry at once",
        code='''
def numerical_gradient(f, w, eps=1e-5):
    w = np.asarray(w, dtype=float)
    return np.full(w.shape, (f(w + eps) - f(w - eps)) / (2 * eps))
''',
    ),
    WrongAnswer(
        exercise="numerical_gradient",
        name="does not put the entry back",
        code='''
def numerical_gradient(f, w, eps=1e-5):
    grad = np.zeros(np.shape(w))
    for i in np.ndindex(np.shape(w)):
        w[i] += eps
        up = f(w)
        w[i] -= 2 * eps
        down = f(w)
        grad[i] = (up - down) / (2 * eps)
    return grad
''',
    ),
    WrongAnswer(
        exercise="numerical_gradient",
        name="hard-coded for the visible functions",
        code='''
def numerical_gradient(f, w, eps=1e-5):
    if np.shape(w) == (2, 2):
        return np.array([[0.0, 3.0], [2.0, 0.0]])
    return 2 * np.asarray(w, dtype=float)
''',
    ),
    # ------------------------------------------------------------------ train_step
    WrongAnswer(
        exercise="train_step",
        name="steps uphill (assign_add)",
        code='''
def train_step(model_vars, x, y, lr):
    with tf.GradientTape() as tape:
        loss = mlp_loss(model_vars, x, y)
    for v, g in zip(model_vars, tape.gradient(loss, model_vars)):
        v.assign_add(lr * g)
    return loss
''',
        about=True,
        message="uphill",
    ),
    WrongAnswer(
        exercise="train_step",
        name="rebinds a name instead of updating the variable",
        code='''
def train_step(model_vars, x, y, lr):
    with tf.GradientTape() as tape:
        loss = mlp_loss(model_vars, x, y)
    for v, g in zip(model_vars, tape.gradient(loss, model_vars)):
        v = v - lr * g
    return loss
''',
    ),
    WrongAnswer(
        exercise="train_step",
        name="computes the loss outside the tape",
        code='''
def train_step(model_vars, x, y, lr):
    loss = mlp_loss(model_vars, x, y)
    with tf.GradientTape() as tape:
        pass
    for v, g in zip(model_vars, tape.gradient(loss, model_vars)):
        v.assign_sub(lr * g)
    return loss
''',
    ),
    WrongAnswer(
        exercise="train_step",
        name="updates only the kernels",
        code='''
def train_step(model_vars, x, y, lr):
    with tf.GradientTape() as tape:
        loss = mlp_loss(model_vars, x, y)
    grads = tape.gradient(loss, model_vars)
    for v, g in zip(model_vars[::2], grads[::2]):
        v.assign_sub(lr * g)
    return loss
''',
    ),
    WrongAnswer(
        exercise="train_step",
        name="returns the loss after the update",
        code='''
def train_step(model_vars, x, y, lr):
    with tf.GradientTape() as tape:
        loss = mlp_loss(model_vars, x, y)
    for v, g in zip(model_vars, tape.gradient(loss, model_vars)):
        v.assign_sub(lr * g)
    return mlp_loss(model_vars, x, y)
''',
    ),
    WrongAnswer(
        exercise="train_step",
        name="hard-coded loss",
        code='''
def train_step(model_vars, x, y, lr):
    with tf.GradientTape() as tape:
        loss = mlp_loss(model_vars, x, y)
    for v, g in zip(model_vars, tape.gradient(loss, model_vars)):
        v.assign_sub(lr * g)
    return 1.5765541791915894
''',
    ),
]
