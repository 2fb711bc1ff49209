"""Project-wide pytest setup: the layerviz plugin (fixtures and options)."""

import os

# TensorFlow's C++ start-up chatter says nothing about the layers under test.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# pytester runs the plugin's own tests (tests/test_pytest_plugin.py).
pytest_plugins = ["layerviz.pytest_plugin", "pytester"]
