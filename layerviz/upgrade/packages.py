"""The package whose releases a sweep or a bisection walks, and what one of its releases
installs over the running environment: a Keras release alone, everything else as the
running environment has it, so a change between two releases is Keras's; a backend's
release under the running Keras, with the dependencies it declares, as installing it would
(TensorFlow 2.16 takes NumPy < 2, ml_dtypes 0.3 and protobuf 4): jax with the jaxlib it runs
on, TensorFlow as its CPU wheel where one exists, torch.
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from layerviz.core import versions
from layerviz.core.names import BACKENDS
from layerviz.upgrade import stacks


@dataclass(frozen=True)
class Package:
    name: str  # as PyPI knows it, normalised: keras, jax, tensorflow, torch, or any other

    @classmethod
    def named(cls, name: str) -> Package:
        return cls(canonicalize_name(name))

    @property
    def backend(self) -> str | None:
        """The Keras backend this package is, if it is one."""
        return self.name if self.name in BACKENDS else None

    @property
    def distribution(self) -> str:
        """The distribution whose releases are this package's."""
        return "tensorflow-cpu" if self.name == "tensorflow" and _cpu_wheels() else self.name

    def releases(self, source: stacks.Source, cache: Path | None = None) -> list[str]:
        """Its final releases that `source` offers, oldest first."""
        return list(_releases(self.distribution, source, cache))

    def span(self, span: str, source: stacks.Source, cache: Path | None = None, minor: bool = False) -> list[str]:
        """The releases of `span` ("3.0.0..3.15.1", or one version), oldest first; with
        `minor`, the newest patch of each minor release only. An end that is no release is
        an UnknownRelease naming the closest."""
        first, _, last = span.partition("..")
        known = self.releases(source, cache)
        for end in (first, last or first):
            stacks.require(self.name, end, known)
        chosen = versions.between(known, first, last or first)
        if minor:
            newest: dict[tuple[int, ...], str] = {}
            for version in chosen:
                newest[versions.minor(version)] = version
            chosen = list(newest.values())
        return chosen

    def requirements(self, version: str, source: stacks.Source, cache: Path | None = None) -> tuple[str, ...]:
        """What its release `version` installs: jax with the newest jaxlib not after it
        (jax's patch releases reuse the jaxlib before them: 0.4.37 runs on 0.4.36)."""
        if self.name == "jax":
            release = versions.version(version)
            jaxlibs = [v for v in _releases("jaxlib", source, cache) if versions.version(v) <= release]
            if not jaxlibs:
                raise stacks.StackError(f"no jaxlib release at or before jax {version} found at the index")
            return (f"jax=={version}", f"jaxlib=={jaxlibs[-1]}")
        return (f"{self.distribution}=={version}",)

    def stack(
        self, version: str, extra: tuple[str, ...], backend: str, source: stacks.Source, cache: Path | None = None
    ) -> stacks.Stack:
        """The stack of its release `version` with the `extra` pins; a backend's holds the
        running Keras to its release."""
        requirements = self.requirements(version, source, cache)
        if self.backend is None:
            return stacks.Stack((*requirements, *extra), backend, source)
        keras = f"keras=={importlib.metadata.version('keras')}"
        return stacks.Stack((*requirements, keras, *extra), backend, source, dependencies=True)


def _cpu_wheels() -> bool:
    """Whether TensorFlow has a CPU-only wheel here (tensorflow-cpu: Linux x86-64), as
    pyproject.toml's tensorflow-cpu extra chooses."""
    return sys.platform == "linux" and platform.machine() == "x86_64"


@functools.cache
def _releases(distribution: str, source: stacks.Source, cache: Path | None) -> tuple[str, ...]:
    # A sweep asks for jaxlib's once per jax release: the index is read once a run.
    return tuple(stacks.releases(distribution, source, cache))
