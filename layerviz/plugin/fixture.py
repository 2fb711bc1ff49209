"""The `layer_regression` fixture: `check(subject)` resolves a subject, locates its
baseline, renders it on photos and verifies the rendering against the baseline: the
comparison (`layerviz.judge.compare`) finds, the verdict (`layerviz.judge.verdict`) decides, and this
module carries it out: it writes, reports and fails."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np
import pytest

from layerviz.catalogue.cases import Case, UnknownNameError
from layerviz.core import divergences, numerics
from layerviz.core.names import Weights
from layerviz.core.raised import Raised
from layerviz.core.seeds import DEFAULT_SUITE_SEED
from layerviz.core.tolerance import Tolerance
from layerviz.inputs import colorspaces
from layerviz.inputs.images import ImageInputError, PhotoSet
from layerviz.judge.compare import Comparison, Outcome, compare
from layerviz.judge.pictures import heat_map, side_by_side
from layerviz.judge.verdict import FIXED_UPSTREAM, Found, Verdict, Write, decide
from layerviz.pages import findings, gallery
from layerviz.pipeline import outcomes
from layerviz.pipeline import subject as subjects
from layerviz.pipeline.layers import FixedWeightsError
from layerviz.pipeline.render import Rendering, encode_png, feature_picture
from layerviz.pipeline.subject import Subject
from layerviz.plugin.session import CASE_PROPERTY, ENTRY_PROPERTY, LayerSession
from layerviz.store import baselines, location, manifest
from layerviz.store.location import Location, Target

# layerviz's errors that say what the check itself got wrong (its subject, photos, name),
# or where its baseline cannot be written (a full disk, a read-only folder, a symbolic link).
USER_ERRORS = (
    subjects.SubjectError,
    ImageInputError,
    FixedWeightsError,
    location.BaselineNameError,
    UnknownNameError,
    baselines.BaselineWriteError,
    baselines.BaselineLinkError,
    colorspaces.UnknownColorSpaceError,
)


UNDECLARED = "Nothing was written: a check records an exception only where it declares it (raises=)."


class LayerRegression:
    """The `layer_regression` fixture: `check(subject)` renders a subject on photos and
    compares the picture and its raw statistics with the baseline."""

    def __init__(self, request: pytest.FixtureRequest, session: LayerSession, artifacts: Path) -> None:
        self.request = request
        self.session = session
        self.root = session.settings.root
        self.artifacts = artifacts  # made only when a failure leaves pictures in it
        self._checked: set[str] = set()

    def check(
        self,
        subject: object,
        *,
        colorspace: str | None = None,
        images: Sequence[str | Path | np.ndarray] | None = None,
        size: int | None = None,
        weights: str = Weights.KERAS,
        name: str | None = None,
        description: str = "",
        inputs: int | None = None,
        raises: type[BaseException] | tuple[type[BaseException], ...] = (),
    ) -> Outcome:
        """Render `subject` on photos and compare it with its baseline; return the `Rendering`
        (or the `Raised` exception) obtained.

        Args:
            subject: a Keras layer (a `Layer` subclass of yours too), a list of layers applied in
                turn, a `keras.Sequential`, a `keras.Model` or a sub-model cut from one, or a
                factory (called with the colour space's channel count, if it takes an argument) that
                returns one of those.
            colorspace: `luminance`, `rgb` (default), `hsv` or `ycbcr`: what the photos are given in.
            images: photo files or arrays (uint8 0-255 or float 0-1); default: the bundled pair.
            size: the side the photos are cropped and resized to (default: the input size a
                model declares, else 128; a size that conflicts with a model's is an error).
            weights: `keras` (its initializers, seeded from the check's name), `fixed` (NumPy
                draws, the same on every backend) or `as-is` (a trained subject's, untouched).
            name: where the baseline lives in its set (default `<test module>/<test name>`);
                `/` makes folders, and a name that would leave the baseline root is an error.
            description: a caption for galleries and reports.
            inputs: photos per call (default: a model's inputs, 2 for a merging layer, else 1).
            raises: the exception (class or tuple) the subject is expected to raise: the
                baseline records it, and the check fails if it renders. Any other exception
                fails the test as it is, and records nothing.
        """
        __tracebackhide__ = True
        try:
            return self._check(subject, colorspace, images, size, weights, name, description, inputs, raises)
        except USER_ERRORS as error:  # a mistake in the check, not a result: one line, no traceback
            said = f"{type(error).__name__}: {error}"
        # Failed outside the except clause: inside, pytest shows the error again as its context.
        pytest.fail(said, pytrace=False)

    def _check(
        self,
        subject: object,
        colorspace: str | None,
        images: Sequence[str | Path | np.ndarray] | None,
        size: int | None,
        weights: str,
        name: str | None,
        description: str,
        inputs: int | None,
        raises: type[BaseException] | tuple[type[BaseException], ...],
    ) -> Outcome:
        __tracebackhide__ = True
        spec, space = self._resolve(subject, colorspace, inputs)
        key = location.key(name, spec.name, self.request.node.nodeid, space.name, self.root)
        expected = raises if isinstance(raises, tuple) else (raises,)
        # A user's exception is caught here only to compare it with a picture baseline.
        caught = (Exception,) if spec.config_id is None else ()
        obtained, weighted, photos = self._render(spec, key, space, images, size, weights, caught)
        if expected and isinstance(obtained, Rendering):
            pytest.fail(
                f"{key}: expected {' or '.join(e.__name__ for e in expected)}, but it rendered a "
                f"{'x'.join(map(str, obtained.stats.shape))} output; nothing was written",
                pytrace=False,
            )
        where = self._locate(spec, key, weighted, weights)
        for png in {where.target.png, where.shared.png}:  # what the check reads, and may write
            baselines.refuse_links(self.root, png, where.target.label(self.root))
        # A user's check that raises what it does not declare is broken, never a baseline:
        # against a picture it fails as "now raises" (naming what differs in the numeric
        # environment), and else with the exception itself.
        broken = (
            bool(caught) and isinstance(obtained, Raised) and not isinstance(obtained.error, (*expected, ImportError))
        )
        if broken and not where.target.png.is_file():
            raise obtained.error  # type: ignore[union-attr, misc]
        if where.skip:
            pytest.skip(where.skip)
        if where.divergence is not None and where.divergence.draws_anew:
            again, _, _ = self._render(spec, key, space, images, size, weights, caught)
            self._draws_anew(obtained, again, where)
        obtained = self._name(obtained, where.target, description)
        self._show(obtained, spec.title, photos.labels[: len(images)] if photos and images else (), description)
        self.verify(obtained, where, self.session.settings.tolerance.at_least(spec.tolerance), recordable=not broken)
        return obtained

    def _resolve(
        self, subject: object, colorspace: str | None, inputs: int | None
    ) -> tuple[Subject, colorspaces.ColorSpace]:
        """The subject as a check runs it, and its colour space (an unknown one fails here,
        listing the known ones); a catalogue case this Keras cannot run is skipped."""
        spec = subjects.of(subject)
        if isinstance(subject, Case) and (reason := subjects.unavailable(subject.config)):
            pytest.skip(reason)
        if inputs is not None:
            spec = dataclasses.replace(spec, inputs=inputs)
        return spec, colorspaces.get(colorspace or spec.colorspace or "rgb")

    def _draws_anew(self, first: Outcome, second: Outcome, where: Location) -> None:
        """A release that ignores its seed draws anew on every run, which no baseline can
        hold: the check expects two runs to give two pictures, and fails if they do not
        (then the release does not have the bug, and the divergence's range is wrong)."""
        __tracebackhide__ = True
        pixels = [outcome.pixels for outcome in (first, second) if isinstance(outcome, Rendering)]
        if len(pixels) == 2 and not np.array_equal(pixels[0], pixels[1]):
            pytest.xfail(f"{where.divergence}: two runs drew two pictures, so no baseline can hold it")
        pytest.fail(
            f"{where.target.label(self.root)}: recorded as drawing anew on every run ({where.divergence}), "
            "but two runs did not draw two pictures; correct its range in layerviz.core.divergences.KNOWN",
            pytrace=False,
        )

    def _render(
        self,
        spec: Subject,
        key: str,
        space: colorspaces.ColorSpace,
        images: Sequence | None,
        size: int | None,
        weights: str,
        raises: tuple[type[BaseException], ...],
    ) -> tuple[Outcome, bool, PhotoSet | None]:
        """What the subject gives on the photos (its seeds depend on the check's name only),
        and whether it has weights. A module this environment lacks (torch resizes through
        torchvision before Keras 3.9) says nothing about the layer: skipped, as
        `pytest.importorskip` would."""
        photos = PhotoSet.files(images) if images else None
        obtained, has_weights = outcomes.outcome(
            outcomes.Request(spec, key, space, photos, size, weights, key, DEFAULT_SUITE_SEED, raises)
        )
        if isinstance(obtained, Raised) and obtained.type in ("ImportError", "ModuleNotFoundError"):
            pytest.skip(f"needs a module that is not installed here: {obtained.message}")
        return obtained, subjects.weighted(spec, has_weights, weights), photos

    def _show(self, obtained: Outcome, title: str, inputs: Sequence[str], description: str) -> None:
        """Into the run's gallery, if one is asked for (what was built says more than a factory's name)."""
        if self.session.settings.gallery_dir is not None:
            built = " → ".join(info.layer for info in getattr(obtained, "layers", ())) or title
            gallery.save_check(
                self.session.settings.gallery_dir, obtained, self.request.node.nodeid, built, description, inputs
            )

    def _locate(self, spec: Subject, key: str, weighted: bool, weights: str) -> Location:
        backend = keras.backend.backend()
        running = self.session.numerics()
        known = divergences.find(spec.config_id, manifest.running_versions(), running) if spec.config_id else None
        return location.locate(
            self.root,
            key,
            self.request.node.nodeid,
            weighted=weighted,
            weights=weights,
            backend=backend,
            divergence=known,
            regenerating=self.session.settings.mode.regen_all,
        )

    def _name(self, obtained: Outcome, target: Target, description: str) -> Outcome:
        """The outcome named as the check is (its set, then its case), once per test."""
        label = target.label(self.root)
        if label in self._checked:
            raise subjects.SubjectError(
                f"this test already checked {label}; give each check in a test its own name= or colorspace="
            )
        self._checked.add(label)
        self.request.node.user_properties.append((CASE_PROPERTY, label))
        obtained = dataclasses.replace(obtained, case_id=label)
        if description and isinstance(obtained, Rendering):
            obtained = dataclasses.replace(obtained, description=description)
        return obtained

    def verify(
        self, obtained: Outcome, where: Location, tolerance: Tolerance | None = None, recordable: bool = True
    ) -> None:
        """Compare `obtained` with the baseline `where` says (within `tolerance`, default
        the session's), then write, report and fail as the verdict says; an outcome that is
        not `recordable` (an exception the check did not declare) is never written, and fails."""
        __tracebackhide__ = True
        settings, target = self.session.settings, where.target
        tolerance = tolerance or settings.tolerance
        if settings.obtained_dir is not None:
            kept = baselines.png_path(settings.obtained_dir, obtained.case_id)
            baselines.save(obtained, kept)
            if isinstance(obtained, Rendering):
                baselines.save_layers(obtained, kept)
        if settings.mode.regenerating:
            self.session.regenerated[target.folder] = target.weights
        baseline, unreadable = baselines.load_or_why(target.png, obtained.case_id, target.hint)
        comparison = compare(baseline, obtained, tolerance) if baseline is not None else None
        if comparison is not None:
            found = Found.MATCHES if comparison.ok else Found.DIFFERS
        else:
            found = Found.UNREADABLE if unreadable else Found.MISSING
        shared_matches = (
            found is Found.DIFFERS and where.divergence is not None and _matches(obtained, where.shared, tolerance)
        )
        verdict = decide(found, settings.mode, where.divergence is not None, shared_matches)
        if not recordable and found is not Found.MATCHES:
            verdict = Verdict(Write.NOTHING, True, "changed", None, UNDECLARED)
        self._write(obtained, target, verdict.write, comparison)
        if verdict.fails:
            self._fail(verdict, obtained, where, comparison, unreadable)

    def _write(self, obtained: Outcome, target: Target, write: Write, comparison: Comparison | None) -> None:
        if write is Write.NOTHING:
            return
        image = sidecar = True
        if write is Write.FAILING and comparison is not None:  # only the part that failed
            image, sidecar = comparison.image_failed, comparison.sidecar_failed
        if baselines.save(obtained, target.png, image=image, sidecar=sidecar):
            self.session.written[target.folder] = target.weights

    def _fail(
        self,
        verdict: Verdict,
        obtained: Outcome,
        where: Location,
        comparison: Comparison | None,
        unreadable: str | None,
    ) -> None:
        """Report the failing check (every failure saves its entry) and fail it, saying
        what was found, what was done and what to do."""
        __tracebackhide__ = True
        target, label = where.target, self._shown(where.target)
        explained = [f"numeric environment: {said}" for said in self._numeric_differences(target)] if comparison else []
        made = f"created {target.png} and its {baselines.stats_path(target.png).name}"
        if isinstance(obtained, Raised):
            made = f"recorded that it raises {obtained} in {baselines.stats_path(target.png)}"
        running = manifest.running_versions()
        facts = {
            "png": target.png,
            "made": made,
            "root": self.root,
            "hint": target.hint,
            "keras": running["keras"],
            "backend": running["backend"],
            "release": running[running["backend"]],
        }
        note = verdict.note.format(**facts)
        if comparison is not None:
            head = self._found(comparison, label, where, verdict)
        elif unreadable is not None:
            head = unreadable
        else:
            head = f"{label}: no baseline at {target.png}; obtained: {self._save_obtained(obtained, target.png)}"
        message = "\n".join([head, *(f"  {said}" for said in explained), *([note] if note else [])])
        out = self.session.settings.report_dir
        if out is not None:
            if comparison is not None:
                cause = verdict.cause
                if cause is not None and cause != FIXED_UPSTREAM:
                    cause = f"{cause}: {comparison.cause}"
                entry = findings.changed(comparison, out, cause)
            else:
                assert verdict.status is not None  # every failing verdict has one (verdict.py)
                entry = findings.one_sided(obtained.case_id, verdict.status, unreadable or head, out, obtained)
            entry.problems.extend([*explained, *([note] if verdict.write is not Write.NOTHING else [])])
            findings.save_entry(entry, out)
            self.request.node.user_properties.append((ENTRY_PROPERTY, entry.case_id))
        raise AssertionError(message)

    def _shown(self, target: Target) -> str:
        """The check's label in its failure, less the test's own name, which pytest shows beside it."""
        label, test = target.label(self.root), location.name_of_test(self.request.node.nodeid)
        if not target.case_id.startswith(f"{test}/"):
            return label
        return f"{label[: -len(target.case_id)]}…/{target.case_id[len(test) + 1 :]}"

    def _found(self, comparison: Comparison, label: str, where: Location, verdict: Verdict) -> str:
        """What the comparison found, with the pictures a person needs to judge it."""
        target = where.target
        if verdict.cause == FIXED_UPSTREAM:
            return (
                f"{label}: divergence fixed upstream: {where.divergence}.\n"
                f"  The output now matches the shared baseline {where.shared.png}."
            )
        lines = [comparison.message(label), f"  baseline:     {target.png}"]
        lines.append(f"  obtained:     {self._save_obtained(comparison.obtained, target.png)}")
        baseline, obtained = comparison.baseline, comparison.obtained
        if isinstance(baseline, Rendering) and isinstance(obtained, Rendering):
            panels = [baseline.pixels, obtained.pixels]
            if comparison.diff is not None:
                heat = heat_map(comparison.diff, comparison.tolerance.levels)
                panels.append(heat)
                lines.append(f"  diff map:     {self._artifact(target.png, 'diff', heat)}")
            side = self._artifact(target.png, "side-by-side", side_by_side(panels))
            lines.append(f"  side by side: {side} (baseline | obtained | diff)")
        changed = comparison.layer_change.obtained if comparison.layer_change else None
        if changed is not None and changed.raw is not None:
            layer = self._artifact(
                target.png, f"layer-{findings.safe_name(changed.name)}", feature_picture(changed.raw)
            )
            lines.append(f"  that layer:   {layer} (obtained)")
        if where.divergence is not None:
            lines.insert(0, f"{label}: known divergence changed: {where.divergence}")
        return "\n".join(lines)

    def _artifact(self, expected_png: Path, kind: str, pixels: np.ndarray) -> Path:
        path = self.artifacts / f"{expected_png.stem}.{kind}.png"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(encode_png(pixels))
        except OSError as error:  # pytest's temporary folder, on a full disk say
            baselines.refuse_write("", path, error)
        return path

    def _save_obtained(self, obtained: Outcome, expected_png: Path) -> Path:
        """The obtained picture (or exception sidecar) beside the test's other artefacts."""
        obtained_png = self.artifacts / f"{expected_png.stem}.obtained.png"
        baselines.save(obtained, obtained_png)
        return obtained_png if isinstance(obtained, Rendering) else baselines.stats_path(obtained_png)

    def _numeric_differences(self, target: Target) -> list[str]:
        try:
            made = (manifest.read_manifest(target.folder) or {}).get("numerics")
        except baselines.BaselineError as error:  # said beside the failure, which it does not decide
            return [str(error)]
        return numerics.differences(made, self.session.numerics())


def _matches(obtained: Outcome, target: Target, tolerance: Tolerance) -> bool:
    baseline, _ = baselines.load_or_why(target.png, obtained.case_id, target.hint)
    return baseline is not None and compare(baseline, obtained, tolerance).ok
