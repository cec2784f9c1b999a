"""Tests of ``course grade`` (course/grading/autograder, sandbox, preprocessors, protocol),
one file per unit; the hostile submissions they grade are in ``tests/hostile``."""
