"""Pictures for the course: tensor shapes, model shape flow, convolution arithmetic, images.

Every function draws with matplotlib and returns the ``Figure``::

    from course.viz import show_tensor, show_model, show_images
    show_tensor(np.zeros((2, 8, 8, 3)))
    show_model(model)
    conv_arithmetic((7, 7), kernel_size=3, stride=2, padding="same")

TensorFlow and Keras are imported inside the functions that need them, so importing
``course.viz`` stays cheap.
"""

from course.viz.images import (
    show_activations,
    show_batch,
    show_confusion_matrix,
    show_filters,
    show_images,
)
from course.viz.models import conv_arithmetic, conv_output_size, explain_conv, show_model
from course.viz.tensors import show_tensor

__all__ = [
    "show_tensor",
    "show_model",
    "conv_output_size",
    "conv_arithmetic",
    "explain_conv",
    "show_images",
    "show_batch",
    "show_activations",
    "show_filters",
    "show_confusion_matrix",
]
