"""Project-wide pytest setup: pytester and the hypothesis profiles (the layerviz plugin
loads by itself, through its entry point, as in any project that installs layerviz)."""

import os

from hypothesis import settings

# TensorFlow's C++ start-up chatter says nothing about the layers under test.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# pytester runs the plugin's own tests (tests/test_pytest_plugin.py).
pytest_plugins = ["pytester"]

# Default: the same examples on every run and machine, few enough to stay fast.
# No deadline: the first eager call of a Keras layer is much slower than the rest.
settings.register_profile("ci", derandomize=True, max_examples=15, deadline=None, database=None)
# Opt in with `pytest --hypothesis-profile=thorough`: random, many more examples.
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile("ci")
