"""How fast is layerviz on this machine? One run measures, on the same machine:

- `import keras` (in fresh interpreters; the yardstick every other figure is divided by,
  since absolute times are noisy on shared machines). The in-process figures are divided by
  the median of three imports timed first; each command run as a user runs it, by an
  import timed right after that run, since the machine's speed drifts within a bench run;
- rendering every visual check (per-check median and p95, total);
- comparing every check with its baseline;
- the naive alternative, a `keras.Model` per case and `predict`, on a few cases;
- the whole `pytest` run (on every core, as configured, and in one process), the visual
  checks alone (`pytest tests/test_visual.py`), the slow tests (`pytest -m slow`) and
  `layerviz gallery`, as a user runs them (the two with a target: the median of 5 pairs);
- the floor under the two with a target: each command with every test deselected, so that
  it starts, imports Keras in its workers and collects, and runs nothing (5 pairs each);
  and Keras alone on the naive cases, the layers made and called with nothing of layerviz's;
- peak resident memory.

Run: `python benchmarks/bench.py [--json FILE] [--quick] [--before REV] [--tricks]` from
the repository root. `--before REV` also times an earlier commit, checked out beside, in the
same run (its per-check median and its whole `pytest`): a before / after on the same machine
and load. `--tricks` times the whole `pytest` and the visual checks with each of conftest.py's
speed tricks turned off in turn, each run paired with one that has them all: what each earns.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The naive alternative is slow: a handful of representative cases is enough.
NAIVE_CASES = (
    "merging/add/rgb",
    "pooling/max/hsv",
    "dense/relu/luminance",
    "conv2d/k3-relu/rgb",
    "conv2d-two/k3-tanh-tanh/ycbcr",
    "conv2d-transpose/k4-s2-tanh/rgb",
)


# Matches no test: the floor commands start, collect and deselect everything.
NO_TEST = ["-k", "layerviz_bench_floor_matches_no_test"]
NO_TESTS_RAN = 5  # pytest's exit code when no test ran


def run_timed(command: list[str], returncode: int = 0, **kwargs) -> float:
    """The command's seconds; it must exit with `returncode` (a floor command: no test ran)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, cwd=ROOT, **kwargs)
    if done.returncode != returncode:
        raise subprocess.CalledProcessError(done.returncode, command, done.stdout, done.stderr)
    return time.perf_counter() - start


def paired_run(command: list[str], repeats: int = 1, returncode: int = 0) -> tuple[float, float]:
    """The command's seconds and its ratio to `import keras`, each the median of `repeats`
    runs. Each run's ratio is to an import timed right after it: on a shared machine
    `import keras` took from 2.5 s to 3.6 s within minutes, and with a yardstick timed
    minutes before, the same commit's visual checks were 2.54x in one run and 4.02x in the
    next."""
    runs = []
    for _ in range(repeats):
        seconds = run_timed(command, returncode)
        runs.append((seconds, seconds / import_keras_once()))
    return statistics.median(s for s, _ in runs), statistics.median(r for _, r in runs)


def before(revision: str, quick: bool) -> dict[str, float]:
    """An earlier commit, from a checkout of it, with this interpreter: its own benchmark's
    per-check median and, unless `quick`, its whole `pytest`.

    Earlier commits named the plugin in their conftest.py: the installed entry point is
    blocked so that it is not loaded twice (it is the checkout's module either way)."""
    with tempfile.TemporaryDirectory() as folder:
        checkout = Path(folder) / "layerviz"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(checkout)], check=True)
        subprocess.run(["git", "-C", str(checkout), "checkout", "-q", revision], check=True)
        # The checkout's layerviz (not the installed one), timed by this file's render_all.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(checkout), str(Path(__file__).parent)])}
        code = "import bench, statistics; print(statistics.median(bench.render_all()[0]))"
        median = subprocess.run(
            [sys.executable, "-c", code], cwd=checkout, env=env, check=True, capture_output=True, text=True
        )
        figures = {"render_median_before": float(median.stdout.split()[-1])}
        if not quick:
            named = "layerviz.pytest_plugin" in (checkout / "conftest.py").read_text()
            block = ["-p", "no:layerviz"] if named else []
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *block],
                cwd=checkout,
                env=env,
                capture_output=True,
            )
            figures["pytest_before_total"] = time.perf_counter() - start
        return figures


# conftest.py's speed tricks, each turned off by naming it in LAYERVIZ_BENCH_WITHOUT.
TRICKS = ("gc", "hypothesis-hook", "hypothesis-summary")


def tricks(repeats: int) -> dict[str, dict[str, dict[str, float]]]:
    """Per command (the whole `pytest`, the visual checks) and trick, what turning the trick
    off costs: each round runs the suite with every trick and without that one back to back,
    in alternating order, so that the machine's drift falls on both alike; the figure is the
    median of the rounds' differences (positive: the trick saves that much), beside the
    median times and how many rounds the trick won."""
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    commands = {"pytest": pytest, "visual": [*pytest, "tests/test_visual.py"]}
    timed: dict[str, dict[str, dict[str, float]]] = {name: {} for name in commands}
    for name, command in commands.items():
        for trick in TRICKS:
            pairs = []
            for round_ in range(repeats):
                order = ("", trick) if round_ % 2 == 0 else (trick, "")
                seconds = {w: run_timed(command, env={**os.environ, "LAYERVIZ_BENCH_WITHOUT": w}) for w in order}
                pairs.append((seconds[""], seconds[trick]))
            gains = [without - with_all for with_all, without in pairs]
            timed[name][trick] = {
                "with_all": statistics.median(a for a, _ in pairs),
                "without": statistics.median(w for _, w in pairs),
                "gain": statistics.median(gains),
                "won": sum(gain > 0 for gain in gains),
                "rounds": repeats,
            }
    return timed


def import_keras_once() -> float:
    code = "import time; t = time.perf_counter(); import keras; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def import_keras_seconds(repeats: int = 3) -> float:
    return statistics.median(import_keras_once() for _ in range(repeats))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def render_all() -> tuple[list[float], list[tuple[object, str, object]]]:
    """Render every visual check of the catalogue importable here: the seconds each took,
    and (check, weight mode, rendering). It uses only what every commit since the public
    fixture has, so that `--before` runs it on an earlier checkout's catalogue too."""
    from layerviz.catalogue import CHECKS

    try:  # one Request in, an outcome out, since the subpackages
        from layerviz.pipeline.outcomes import Request
        from layerviz.pipeline.outcomes import outcome as render

        def outcome(case: object, mode: str = "keras") -> object:
            return render(Request.of_case(case, weights=mode))[0]

    except ImportError:  # an earlier checkout: its subject module at the top
        from layerviz import subject  # type: ignore[attr-defined]

        def outcome(case: object, mode: str = "keras") -> object:
            return subject.outcome(subject.of(case), case.id, case.colorspace, weights=mode, seed_name=case.id)[0]

    outcome(CHECKS[0].case)  # the first eager call pays one-off start-up costs
    times, renderings = [], []
    for check in CHECKS:
        start = time.perf_counter()
        mode = check.weights or "keras"
        rendering = outcome(check.case, mode)
        renderings.append((check, mode, rendering))
        times.append(time.perf_counter() - start)
    return times, renderings


def in_process() -> dict[str, float]:
    """Render and compare every check, and time the naive alternative, in this process."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from layerviz.catalogue import get_case
    from layerviz.judge.compare import compare
    from layerviz.pipeline.subject import of
    from layerviz.store import baselines

    sys.path.insert(0, str(ROOT / "tests"))  # the tests' own look inside a case
    from cases_run import build_model, case_inputs, trace_case

    backend = keras.backend.backend()
    render_times, renderings = render_all()
    compare_times = []
    for check, mode, rendering in renderings:
        start = time.perf_counter()
        folder = ROOT / "baselines" / baselines.set_name(check.case.config.per_backend, mode, backend)
        if baselines.stats_path(baselines.png_path(folder, check.case.id)).is_file():
            baseline = baselines.load(baselines.png_path(folder, check.case.id), check.case.id)
            compare(baseline, rendering)
        compare_times.append(time.perf_counter() - start)
    direct, naive, alone = [], [], []
    for case_id in NAIVE_CASES:
        case = get_case(case_id)
        start = time.perf_counter()
        trace_case(case)
        direct.append(time.perf_counter() - start)
        # Keras alone: the case's layers made (unseeded) and called once, nothing else.
        tensors = [keras.ops.convert_to_tensor(x[None]) for x in case_inputs(case)]
        start = time.perf_counter()
        value = tensors if len(tensors) > 1 else tensors[0]
        for layer in of(case).make(tuple(tensors[0].shape[1:])):
            value = layer(value)
        keras.ops.convert_to_numpy(value)
        alone.append(time.perf_counter() - start)
        start = time.perf_counter()
        inputs = [x[None] for x in case_inputs(case)]
        build_model(case).predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        naive.append(time.perf_counter() - start)
    return {
        "checks": len(render_times),
        "render_total": sum(render_times),
        "render_median": statistics.median(render_times),
        "render_p95": percentile(render_times, 0.95),
        "compare_total": sum(compare_times),
        "naive_per_case": statistics.median(naive),
        "direct_per_case": statistics.median(direct),
        "keras_alone_per_case": statistics.median(alone),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _target(targets: dict[str, float], key: str) -> str:
    return f"target <= {targets[key]:g}x"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    parser.add_argument("--quick", action="store_true", help="skip the whole pytest run")
    parser.add_argument("--before", metavar="REV", help="also time this earlier commit (per check; its whole pytest)")
    parser.add_argument("--tricks", action="store_true", help="only time conftest.py's tricks, each turned off")
    parser.add_argument("--repeats", type=int, default=5, help="with --tricks: rounds per trick and command")
    args = parser.parse_args()
    if args.tricks:
        return _report_tricks(args.json, args.repeats)

    yardstick = import_keras_seconds()
    figures = in_process()
    if args.before:
        figures |= before(args.before, args.quick)
    # Each command's ratio to `import keras` timed beside it (see paired_run).
    paired: dict[str, float] = {}
    commands: dict[str, tuple[list[str], int, int]] = {}  # command, repeats, its exit code
    if not args.quick:
        # As the README runs it (its header and summary included), without the cache folder;
        # the two with a target: the median of 5 pairs, as issue 28 asks.
        pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
        commands["pytest_total"] = (pytest, 5, 0)
        commands["pytest_serial_total"] = ([*pytest, "-n", "0"], 1, 0)
        commands["visual_total"] = ([*pytest, "tests/test_visual.py"], 5, 0)
        commands["pytest_floor_total"] = ([*pytest, *NO_TEST], 5, NO_TESTS_RAN)
        commands["visual_floor_total"] = ([*pytest, "tests/test_visual.py", *NO_TEST], 5, NO_TESTS_RAN)
        commands["slow_total"] = ([*pytest, "-m", "slow"], 1, 0)
    with tempfile.TemporaryDirectory() as out:
        commands["gallery_total"] = ([sys.executable, "-m", "layerviz", "gallery", "--out", out], 1, 0)
        for key, (command, repeats, returncode) in commands.items():
            figures[key], paired[key] = paired_run(command, repeats, returncode)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures["peak_rss_mb"] = max(figures["peak_rss_mb"], children)

    targets = {  # as multiples of `import keras`, or absolute where stated
        "render_and_compare": 1.0,
        "pytest_total": 3.0,
        "visual_total": 1.25,
    }
    rows = [
        ("", "import keras (yardstick)", yardstick, ""),
        ("", f"render all {figures['checks']} checks", figures["render_total"], ""),
        ("", "  per check, median", figures["render_median"], "target <= 10 ms"),
        *(
            [("", f"  per check, median at {args.before}", figures["render_median_before"], "(before)")]
            if args.before
            else []
        ),
        ("", "  per check, p95", figures["render_p95"], ""),
        ("", "compare all checks with baselines", figures["compare_total"], ""),
        (
            "",
            "render + compare",
            figures["render_total"] + figures["compare_total"],
            _target(targets, "render_and_compare"),
        ),
        ("", "naive Model+predict, per case", figures["naive_per_case"], ""),
        ("", "direct layer calls, same cases", figures["direct_per_case"], ""),
        ("", "  Keras alone: made and called", figures["keras_alone_per_case"], ""),
        ("gallery_total", "layerviz gallery (whole command)", figures["gallery_total"], ""),
    ]
    if not args.quick:
        rows += [
            (
                "pytest_total",
                "pytest (whole suite, every core)",
                figures["pytest_total"],
                _target(targets, "pytest_total"),
            ),
            ("pytest_floor_total", "  floor: the same, no test run", figures["pytest_floor_total"], ""),
            ("pytest_serial_total", "pytest -n 0 (one process)", figures["pytest_serial_total"], ""),
            ("visual_total", "pytest tests/test_visual.py", figures["visual_total"], _target(targets, "visual_total")),
            ("visual_floor_total", "  floor: the same, no check run", figures["visual_floor_total"], ""),
            ("slow_total", "pytest -m slow", figures["slow_total"], ""),
        ]
        if args.before:
            ratio = figures["pytest_total"] / figures["pytest_before_total"]
            rows.append(
                ("", f"pytest at {args.before} (before)", figures["pytest_before_total"], f"now {ratio:.2f}x it")
            )
    print(f"{'measure':40} {'seconds':>10} {'x import':>9}  note")
    for key, name, seconds, note in rows:
        shown = f"{seconds * 1000:8.1f}ms" if seconds < 1 else f"{seconds:9.2f}s"
        print(f"{name:40} {shown:>10} {paired.get(key, seconds / yardstick):9.2f}  {note}")
    speedup = figures["naive_per_case"] / figures["direct_per_case"]
    print(f"{'naive / direct':40} {speedup:9.1f}x")
    print(f"{'peak RSS':40} {figures['peak_rss_mb']:8.0f}MB            target <= 1536 MB")

    result = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "import_keras": yardstick,
        "figures": figures,
        "ratios_to_import_keras": {
            key: paired.get(key, value / yardstick) for key, value in figures.items() if key.endswith("total")
        },
        "naive_speedup": speedup,
        "targets": targets,
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {args.json}")
    return 0


def _report_tricks(path: Path, repeats: int) -> int:
    timed = tricks(repeats)
    print(f"{'command':8} {'trick':20} {'with all':>9} {'without':>9} {'gain':>7}  won")
    for name, by in timed.items():
        for trick, row in by.items():
            print(
                f"{name:8} {trick:20} {row['with_all']:8.2f}s {row['without']:8.2f}s {row['gain']:+6.2f}s"
                f"  {row['won']}/{row['rounds']}"
            )
    machine = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}
    yardstick = import_keras_seconds()
    path.write_text(json.dumps({"machine": machine, "import_keras": yardstick, "tricks": timed}, indent=2) + "\n")
    print(f"written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
