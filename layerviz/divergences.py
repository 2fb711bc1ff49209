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
        fixed = f", fixed in {self.keras_before}" if self.keras_before else ""
        return f"{self.config} on {self.backend}, keras >= {self.keras_from}{fixed}: {self.what} ({self.upstream})"


KNOWN: tuple[Divergence, ...] = (
    Divergence(
        config="edge/avgpool-p3-s2-same",
        backend="torch",
        keras_from="3.0.0",
        keras_before=None,  # fixed upstream after 3.15.1; the strict xfail alerts once released
        upstream="keras-team/keras#18452, fixed by keras-team/keras#23233",
        what="torch cannot pad unevenly, so the bottom and right borders average padding in",
    ),
    # Found by an upgrade check on torch with keras 3.14.0 (earlier versions not
    # checked); from 3.15.0 torch computes what tensorflow and jax do.
    *(
        Divergence(
            config=f"edge/conv2d-transpose-{variant}-same",
            backend="torch",
            keras_from="3.14.0",
            keras_before="3.15.0",
            upstream="keras-team/keras#22876",
            what=what,
        )
        for variant, what in (
            ("k3-s2", "values shifted by one pixel (92-100% of pixels change, up to 190 levels)"),
            ("k4-s1", "output 127x127 instead of 128x128"),
        )
    ),
)


def find(config_id: str, backend: str, keras_version: str) -> Divergence | None:
    return next((d for d in KNOWN if d.applies(config_id, backend, keras_version)), None)
