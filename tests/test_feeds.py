"""Input kinds: every preprocessing, augmentation and resampling layer fed uint8 tensors and
NumPy arrays beside its float tensor, each random layer a batch of copies; the catalogue
keeps only those a release changed, each naming the release pair."""

from layerviz.catalogue import CONFIGS, atlas, feeds, preprocessing
from layerviz.catalogue.cases import Feed

# Each candidate's name is its source's and how it is fed (the longer suffixes first).
SUFFIXES = ("-numpy-float32", "-numpy-uint8", "-uint8", "-copies")


def source_name(name: str) -> str:
    return next(name.removesuffix(suffix) for suffix in SUFFIXES if name.endswith(suffix))


def test_each_candidate_is_its_float_configuration_fed_otherwise():
    sources = {config.name: config for config in (*preprocessing.CONFIGS, *atlas.CONFIGS)}
    names = [config.name for config in feeds.CANDIDATES]
    assert len(names) == len(set(names))
    for config in feeds.CANDIDATES:
        source = sources[source_name(config.name)]
        assert source.feed is Feed.FLOAT and source.copies == 1
        if config.copies > 1:
            assert source.random and config.feed is Feed.FLOAT and config.steps == source.steps
            continue
        assert config.feed is not Feed.FLOAT
        for step, original in zip(config.steps, source.steps, strict=True):
            # Levels take a value range of 0-255 where the float photo took [0, 1].
            expected = feeds.LEVELS if config.feed.levels and original.options.get("value_range") == (0, 1) else None
            assert step.options.get("value_range") == (expected or original.options.get("value_range"))
            assert {k: v for k, v in step.options.items() if k != "value_range"} == {
                k: v for k, v in original.options.items() if k != "value_range"
            }
    random = [c for c in preprocessing.CONFIGS if c.random]
    assert sum(c.copies > 1 for c in feeds.CANDIDATES) == len(random)


def test_the_catalogue_keeps_the_candidates_a_release_changed_each_naming_the_pair():
    kept = [config for config in CONFIGS if config.section == feeds.SECTION]
    assert [config.name for config in kept] == [c.name for c in feeds.CANDIDATES if c.name in feeds.KEPT]
    for name, why in feeds.KEPT.items():
        assert " -> " in why, (name, why)
