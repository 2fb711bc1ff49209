"""Names with a fixed set of values, defined once: the Keras backends and the weight modes."""

from __future__ import annotations

from enum import StrEnum

# The Keras backends layerviz keeps baselines for.
BACKENDS = ("tensorflow", "jax", "torch")


class Weights(StrEnum):
    """A check's weight mode. A member is its string ("fixed" == Weights.FIXED), as users
    pass it to `check(weights=...)` and as set names and manifests record it."""

    KERAS = "keras"  # Keras's default initializers, each seeded from the check (what the seed post did)
    FIXED = "fixed"  # every weight drawn by NumPy from the twin of its initializer: the same on every backend
    AS_IS = "as-is"  # the weights a subject already has (a trained or loaded model)
