"""Known divergences: cases where a backend really computes something else.

The one place they are recorded. For exactly its configuration, backend and Keras
versions, a divergence's checks compare with what that backend computes, kept in
a baseline set of its own (`Divergence.folder`): they pass while the divergence
stays exactly as recorded, fail as "divergence changed" when the wrong output
changes, and as "divergence fixed upstream" when the output matches the shared
baseline again. Reports name them.
"""

from __future__ import annotations

from dataclasses import dataclass


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


@dataclass(frozen=True)
class Divergence:
    config: str  # e.g. "edge/avgpool-p3-s2-same"; every colour space and weight mode
    backend: str
    keras_from: str  # first Keras version affected
    keras_before: str | None  # first version fixed; None while it is open
    upstream: str
    what: str

    def applies(self, config_id: str, backend: str, keras_version: str) -> bool:
        if (config_id, backend) != (self.config, self.backend):
            return False
        version = _version(keras_version)
        return _version(self.keras_from) <= version and (
            self.keras_before is None or version < _version(self.keras_before)
        )

    @property
    def versions(self) -> str:
        return f">= {self.keras_from}" + (f", < {self.keras_before}" if self.keras_before else "")

    @property
    def folder(self) -> str:
        """Where its own baselines live, under the baseline root."""
        versions = f"from-{self.keras_from}" + (f"-before-{self.keras_before}" if self.keras_before else "")
        return f"divergences/{self.backend}/{versions}"

    def __str__(self) -> str:
        return f"{self.config} on {self.backend}, keras {self.versions}: {self.what} ({self.upstream})"


# Measured on every Keras release from 3.0.0 to 3.15.1 with torch 2.13.0 and jax 0.10.2
# (and tensorflow 2.21.0 on 3.0.0, 3.4.1, 3.5.0, 3.10.0, 3.13.2, 3.14.0, 3.15.1): jax and
# tensorflow match the shared baselines on all of them. Within each range below, the
# torch output is byte-identical on every release; a range ends where it changes.
KNOWN: tuple[Divergence, ...] = (
    Divergence(
        config="edge/avgpool-p3-s2-same",
        backend="torch",
        keras_from="3.0.0",
        keras_before="3.5.0",
        upstream="keras-team/keras#18452",
        what="torch cannot pad unevenly and counts zero padding in the average: the last pooled row "
        "and column come out darker (up to 193 levels, on 3.1% of the pixels)",
    ),
    Divergence(
        config="edge/avgpool-p3-s2-same",
        backend="torch",
        keras_from="3.5.0",
        keras_before=None,  # fixed upstream after 3.15.1: "divergence fixed upstream" once released
        upstream="keras-team/keras#18452, fixed by keras-team/keras#23233",
        what="the last pooled row and column average a repeated border instead of the valid pixels "
        "only (up to 3 levels, 45 in hue, on 0.1-0.5% of the pixels)",
    ),
    Divergence(
        config="edge/conv2d-transpose-k3-s2-same",
        backend="torch",
        keras_from="3.0.0",
        keras_before="3.15.0",
        upstream="keras-team/keras#22876",
        what="values shifted one row up and one column left (92-100% of the pixels change, up to 190 levels)",
    ),
    Divergence(
        config="edge/conv2d-transpose-k4-s1-same",
        backend="torch",
        keras_from="3.0.0",
        keras_before="3.13.0",
        upstream="keras-team/keras#20949, fixed by keras-team/keras#21852",
        what="raises ValueError: the output_padding torch would need (1) is not below the strides (1)",
    ),
    Divergence(
        config="edge/conv2d-transpose-k4-s1-same",
        backend="torch",
        keras_from="3.13.0",
        keras_before="3.15.0",
        upstream="keras-team/keras#22876",
        what="output 127x127 instead of 128x128: the first row and column are missing",
    ),
)


def find(config_id: str, backend: str, keras_version: str) -> Divergence | None:
    return next((d for d in KNOWN if d.applies(config_id, backend, keras_version)), None)
