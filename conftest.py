"""Project-wide pytest settings: fast mode and quiet TensorFlow, also for notebook kernels."""

import os

os.environ.setdefault("COURSE_FAST", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")
