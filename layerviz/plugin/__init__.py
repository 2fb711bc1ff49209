"""Stage 7, the pytest plugin: what a run shares (session), the `layer_regression` fixture
and the baselines no check used. Its hooks and options are `layerviz.pytest_plugin`, the
entry point."""
