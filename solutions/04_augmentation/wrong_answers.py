"""Classic mistakes for Chapter 4's exercises; `course check` proves the tests catch each."""

from course.grading.wrong_answers import WrongAnswer

WRONG_ANSWERS = [
    # ---------------------------------------------------------------- split_files
    WrongAnswer(
        exercise="split_files",
        name="sorts the file names as text (cat.10 before cat.2)",
        code='''
def split_files(source, target, sizes):
    source, target = Path(source), Path(target)
    for class_dir in sorted(p for p in source.iterdir() if p.is_dir()):
        files = sorted(p for p in class_dir.iterdir() if p.is_file())
        start = 0
        for split, n in sizes.items():
            folder = target / split / class_dir.name
            folder.mkdir(parents=True, exist_ok=True)
            for path in files[start:start + n]:
                shutil.copyfile(path, folder / path.name)
            start += n
''',
        about=True,
        message="file number",
    ),
    WrongAnswer(
        exercise="split_files",
        name="every split starts from the first file (overlapping splits)",
        code='''
def split_files(source, target, sizes):
    source, target = Path(source), Path(target)
    for class_dir in sorted(p for p in source.iterdir() if p.is_dir()):
        files = sorted(class_dir.iterdir(), key=lambda p: int(p.stem.split(".")[-1]))
        for split, n in sizes.items():
            folder = target / split / class_dir.name
            folder.mkdir(parents=True, exist_ok=True)
            for path in files[:n]:
                shutil.copyfile(path, folder / path.name)
''',
    ),
    WrongAnswer(
        exercise="split_files",
        name="moves the photos instead of copying them",
        code='''
def split_files(source, target, sizes):
    source, target = Path(source), Path(target)
    for class_dir in sorted(p for p in source.iterdir() if p.is_dir()):
        files = sorted(class_dir.iterdir(), key=lambda p: int(p.stem.split(".")[-1]))
        start = 0
        for split, n in sizes.items():
            folder = target / split / class_dir.name
            folder.mkdir(parents=True, exist_ok=True)
            for path in files[start:start + n]:
                shutil.move(path, folder / path.name)
            start += n
''',
    ),
    WrongAnswer(
        exercise="split_files",
        name="hard-codes the cats/dogs class folders and .jpg",
        code='''
def split_files(source, target, sizes):
    source, target = Path(source), Path(target)
    for cls, prefix in (("cats", "cat"), ("dogs", "dog")):
        start = 0
        for split, n in sizes.items():
            folder = target / split / cls
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(start, start + n):
                shutil.copyfile(source / cls / f"{prefix}.{i}.jpg", folder / f"{prefix}.{i}.jpg")
            start += n
''',
    ),
    WrongAnswer(
        exercise="split_files",
        name="shuffles the files at random (not deterministic)",
        code='''
def split_files(source, target, sizes):
    import random
    source, target = Path(source), Path(target)
    for class_dir in sorted(p for p in source.iterdir() if p.is_dir()):
        files = list(class_dir.iterdir())
        random.shuffle(files)
        start = 0
        for split, n in sizes.items():
            folder = target / split / class_dir.name
            folder.mkdir(parents=True, exist_ok=True)
            for path in files[start:start + n]:
                shutil.copyfile(path, folder / path.name)
            start += n
''',
    ),
    # ---------------------------------------------------------------- load_folder
    WrongAnswer(
        exercise="load_folder",
        name="keeps the 0-255 pixel values",
        code='''
def load_folder(folder, image_size):
    classes = sorted(p for p in Path(folder).iterdir() if p.is_dir())
    images, labels = [], []
    for label, class_dir in enumerate(classes):
        for path in sorted(class_dir.iterdir()):
            img = keras.utils.load_img(path, target_size=(image_size, image_size))
            images.append(np.asarray(img, dtype="float32"))
            labels.append(label)
    return np.stack(images), np.array(labels, dtype="float32")
''',
        about=True,
        message="255",
    ),
    WrongAnswer(
        exercise="load_folder",
        name="float64 from dividing a uint8 array by 255",
        code='''
def load_folder(folder, image_size):
    classes = sorted(p for p in Path(folder).iterdir() if p.is_dir())
    images, labels = [], []
    for label, class_dir in enumerate(classes):
        for path in sorted(class_dir.iterdir()):
            img = keras.utils.load_img(path, target_size=(image_size, image_size))
            images.append(np.asarray(img) / 255)
            labels.append(label)
    return np.stack(images), np.array(labels, dtype="float32")
''',
    ),
    WrongAnswer(
        exercise="load_folder",
        name="does not resize (photos of different sizes)",
        code='''
def load_folder(folder, image_size):
    classes = sorted(p for p in Path(folder).iterdir() if p.is_dir())
    images, labels = [], []
    for label, class_dir in enumerate(classes):
        for path in sorted(class_dir.iterdir()):
            images.append(np.asarray(keras.utils.load_img(path), dtype="float32") / 255)
            labels.append(label)
    return np.stack(images), np.array(labels, dtype="float32")
''',
    ),
    WrongAnswer(
        exercise="load_folder",
        name="labels the classes in reverse order",
        code='''
def load_folder(folder, image_size):
    classes = sorted((p for p in Path(folder).iterdir() if p.is_dir()), reverse=True)
    images, labels = [], []
    for label, class_dir in enumerate(classes):
        for path in sorted(class_dir.iterdir()):
            img = keras.utils.load_img(path, target_size=(image_size, image_size))
            images.append(np.asarray(img, dtype="float32") / 255)
            labels.append(label)
    return np.stack(images), np.array(labels, dtype="float32")
''',
    ),
    WrongAnswer(
        exercise="load_folder",
        name="keeps grey images with one channel (no RGB conversion)",
        code='''
def load_folder(folder, image_size):
    classes = sorted(p for p in Path(folder).iterdir() if p.is_dir())
    images, labels = [], []
    for label, class_dir in enumerate(classes):
        for path in sorted(class_dir.iterdir()):
            with Image.open(path) as img:
                a = np.asarray(img.resize((image_size, image_size)), dtype="float32") / 255
            images.append(a if a.ndim == 3 else a[..., None])
            labels.append(label)
    return np.stack(images), np.array(labels, dtype="float32")
''',
    ),
    WrongAnswer(
        exercise="load_folder",
        name="hard-codes the visible test's answer",
        code='''
def load_folder(folder, image_size):
    x = np.zeros((3, image_size, image_size, 3), "float32")
    x[0, ..., 0] = 1; x[1, ..., 1] = 1; x[2, ..., 2] = 1
    return x, np.array([0, 0, 1], "float32")
''',
    ),
    # ---------------------------------------------------------------- feature_map_size
    WrongAnswer(
        exercise="feature_map_size",
        name="forgets that the convolution shrinks the maps",
        code='''
def feature_map_size(image_size, blocks):
    return image_size // 2 ** blocks
''',
        about=True,
        message="convolution",
    ),
    WrongAnswer(
        exercise="feature_map_size",
        name="rounds the pooling up",
        code='''
def feature_map_size(image_size, blocks):
    size = image_size
    for _ in range(blocks):
        size = -(-(size - 2) // 2)
    return size
''',
    ),
    WrongAnswer(
        exercise="feature_map_size",
        name="takes 1 pixel per convolution instead of 2",
        code='''
def feature_map_size(image_size, blocks):
    size = image_size
    for _ in range(blocks):
        size = (size - 1) // 2
    return size
''',
    ),
    WrongAnswer(
        exercise="feature_map_size",
        name="hard-codes the visible test's answers",
        code='''
def feature_map_size(image_size, blocks):
    return 7 if image_size == 150 else 4
''',
    ),
    # ---------------------------------------------------------------- build_convnet
    WrongAnswer(
        exercise="build_convnet",
        name="softmax on the single output unit",
        code='''
def build_convnet(image_size, filters=(32, 64, 128, 128)):
    model = keras.Sequential([keras.Input(shape=(image_size, image_size, 3))])
    for f in filters:
        model.add(keras.layers.Conv2D(f, 3, activation="relu"))
        model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(512, activation="relu"))
    model.add(keras.layers.Dense(1, activation="softmax"))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
        about=True,
        message="sigmoid",
    ),
    WrongAnswer(
        exercise="build_convnet",
        name="no pooling after the last convolution",
        code='''
def build_convnet(image_size, filters=(32, 64, 128, 128)):
    model = keras.Sequential([keras.Input(shape=(image_size, image_size, 3))])
    for i, f in enumerate(filters):
        model.add(keras.layers.Conv2D(f, 3, activation="relu"))
        if i < len(filters) - 1:
            model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(512, activation="relu"))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_convnet",
        name="ignores the filters argument",
        code='''
def build_convnet(image_size, filters=(32, 64, 128, 128)):
    model = keras.Sequential([keras.Input(shape=(image_size, image_size, 3))])
    for f in (32, 64, 128, 128):
        model.add(keras.layers.Conv2D(f, 3, activation="relu"))
        model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(512, activation="relu"))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_convnet",
        name="the ten times smaller step of an older recipe (1e-4)",
        code='''
def build_convnet(image_size, filters=(32, 64, 128, 128)):
    model = keras.Sequential([keras.Input(shape=(image_size, image_size, 3))])
    for f in filters:
        model.add(keras.layers.Conv2D(f, 3, activation="relu"))
        model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(512, activation="relu"))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-4),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_convnet",
        name="hard-codes the 150-pixel model",
        code='''
def build_convnet(image_size, filters=(32, 64, 128, 128)):
    model = keras.Sequential([keras.Input(shape=(150, 150, 3))])
    for f in (32, 64, 128, 128):
        model.add(keras.layers.Conv2D(f, 3, activation="relu"))
        model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(512, activation="relu"))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    # ---------------------------------------------------------------- overfitting_epoch
    WrongAnswer(
        exercise="overfitting_epoch",
        name="counts epochs from 0",
        code='''
def overfitting_epoch(history):
    logs = history.history if hasattr(history, "history") else history
    losses = list(logs["val_loss"])
    best = int(np.argmin(losses))
    return None if best == len(losses) - 1 else best
''',
        about=True,
        message="count from 1",
    ),
    WrongAnswer(
        exercise="overfitting_epoch",
        name="the first epoch where the validation loss goes up",
        code='''
def overfitting_epoch(history):
    logs = history.history if hasattr(history, "history") else history
    losses = list(logs["val_loss"])
    for i in range(1, len(losses)):
        if losses[i] > losses[i - 1]:
            return i
    return None
''',
    ),
    WrongAnswer(
        exercise="overfitting_epoch",
        name="looks at the training loss",
        code='''
def overfitting_epoch(history):
    logs = history.history if hasattr(history, "history") else history
    losses = list(logs["loss"])
    best = int(np.argmin(losses))
    return None if best == len(losses) - 1 else best + 1
''',
    ),
    WrongAnswer(
        exercise="overfitting_epoch",
        name="never returns None (the last epoch counts too)",
        code='''
def overfitting_epoch(history):
    logs = history.history if hasattr(history, "history") else history
    return int(np.argmin(logs["val_loss"])) + 1
''',
    ),
    WrongAnswer(
        exercise="overfitting_epoch",
        name="accepts only a dict, not a History",
        code='''
def overfitting_epoch(history):
    losses = list(history["val_loss"])
    best = int(np.argmin(losses))
    return None if best == len(losses) - 1 else best + 1
''',
    ),
    WrongAnswer(
        exercise="overfitting_epoch",
        name="hard-codes the visible test's answer",
        code='''
def overfitting_epoch(history):
    return 5
''',
    ),
    # ---------------------------------------------------------------- make_augmentation
    WrongAnswer(
        exercise="make_augmentation",
        name="flips with tf.image in a Lambda layer (also at inference)",
        code='''
def make_augmentation(rotation=0.1, zoom=0.2):
    import tensorflow as tf
    return keras.Sequential([
        keras.layers.Lambda(lambda x: tf.image.flip_left_right(x)),
        keras.layers.RandomRotation(rotation),
        keras.layers.RandomZoom(zoom),
    ])
''',
        about=True,
        message="training=False",
    ),
    WrongAnswer(
        exercise="make_augmentation",
        name="flips upside down too",
        code='''
def make_augmentation(rotation=0.1, zoom=0.2):
    return keras.Sequential([
        keras.layers.RandomFlip("horizontal_and_vertical"),
        keras.layers.RandomRotation(rotation),
        keras.layers.RandomZoom(zoom),
    ])
''',
    ),
    WrongAnswer(
        exercise="make_augmentation",
        name="rescales inside the augmentation block",
        code='''
def make_augmentation(rotation=0.1, zoom=0.2):
    return keras.Sequential([
        keras.layers.Rescaling(1 / 255),
        keras.layers.RandomFlip("horizontal"),
        keras.layers.RandomRotation(rotation),
        keras.layers.RandomZoom(zoom),
    ])
''',
    ),
    WrongAnswer(
        exercise="make_augmentation",
        name="an empty block (no augmentation at all)",
        code='''
def make_augmentation(rotation=0.1, zoom=0.2):
    return keras.Sequential([keras.layers.Identity()])
''',
    ),
    WrongAnswer(
        exercise="make_augmentation",
        name="ignores its arguments (hard-coded factors)",
        code='''
def make_augmentation(rotation=0.1, zoom=0.2):
    return keras.Sequential([
        keras.layers.RandomFlip("horizontal"),
        keras.layers.RandomRotation(0.1),
        keras.layers.RandomZoom(0.2),
    ])
''',
    ),
    # ---------------------------------------------------------------- build_augmented_convnet
    WrongAnswer(
        exercise="build_augmented_convnet",
        name="dropout after the output layer",
        code='''
def build_augmented_convnet(image_size, augmentation, dropout=0.5):
    model = keras.Sequential([keras.Input(shape=(image_size, image_size, 3)), augmentation])
    for f in (32, 64, 128, 128):
        model.add(keras.layers.Conv2D(f, 3, activation="relu"))
        model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(512, activation="relu"))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.add(keras.layers.Dropout(dropout))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
        about=True,
        message="Dropout should come right after Flatten",
    ),
    WrongAnswer(
        exercise="build_augmented_convnet",
        name="dropout on the input pixels",
        code='''
def build_augmented_convnet(image_size, augmentation, dropout=0.5):
    model = keras.Sequential([keras.Input(shape=(image_size, image_size, 3)), augmentation,
                              keras.layers.Dropout(dropout)])
    for f in (32, 64, 128, 128):
        model.add(keras.layers.Conv2D(f, 3, activation="relu"))
        model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(512, activation="relu"))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_augmented_convnet",
        name="builds its own augmentation instead of using the block passed in",
        code='''
def build_augmented_convnet(image_size, augmentation, dropout=0.5):
    model = keras.Sequential([keras.Input(shape=(image_size, image_size, 3)),
                              keras.Sequential([keras.layers.RandomFlip("horizontal")])])
    for f in (32, 64, 128, 128):
        model.add(keras.layers.Conv2D(f, 3, activation="relu"))
        model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(512, activation="relu"))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_augmented_convnet",
        name="hard-codes the dropout rate and image size",
        code='''
def build_augmented_convnet(image_size, augmentation, dropout=0.5):
    model = keras.Sequential([keras.Input(shape=(64, 64, 3)), augmentation])
    for f in (32, 64, 128, 128):
        model.add(keras.layers.Conv2D(f, 3, activation="relu"))
        model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dropout(0.5))
    model.add(keras.layers.Dense(512, activation="relu"))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    # ---------------------------------------------------------------- binary_accuracy
    WrongAnswer(
        exercise="binary_accuracy",
        name="compares (n, 1) predictions with (n,) labels (broadcasting)",
        code='''
def binary_accuracy(probabilities, labels, threshold=0.5):
    return float(np.mean((np.asarray(probabilities) > threshold) == np.asarray(labels)))
''',
        about=True,
        message="(n, 1)",
    ),
    WrongAnswer(
        exercise="binary_accuracy",
        name="argmax over a single sigmoid column",
        code='''
def binary_accuracy(probabilities, labels, threshold=0.5):
    p = np.asarray(probabilities).reshape(len(labels), -1)
    return float(np.mean(np.argmax(p, axis=-1) == np.asarray(labels)))
''',
    ),
    WrongAnswer(
        exercise="binary_accuracy",
        name="ignores the threshold argument",
        code='''
def binary_accuracy(probabilities, labels, threshold=0.5):
    predicted = np.asarray(probabilities).reshape(-1) > 0.5
    return float(np.mean(predicted == np.asarray(labels)))
''',
    ),
    WrongAnswer(
        exercise="binary_accuracy",
        name="counts 0.5 itself as dog (>= instead of >)",
        code='''
def binary_accuracy(probabilities, labels, threshold=0.5):
    predicted = np.asarray(probabilities).reshape(-1) >= threshold
    return float(np.mean(predicted == np.asarray(labels)))
''',
    ),
    WrongAnswer(
        exercise="binary_accuracy",
        name="hard-codes the visible test's answer",
        code='''
def binary_accuracy(probabilities, labels, threshold=0.5):
    return 4 / 6
''',
    ),
]
