"""The sections beyond the post: each has a title and a note saying why its cases are
checked as they are, and the cases keep to what the note says."""

from layerviz.catalogue import SECTION_NOTES, SECTION_TITLES, sections

from atlas_layers import ATLAS


def test_every_atlas_section_has_a_title_and_says_why_it_is_checked_as_it_is():
    assert set(sections.TITLES) == set(sections.NOTES) == {c.section for c in ATLAS}
    for config in ATLAS:
        assert config.input_size() <= 128, config.id
        # RGB only, unless colour makes a difference the section note gives.
        assert config.colorspaces == ("rgb",) or "all four colour spaces" in sections.NOTES[config.section]
        assert config.random == any(
            step.layer.startswith("Random") or step.layer == "Solarization" for step in config.steps
        )
    assert set(SECTION_TITLES) >= set(sections.TITLES) and SECTION_NOTES == sections.NOTES


def test_the_atlas_pages_table_counts_each_sections_cases():
    """docs/atlas.md's table of sections: a row for each, with the catalogue's count of cases."""
    import re
    from pathlib import Path

    from layerviz.catalogue import CASES

    page = (Path(__file__).resolve().parents[1] / "docs" / "atlas.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (\d+) \|", page, flags=re.M))
    assert {name: int(count) for name, count in rows.items()} == {
        section: sum(case.section == section for case in CASES) for section in sections.TITLES
    }
