"""layerviz: a visual regression suite and cheat sheet for Keras layers."""

__version__ = "0.1.0"
