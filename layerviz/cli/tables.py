"""Markdown tables generated from the catalogue, the known divergences and the pytest
options, for the documentation (`layerviz list --markdown`, `--divergences`, `--options`):
nothing lists the cases, the divergences or the options by hand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from layerviz.catalogue import POST_SECTIONS, SECTION_TITLES, atlas
from layerviz.catalogue.cases import Case
from layerviz.core import divergences


def _cell(text: object) -> str:
    # "<" would open an HTML tag ("<rootdir>"): escaped, as "|" and line breaks are.
    return str(text).replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def cases_markdown(cases: Sequence[Case]) -> str:
    """Every configuration of `cases`, a table per section: its layers, colour spaces,
    weight modes and input, with the section's reason for them."""
    lines = [
        "# The cases",
        "",
        "Generated from the catalogue by `layerviz list --markdown` (a test keeps this file up to date).",
        "The post's sections come first, then the edge cases and the atlas beyond the post.",
    ]
    sections = list(dict.fromkeys(case.section for case in cases))
    for section in sections:
        configs = {case.config.id: case.config for case in cases if case.section == section}.values()
        part = "the post" if section in POST_SECTIONS else "beyond the post"
        lines += ["", f"## {SECTION_TITLES[section]} (`{section}`, {part})", ""]
        if section in atlas.SECTION_NOTES:
            lines += [atlas.SECTION_NOTES[section], ""]
        lines += ["| configuration | layers | colour spaces | weights | input |", "| --- | --- | --- | --- | --- |"]
        for config in configs:
            modes = ", ".join(mode or "none" for mode in config.weight_modes)
            height, width = config.input_shape()
            kind = "uint8" if config.integer_input else "float32"
            pair = " (two photos)" if config.inputs > 1 else ""
            lines.append(
                f"| `{config.id}` | {_cell(config.title)} | {', '.join(config.colorspaces)} | {modes} "
                f"| {height}x{width} {kind}{pair} |"
            )
    return "\n".join(lines) + "\n"


def divergences_markdown(evidence: Sequence[tuple[str, Mapping]] = ()) -> str:
    """The known divergences, one row per finding (its configurations and backends
    together): cases, backends, the condition they hold under (of the numeric environment,
    or the backend's own releases), Keras range, what, upstream; with `evidence` (name,
    `layerviz sweep --evidence` result), also which sweeps cover it."""
    swept = " swept |" if evidence else ""
    lines = [
        "| cases | backend | condition | Keras (measured) | what | upstream |" + swept,
        "| --- | --- | --- | --- | --- | --- |" + (" --- |" if evidence else ""),
    ]
    configs: dict[tuple[str, str, str, str, str, str, str], list[str]] = {}
    conditions = {str(known.when): known.when for known in divergences.KNOWN if known.when}
    for known in divergences.KNOWN:
        when = str(known.when) if known.when else ""
        # A backend's releases read the same on every backend it names: "< 0.5.0", beside "jax".
        own = known.backend_versions.removeprefix(known.backend).strip()
        key = (known.keras_from, known.keras_before or "", known.what, known.upstream, when, own, known.backend)
        configs.setdefault(key, []).append(known.config)
    rows: dict[tuple[str, str, str, str, str, str, tuple[str, ...]], list[str]] = {}
    for (keras_from, keras_before, what, upstream, when, own, backend), names in configs.items():
        # The same configurations on several backends: one row.
        rows.setdefault((keras_from, keras_before, what, upstream, when, own, tuple(names)), []).append(backend)
    for (keras_from, keras_before, what, upstream, when, own, configured), backends in rows.items():
        versions = f"≥ {keras_from}, " + (f"< {keras_before}" if keras_before else "open")
        cases = "<br>".join(f"`{name}/*`" for name in configured)
        condition = "; ".join(part for part in (f"{'/'.join(backends)} {own}" if own else "", when) if part)
        row = (
            f"| {cases} | {', '.join(backends)} | {_cell(condition) or 'always'} | {versions} "
            f"| {_cell(what)} | {_cell(upstream)} |"
        )
        if evidence:
            covering = [
                name
                for name, found in evidence
                if found["backend"] in backends
                and set(configured) <= set(found["configurations"])
                and (not when or conditions[when].holds(found.get("numerics", {})))
            ]
            row += f" {', '.join(covering) or '—'} |"
        lines.append(row)
    return "\n".join(lines) + "\n"


def options_markdown() -> str:
    """Every pytest option of layerviz, and the regeneration flags it honours, as a table."""
    from layerviz.pytest_plugin import FLAGS, REGRESSIONS_FLAGS, SETTINGS

    lines = ["| command line | ini file | default | what it does |", "| --- | --- | --- | --- |"]
    for setting in SETTINGS.values():
        default = "" if setting.default is None else f"`{setting.default}`"
        option = f"`--layerviz-{setting.name}={setting.metavar}`"
        lines.append(f"| {option} | `{setting.ini}` | {default} | {_cell(setting.help)} |")
    for name, text in {**FLAGS, **REGRESSIONS_FLAGS}.items():
        option = f"`--{name}`" if name in REGRESSIONS_FLAGS else f"`--layerviz-{name}`"
        lines.append(f"| {option} | | | {_cell(text)} |")
    return "\n".join(lines) + "\n"
