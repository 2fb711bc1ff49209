"""A divergence, the type: a configuration whose backend really computes something else,
for a range of Keras releases (and of the backend's own), maybe only under a condition of
the numeric environment. The known ones are recorded in `layerviz.core.divergences`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from layerviz.core import versions


@dataclass(frozen=True)
class Condition:
    """What else a divergence needs besides its backend and Keras versions: a fact of
    the numeric environment (`layerviz.core.numerics.record()`)."""

    what: str
    holds: Callable[[Mapping[str, Any]], bool]

    def __str__(self) -> str:
        return self.what


@dataclass(frozen=True)
class Divergence:
    config: str  # e.g. "edge/avgpool-p3-s2-same"; every colour space and weight mode
    backend: str
    keras_from: str  # first Keras version affected
    keras_before: str | None  # first version fixed; None while it is open
    upstream: str
    what: str
    when: Condition | None = None  # None: whatever the numeric environment
    # The backend's own releases it holds for (its package: jax, tensorflow, torch), where
    # a backend release brought or fixed it; None, None: every release.
    backend_from: str | None = None
    backend_before: str | None = None
    # It draws anew on every run (a seed the release ignores): no baseline can hold it, so
    # its check renders twice and expects two pictures.
    draws_anew: bool = False

    def applies(self, config_id: str, running: Mapping[str, str], numerics: Mapping[str, Any]) -> bool:
        """Whether it applies to a check of `config_id` run with `running`'s versions
        (`layerviz.store.manifest.running_versions()`: Keras, the backend, its release), in
        the numeric environment `numerics` (`layerviz.core.numerics.record()`)."""
        backend = running["backend"]
        if (config_id, backend) != (self.config, self.backend):
            return False
        return (
            self.covers("keras", running["keras"])
            and self.covers(backend, running[backend])
            and (self.when is None or self.when.holds(numerics))
        )

    def covers(self, package: str, release: str) -> bool:
        """Whether `release` of `package` (keras, or its backend's) is in its range."""
        start, before = self.range_of(package)
        return versions.in_range(release, start or "0", before)

    def range_of(self, package: str) -> tuple[str | None, str | None]:
        """Its first release affected and first fixed, of keras or of its backend."""
        if package == "keras":
            return self.keras_from, self.keras_before
        return self.backend_from, self.backend_before

    @property
    def versions(self) -> str:
        return f">= {self.keras_from}" + (f", < {self.keras_before}" if self.keras_before else "")

    @property
    def backend_versions(self) -> str:
        """Its backend's releases, in words; "" for every release."""
        bounds = [f">= {self.backend_from}"] if self.backend_from else []
        bounds += [f"< {self.backend_before}"] if self.backend_before else []
        return f"{self.backend} {', '.join(bounds)}" if bounds else ""

    @property
    def folder(self) -> str:
        """Where its own baselines live, under the baseline root."""
        versions = f"from-{self.keras_from}" + (f"-before-{self.keras_before}" if self.keras_before else "")
        own = "".join(
            f"-{self.backend}-{edge}-{release}"
            for edge, release in (("from", self.backend_from), ("before", self.backend_before))
            if release
        )
        return f"divergences/{self.backend}/{versions}{own}"

    def __str__(self) -> str:
        when = f" with {self.when}" if self.when else ""
        own = f" and {self.backend_versions}" if self.backend_versions else ""
        return f"{self.config} on {self.backend}{when}, keras {self.versions}{own}: {self.what} ({self.upstream})"


def each(
    configs: tuple[str, ...],
    backends: tuple[str, ...],
    keras: tuple[str, str | None],
    upstream: str,
    what: str,
    when: Condition | None = None,
    backend_releases: tuple[str | None, str | None] = (None, None),
    draws_anew: bool = False,
) -> tuple[Divergence, ...]:
    """One divergence, the same for several configurations or backends (`backend_releases`:
    the backend's own from and before)."""
    return tuple(
        Divergence(c, b, keras[0], keras[1], upstream, what, when, *backend_releases, draws_anew)
        for c in configs
        for b in backends
    )
