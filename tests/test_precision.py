"""Low precision: the candidates are every activation and every layer with a kernel of its
own in float16 and bfloat16, as a dtype and under a mixed policy; the catalogue keeps only
those a release changed, each naming the release pair, and LAYERVIZ_CANDIDATES=1 lists them all."""

import json
import os
import subprocess
import sys

from layerviz.catalogue import CONFIGS, atlas, precision
from layerviz.catalogue.conditions import BFLOAT16


def test_each_candidate_is_one_layer_in_half_precision_a_dtype_or_a_mixed_policy():
    names = [config.name for config in precision.CANDIDATES]
    assert len(names) == len(set(names))
    for config in precision.CANDIDATES:
        (step,) = config.steps
        assert step.options["dtype"] in precision.DTYPES and config.name.endswith(
            step.options["dtype"].replace("_", "-")
        )
        # bfloat16 keeps 8 significant bits, backends round it a level apart; float16 agrees.
        assert config.tolerance == (BFLOAT16 if "bfloat16" in config.name else None) and config.size == precision.SIZE
    activations = {c.steps[0].options.get("activation") for c in precision.CANDIDATES} - {None}
    assert activations >= set(atlas.ACTIVATIONS) | {"relu", "sigmoid", "tanh", "softplus"}
    assert len(precision.CANDIDATES) == len(precision.DTYPES) * (len(activations) + len(precision._KERNELS))


def test_the_catalogue_keeps_the_candidates_a_release_changed_each_naming_the_pair():
    kept = [config for config in CONFIGS if config.section == precision.SECTION]
    assert [config.name for config in kept] == [c.name for c in precision.CANDIDATES if c.name in precision.KEPT]
    assert set(precision.KEPT) <= {c.name for c in precision.CANDIDATES}
    for name, why in precision.KEPT.items():
        assert " -> " in why, (name, why)  # "<package> <release> -> <release>: what changed"


def test_every_candidate_is_listed_when_asked_for():
    code = "from layerviz.catalogue import CONFIGS; import json; print(json.dumps([c.id for c in CONFIGS]))"
    listed = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "LAYERVIZ_CANDIDATES": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    ids = set(json.loads(listed.stdout))
    assert {config.id for config in precision.CANDIDATES} <= ids
    assert {config.id for config in CONFIGS} <= ids
