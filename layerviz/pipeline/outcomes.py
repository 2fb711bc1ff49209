"""One way into rendering, for every caller (the fixture, the gallery, `layerviz render`,
`obtain`, upgrades and sweeps, a model's sheet): a Request in, an outcome out, the
rendering or the exception a catalogue case records."""

from __future__ import annotations

from dataclasses import dataclass

from layerviz.catalogue.cases import Case
from layerviz.core.names import Weights
from layerviz.core.raised import Raised
from layerviz.core.seeds import DEFAULT_SUITE_SEED
from layerviz.inputs import colorspaces
from layerviz.inputs.colorspaces import ColorSpace
from layerviz.inputs.images import ImageInputError, PhotoSet
from layerviz.pipeline.layers import FixedWeightsError
from layerviz.pipeline.render import Rendering, render
from layerviz.pipeline.shapes import SubjectError
from layerviz.pipeline.subject import Subject, of, trace


@dataclass(frozen=True)
class Request:
    """What to render: `subject` on `photos` (the bundled pair by default) in `colorspace`,
    at `size` (None: the working size, or a model's own), with `weights`, its seeds drawn
    from `seed_name`; the result is named `label`. `raises`: the exceptions a user's check
    declares. Every caller renders through one (`outcome`)."""

    subject: Subject
    label: str
    colorspace: ColorSpace
    photos: PhotoSet | None = None
    size: int | None = None
    weights: str = Weights.KERAS
    seed_name: str = ""
    suite_seed: int = DEFAULT_SUITE_SEED
    raises: tuple[type[BaseException], ...] = ()

    @classmethod
    def of_case(
        cls,
        case: Case,
        photos: PhotoSet | None = None,
        size: int | None = None,
        weights: str = Weights.KERAS,
        suite_seed: int = DEFAULT_SUITE_SEED,
    ) -> Request:
        """A catalogue case's request: named and seeded by its id, as its baselines are."""
        return cls(of(case), case.id, colorspaces.get(case.colorspace), photos, size, weights, case.id, suite_seed)


def outcome(request: Request) -> tuple[Rendering | Raised, bool | None]:
    """The request's rendering, or the exception its subject raised; and whether the
    subject has weights (None if it raised before that was known).

    A catalogue case's exception is its behaviour (a combination Keras refuses), recorded
    and compared like a picture; a user's subject's is recorded only where the check
    declares it (`raises`), or a module is missing (which the check skips), and else
    propagates, so a broken check fails rather than passing on a recorded error.
    layerviz's own errors (a bad photo, a subject it cannot run, a default initializer
    fixed weights cannot draw) always propagate.
    """
    subject, label = request.subject, request.label
    recorded: tuple[type[BaseException], ...] = (
        (Exception,) if subject.config_id is not None else (*request.raises, ImportError)
    )
    try:
        output = trace(
            subject,
            request.colorspace,
            request.photos,
            request.size,
            request.weights,
            request.seed_name,
            request.suite_seed,
        )
    except (ImageInputError, SubjectError, FixedWeightsError):
        raise
    except recorded as error:
        return Raised.of(label, error), subject.has_weights
    rendering = render(
        label,
        request.colorspace,
        output.raw,
        output.layers,
        output.pre_activation,
        output.levels,
        output.input_shape,
        output.trace,
        output.inputs,
    )
    return rendering, output.has_weights
