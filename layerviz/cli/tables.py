"""Markdown tables generated from the catalogue, the known divergences, the pytest
options and the committed sweeps, for the documentation (`layerviz list --markdown`,
`--divergences`, `--options`, `--fixes`): nothing lists the cases, the divergences or the
options by hand, and no fix is said to show in a picture without a sweep that shows it."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence

from layerviz.catalogue import POST_SECTIONS, SECTION_NOTES, SECTION_TITLES
from layerviz.catalogue.cases import Case
from layerviz.core import divergences, versions
from layerviz.pages import findings


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
        if section in SECTION_NOTES:
            lines += [SECTION_NOTES[section], ""]
        lines += ["| configuration | layers | colour spaces | weights | input |", "| --- | --- | --- | --- | --- |"]
        for config in configs:
            modes = ", ".join(mode or "none" for mode in config.weight_modes)
            height, width = config.input_shape()
            pair = " (two photos)" if config.inputs > 1 else ""
            pair += f" ({config.copies} copies side by side)" if config.copies > 1 else ""
            lines.append(
                f"| `{config.id}` | {_cell(config.title)} | {', '.join(config.colorspaces)} | {modes} "
                f"| {height}x{width} {config.feed}{pair} |"
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


def fixes_markdown(fixes: str, evidence: Sequence[tuple[str, Mapping]]) -> str:
    """For each fix of a Keras fixes table (`fixes`: Markdown rows "| 3.5.0 | … |", the cases
    named in backticks in the last cell), whether the Keras sweeps in `evidence` (name,
    `layerviz sweep --evidence` result) show a case change exactly at the fix: on which
    backend, from what to what; or why none does."""
    keras_sweeps = [(name, found) for name, found in evidence if found.get("package", "keras") == "keras"]
    fixes = re.sub(r"<!-- generated:.*?<!-- end -->", "", fixes, flags=re.DOTALL)  # this table, once made
    lines = ["| fixed in | case | both sides, in the committed sweeps |", "| --- | --- | --- |"]
    shown = 0
    for row in fixes.splitlines():
        cells = row.split(" | ")
        configs = re.findall(r"`([a-z0-9-]+/[a-z0-9-]+)`", cells[-1])
        if not re.match(r"\| \d+(\.\d+)+$", cells[0]) or not configs:
            continue
        release = cells[0].removeprefix("| ")
        found = [said for config in configs for said in _both_sides(config, release, keras_sweeps)]
        shown += bool(found)
        why = "<br>".join(found) or f"not shown: {_not_shown(configs, release, keras_sweeps)}"
        lines.append(f"| {release} | {', '.join(f'`{c}`' for c in configs)} | {why} |")
    return f"{shown} of the {len(lines) - 2} fixes with a case show it on both sides.\n\n" + "\n".join(lines) + "\n"


def _runs(config: str, found: Mapping) -> list[list[list[str]]]:
    """The runs of releases of each of `config`'s checks that vary in a sweep's evidence."""
    return [row["runs"] for row in found["varying"] if findings.describe(row["check"])[0] == config]


def _both_sides(config: str, release: str, sweeps: Sequence[tuple[str, Mapping]]) -> list[str]:
    """Where sweeps show it: `config` renders one way until the release before `release`,
    and another from `release` on (skips and stacks that did not render aside), the
    backends that agree said together."""
    seen: dict[tuple[str, str, str], list[str]] = {}
    for name, found in sweeps:
        for runs in _runs(config, found):
            live = [run for run in runs if not run[2].startswith("failed")]
            edge = next((pair for pair in itertools.pairwise(live) if pair[1][0] == release), None)
            if edge is not None and "skipped" not in (edge[0][2], edge[1][2]):
                before, after = edge
                backends = seen.setdefault((_outcome(before[2]), before[1], _outcome(after[2])), [])
                where = found["backend"] if name == found["backend"] else f"{found['backend']} ({name})"
                if where not in backends:
                    backends.append(where)
    return [
        f"`{config}` on {', '.join(backends)}: {before} until {end}, {after} from {release}"
        for (before, end, after), backends in seen.items()
    ]


def _outcome(said: str) -> str:
    """A run's outcome in a few words: an exception by its type."""
    return said.split(":")[0] + " " + said.split(":")[1].strip() if said.startswith("raises:") else _cell(said)


def _not_shown(configs: Sequence[str], release: str, sweeps: Sequence[tuple[str, Mapping]]) -> str:
    covered = [found for _, found in sweeps if any(config in found["configurations"] for config in configs)]
    if not covered:
        return "no sweep has the case"
    runs = [runs for found in covered for config in configs for runs in _runs(config, found)]
    if any(run[2] == "skipped" for each in runs for run in each):
        return f"the case is skipped before {release}, which brought an option or layer it needs"
    changes = sorted({after[0] for each in runs for _, after in itertools.pairwise(each)}, key=versions.version)
    if changes:
        return f"the case changes at {', '.join(changes)}, not at {release}"
    return "the case renders the same on every swept release"
