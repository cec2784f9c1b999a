"""Classic mistakes for Chapter 5's exercises; `course check` proves the tests catch each."""

from course.grading.wrong_answers import WrongAnswer

WRONG_ANSWERS = [
    # ---------------------------------------------------------------- preprocess
    WrongAnswer(
        exercise="preprocess",
        name="scales to [0, 1] as in earlier chapters",
        code='''
def preprocess(images):
    return np.asarray(images, dtype="float32") / 255
''',
        about=True,
        message="[-1, 1]",
    ),
    WrongAnswer(
        exercise="preprocess",
        name="divides by 127.5 but does not shift",
        code='''
def preprocess(images):
    return np.asarray(images, dtype="float32") / 127.5
''',
    ),
    WrongAnswer(
        exercise="preprocess",
        name="keeps the input dtype (uint8 wraps around)",
        code='''
def preprocess(images):
    images = np.asarray(images)
    return (images / 127.5 - 1).astype(images.dtype)
''',
    ),
    WrongAnswer(
        exercise="preprocess",
        name="changes the caller's float array in place",
        code='''
def preprocess(images):
    if isinstance(images, np.ndarray) and images.dtype == np.float32:
        images /= 127.5
        images -= 1.0
        return images
    return np.asarray(images, dtype="float32") / 127.5 - 1.0
''',
    ),
    WrongAnswer(
        exercise="preprocess",
        name="hard-coded",
        code='''
def preprocess(images):
    return np.array([-1.0, 1.0, -0.6, 0.6], dtype="float32")
''',
    ),
    # ---------------------------------------------------------------- freeze
    WrongAnswer(
        exercise="freeze",
        name="freezes convolutions and Dense layers only",
        code='''
def freeze(model):
    for layer in model.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D,
                              keras.layers.Dense)):
            layer.trainable = False
    return model
''',
        about=True,
        message="BatchNormalization",
    ),
    WrongAnswer(
        exercise="freeze",
        name="compares instead of assigning",
        code='''
def freeze(model):
    model.trainable == False
    return model
''',
    ),
    WrongAnswer(
        exercise="freeze",
        name="freezes a copy",
        code='''
def freeze(model):
    frozen = keras.models.clone_model(model)
    frozen.trainable = False
    return frozen
''',
    ),
    WrongAnswer(
        exercise="freeze",
        name="hard-coded MobileNetV2 layer names",
        code='''
def freeze(model):
    for layer in model.layers:
        if layer.name.startswith(("Conv", "bn_Conv", "expanded_conv", "block_", "out_relu")):
            layer.trainable = False
    return model
''',
    ),
    # ---------------------------------------------------------------- extract_features
    WrongAnswer(
        exercise="extract_features",
        name="labels from a second pass over a shuffled dataset",
        code='''
def extract_features(base, dataset):
    features = np.concatenate(
        [np.asarray(base(preprocess(images), training=False)) for images, _ in dataset])
    labels = np.concatenate([np.asarray(labels) for _, labels in dataset])
    return features, labels
''',
        about=True,
        message="same order",
    ),
    WrongAnswer(
        exercise="extract_features",
        name="no preprocessing",
        code='''
def extract_features(base, dataset):
    features, labels = [], []
    for images, batch_labels in dataset:
        features.append(np.asarray(base(images, training=False)))
        labels.append(np.asarray(batch_labels))
    return np.concatenate(features), np.concatenate(labels)
''',
    ),
    WrongAnswer(
        exercise="extract_features",
        name="BatchNormalization in training mode",
        code='''
def extract_features(base, dataset):
    features, labels = [], []
    for images, batch_labels in dataset:
        features.append(np.asarray(base(preprocess(images), training=True)))
        labels.append(np.asarray(batch_labels))
    return np.concatenate(features), np.concatenate(labels)
''',
    ),
    WrongAnswer(
        exercise="extract_features",
        name="only the first batch",
        code='''
def extract_features(base, dataset):
    images, labels = next(iter(dataset))
    return np.asarray(base(preprocess(images), training=False)), np.asarray(labels)
''',
    ),
    WrongAnswer(
        exercise="extract_features",
        name="hard-coded base (ignores the one given)",
        code='''
def extract_features(base, dataset):
    mobilenet = pretrained.mobilenet_v2(0.35, verbose=False)
    features, labels = [], []
    for images, batch_labels in dataset:
        features.append(np.asarray(mobilenet(preprocess(images), training=False)))
        labels.append(np.asarray(batch_labels))
    return np.concatenate(features), np.concatenate(labels)
''',
    ),
    # ---------------------------------------------------------------- build_classifier
    WrongAnswer(
        exercise="build_classifier",
        name="no sigmoid on the output",
        code='''
def build_classifier(feature_shape, dropout=0.5):
    model = keras.Sequential([keras.Input(shape=feature_shape)])
    if len(feature_shape) == 3:
        model.add(keras.layers.GlobalAveragePooling2D())
    if dropout > 0:
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
        about=True,
        message="sigmoid",
    ),
    WrongAnswer(
        exercise="build_classifier",
        name="softmax on a single unit",
        code='''
def build_classifier(feature_shape, dropout=0.5):
    model = keras.Sequential([keras.Input(shape=feature_shape)])
    if len(feature_shape) == 3:
        model.add(keras.layers.GlobalAveragePooling2D())
    if dropout > 0:
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="softmax"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_classifier",
        name="Flatten instead of pooling",
        code='''
def build_classifier(feature_shape, dropout=0.5):
    model = keras.Sequential([keras.Input(shape=feature_shape)])
    if len(feature_shape) == 3:
        model.add(keras.layers.Flatten())
    if dropout > 0:
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_classifier",
        name="not compiled",
        code='''
def build_classifier(feature_shape, dropout=0.5):
    model = keras.Sequential([keras.Input(shape=feature_shape)])
    if len(feature_shape) == 3:
        model.add(keras.layers.GlobalAveragePooling2D())
    if dropout > 0:
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    return model
''',
    ),
    WrongAnswer(
        exercise="build_classifier",
        name="hard-coded for the visible test's features",
        code='''
def build_classifier(feature_shape, dropout=0.5):
    model = keras.Sequential([
        keras.Input(shape=(5, 5, 1280)),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    # ---------------------------------------------------------------- build_frozen_model
    WrongAnswer(
        exercise="build_frozen_model",
        name="base not frozen (BatchNormalization in training mode)",
        code='''
def build_frozen_model(base, image_size, augmentation):
    inputs = keras.Input(shape=(image_size, image_size, 3))
    x = augmentation(inputs)
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(x)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.5)(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
        about=True,
        message="BatchNormalization",
    ),
    WrongAnswer(
        exercise="build_frozen_model",
        name="no scaling inside the model",
        code='''
def build_frozen_model(base, image_size, augmentation):
    base.trainable = False
    inputs = keras.Input(shape=(image_size, image_size, 3))
    x = augmentation(inputs)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.5)(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_frozen_model",
        name="scales to [0, 1]",
        code='''
def build_frozen_model(base, image_size, augmentation):
    base.trainable = False
    inputs = keras.Input(shape=(image_size, image_size, 3))
    x = augmentation(inputs)
    x = keras.layers.Rescaling(1 / 255)(x)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.5)(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_frozen_model",
        name="Flatten instead of pooling",
        code='''
def build_frozen_model(base, image_size, augmentation):
    base.trainable = False
    inputs = keras.Input(shape=(image_size, image_size, 3))
    x = augmentation(inputs)
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(x)
    x = base(x, training=False)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.5)(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    WrongAnswer(
        exercise="build_frozen_model",
        name="hard-coded image size",
        code='''
def build_frozen_model(base, image_size, augmentation):
    base.trainable = False
    inputs = keras.Input(shape=(64, 64, 3))
    x = augmentation(inputs)
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(x)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.5)(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
''',
    ),
    # ---------------------------------------------------------------- unfreeze_top
    WrongAnswer(
        exercise="unfreeze_top",
        name="unfreezes the BatchNormalization layers too",
        code='''
def unfreeze_top(base, n):
    base.trainable = True
    for layer in base.layers[:-n]:
        layer.trainable = False
    return base
''',
        about=True,
        message="BatchNormalization",
    ),
    WrongAnswer(
        exercise="unfreeze_top",
        name="leaves the model itself frozen",
        code='''
def unfreeze_top(base, n):
    for layer in base.layers[-n:]:
        if not isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = True
    return base
''',
    ),
    WrongAnswer(
        exercise="unfreeze_top",
        name="one layer too many",
        code='''
def unfreeze_top(base, n):
    base.trainable = True
    for i, layer in enumerate(base.layers):
        if i < len(base.layers) - n - 1 or isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    return base
''',
    ),
    WrongAnswer(
        exercise="unfreeze_top",
        name="unfreezes the first n layers",
        code='''
def unfreeze_top(base, n):
    base.trainable = True
    for i, layer in enumerate(base.layers):
        if i >= n or isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    return base
''',
    ),
    WrongAnswer(
        exercise="unfreeze_top",
        name="hard-coded MobileNetV2 block names",
        code='''
def unfreeze_top(base, n):
    base.trainable = True
    for layer in base.layers:
        layer.trainable = (layer.name.startswith(("block_15", "block_16", "Conv_1"))
                           and not isinstance(layer, keras.layers.BatchNormalization))
    return base
''',
    ),
    # ---------------------------------------------------------------- activation_model
    WrongAnswer(
        exercise="activation_model",
        name="the layers' inputs instead of their outputs",
        code='''
def activation_model(model, layer_names):
    return keras.Model(model.input, [model.get_layer(name).input for name in layer_names])
''',
        about=True,
        message="output",
    ),
    WrongAnswer(
        exercise="activation_model",
        name="only the last layer",
        code='''
def activation_model(model, layer_names):
    return keras.Model(model.input, model.get_layer(layer_names[-1]).output)
''',
    ),
    WrongAnswer(
        exercise="activation_model",
        name="layers sorted by name",
        code='''
def activation_model(model, layer_names):
    return keras.Model(model.input, [model.get_layer(name).output for name in sorted(layer_names)])
''',
    ),
    WrongAnswer(
        exercise="activation_model",
        name="hard-coded layer names",
        code='''
def activation_model(model, layer_names):
    names = ["Conv1", "block_3_expand_relu", "out_relu"]
    return keras.Model(model.input, [model.get_layer(name).output for name in names])
''',
    ),
    # ---------------------------------------------------------------- grad_cam
    WrongAnswer(
        exercise="grad_cam",
        name="no ReLU before scaling",
        code='''
def grad_cam(model, image, layer_name, class_index=0):
    grad_model = keras.Model(model.input, [model.get_layer(layer_name).output, model.output])
    with tf.GradientTape() as tape:
        maps, predictions = grad_model(np.asarray(image, dtype="float32")[None], training=False)
        score = predictions[:, class_index]
    grads = tape.gradient(score, maps)[0]
    heatmap = tf.reduce_sum(maps[0] * tf.reduce_mean(grads, axis=(0, 1)), axis=-1).numpy()
    return heatmap / heatmap.max()
''',
        about=True,
        message="ReLU",
    ),
    WrongAnswer(
        exercise="grad_cam",
        name="activations without gradients",
        code='''
def grad_cam(model, image, layer_name, class_index=0):
    probe = keras.Model(model.input, model.get_layer(layer_name).output)
    heatmap = np.maximum(np.asarray(probe(np.asarray(image, dtype="float32")[None]))[0].mean(-1), 0)
    return heatmap / heatmap.max()
''',
    ),
    WrongAnswer(
        exercise="grad_cam",
        name="gradients averaged over the channels",
        code='''
def grad_cam(model, image, layer_name, class_index=0):
    grad_model = keras.Model(model.input, [model.get_layer(layer_name).output, model.output])
    with tf.GradientTape() as tape:
        maps, predictions = grad_model(np.asarray(image, dtype="float32")[None], training=False)
        score = predictions[:, class_index]
    grads = tape.gradient(score, maps)[0]
    weights = tf.reduce_mean(grads, axis=-1, keepdims=True)
    heatmap = tf.nn.relu(tf.reduce_sum(maps[0] * weights, axis=-1)).numpy()
    return heatmap / heatmap.max()
''',
    ),
    WrongAnswer(
        exercise="grad_cam",
        name="not scaled to [0, 1]",
        code='''
def grad_cam(model, image, layer_name, class_index=0):
    grad_model = keras.Model(model.input, [model.get_layer(layer_name).output, model.output])
    with tf.GradientTape() as tape:
        maps, predictions = grad_model(np.asarray(image, dtype="float32")[None], training=False)
        score = predictions[:, class_index]
    grads = tape.gradient(score, maps)[0]
    return tf.nn.relu(tf.reduce_sum(maps[0] * tf.reduce_mean(grads, axis=(0, 1)), axis=-1)).numpy()
''',
    ),
    WrongAnswer(
        exercise="grad_cam",
        name="hard-coded first output (ignores class_index)",
        code='''
def grad_cam(model, image, layer_name, class_index=0):
    grad_model = keras.Model(model.input, [model.get_layer(layer_name).output, model.output])
    with tf.GradientTape() as tape:
        maps, predictions = grad_model(np.asarray(image, dtype="float32")[None], training=False)
        score = predictions[:, 0]
    grads = tape.gradient(score, maps)[0]
    weights = tf.reduce_mean(grads, axis=(0, 1))
    heatmap = tf.nn.relu(tf.reduce_sum(maps[0] * weights, axis=-1)).numpy()
    return heatmap / heatmap.max() if heatmap.max() > 0 else heatmap
''',
    ),
    WrongAnswer(
        exercise="grad_cam",
        name="upsampled to the image size",
        code='''
def grad_cam(model, image, layer_name, class_index=0):
    grad_model = keras.Model(model.input, [model.get_layer(layer_name).output, model.output])
    with tf.GradientTape() as tape:
        maps, predictions = grad_model(np.asarray(image, dtype="float32")[None], training=False)
        score = predictions[:, class_index]
    grads = tape.gradient(score, maps)[0]
    heatmap = tf.nn.relu(tf.reduce_sum(maps[0] * tf.reduce_mean(grads, axis=(0, 1)), axis=-1))
    heatmap = tf.image.resize(heatmap[..., None], np.shape(image)[:2])[..., 0].numpy()
    return heatmap / heatmap.max() if heatmap.max() > 0 else heatmap
''',
    ),
]
