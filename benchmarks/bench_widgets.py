"""How fast the explorers answer: time from a control's new value to the redrawn image.

Outside a kernel, ipywidgets runs ``observe`` callbacks synchronously, so
``ctrl.value = v`` returns only once the explorer has recomputed its state and
encoded the new PNG. That interval is what a reader waits for (plus the
round trip to the browser, which we do not measure here).

Each explorer is registered in ``EXPLORERS`` as

    (name, factory, [(control name, [values to cycle through]), ...])

``factory()`` builds the explorer; every listed control is set to each of its
values in turn, ``rounds`` times over, one timing per change. The first round
counts too: it holds each value's first visit (a Dropdown choice never seen
before, a cache still empty), which is what a reader meets first; its slowest
change is reported on its own ("first visit max"). Module-level caches live
for the whole run, so an explorer listed twice meets its first visits in its
first entry. To add an explorer, append an entry.

Run:  .venv/bin/python benchmarks/bench_widgets.py [--rounds N] [--only NAME ...]
Prints a Markdown table (wall-clock and CPU milliseconds, and the machine's load average,
since a busy machine inflates wall-clock times) and writes JSON to
benchmarks/results/widgets.json.
Target: median <= 50 ms for every control.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

TARGET_MS = 50.0
RESULTS = Path(__file__).resolve().parent / "results"


def _perceptron():
    from dlcourse.widgets import perceptron_explorer
    return perceptron_explorer()


def _space_warp_slides():
    from dlcourse.widgets import space_warp_explorer
    return space_warp_explorer("slides")


def _space_warp_trained():
    from dlcourse.widgets import space_warp_explorer
    return space_warp_explorer("trained")


def _activations():
    from dlcourse.widgets import activation_explorer
    return activation_explorer()


def _gradient_descent():
    from dlcourse.widgets import gradient_descent_explorer
    return gradient_descent_explorer()


def _optimizer_race():
    from dlcourse.widgets import optimizer_race_explorer
    return optimizer_race_explorer()


def _optimizer_race_all_steps():
    # the worst case: every control change that restarts the runs must redo all 200 steps
    from dlcourse.widgets import optimizer_race_explorer
    return optimizer_race_explorer(steps=200)


def _log_values(low, high, n):
    return [float(v) for v in np.round(np.logspace(np.log10(low), np.log10(high), n), 6)]


# (explorer name, factory, [(control, values to cycle)])
EXPLORERS = [
    ("perceptron", _perceptron, [
        ("w1", [-2.0, -1.0, 0.0, 1.0, 2.0, 0.5]),
        ("w2", [-2.0, -1.0, 0.0, 1.0, 2.0, 0.5]),
        ("b", [-3.0, -1.5, -1.0, 0.0, 1.0, 2.5]),
        ("gate", ["AND", "OR", "NAND", "XOR"]),
    ]),
    ("space_warp (slides)", _space_warp_slides, [
        ("t", [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        ("steepness", [1.0, 2.0, 3.0, 5.0, 10.0, 20.0]),
    ]),
    ("space_warp (trained)", _space_warp_trained, [
        ("t", [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    ]),
    ("activations", _activations, [
        ("name", ["step", "sigmoid", "tanh", "relu", "identity"]),
        ("x", [-4.0, -2.0, -0.5, 0.0, 0.5, 2.0, 4.0]),
        ("k", [1, 2, 5, 10, 20, 30]),
    ]),
    ("gradient_descent", _gradient_descent, [
        ("lr", _log_values(1e-4, 0.05, 12)),
        ("steps", [0, 1, 2, 5, 10, 30, 100, 300, 1000, 3000]),
    ]),
    ("optimizer_race", _optimizer_race, [
        ("lr", _log_values(1e-3, 0.5, 10)),
        ("steps", [0, 5, 10, 25, 50, 100, 150, 200]),
        ("surface", ["bowl", "rosenbrock", "saddle", "wells"]),
        ("x0", [-6.0, -3.0, 0.0, 3.0, 6.0]),
        ("y0", [-3.0, -1.0, 0.5, 2.0, 3.0]),
    ]),
    ("optimizer_race (200 steps shown)", _optimizer_race_all_steps, [
        ("lr", _log_values(1e-3, 0.5, 10)),
        ("surface", ["bowl", "rosenbrock", "saddle", "wells"]),
        ("x0", [-6.0, -3.0, 0.0, 3.0, 6.0]),
    ]),
]



# Explorers 6-10. The training runs themselves (Train buttons) are not timed: they are
# explicit runs, in chunks; the playground and overfitting factories train a little first so
# that curves are on screen.
def _playground():
    from dlcourse.widgets import playground
    explorer = playground("moons")
    explorer.train_chunk(20)
    return explorer


def _initialization():
    from dlcourse.widgets import init_explorer
    return init_explorer()


def _overfitting():
    from dlcourse.widgets import overfitting_explorer
    explorer = overfitting_explorer()
    explorer.train_chunk(200)
    return explorer


def _convolution():
    from dlcourse.widgets import convolution_explorer
    return convolution_explorer()


def _backprop():
    from dlcourse.widgets import backprop_explorer
    return backprop_explorer()


EXPLORERS += [
    ("playground", _playground, [
        ("dataset", ["circles", "spirals", "xor", "moons"]),
        ("layers", [1, 2, 3, 4]),
        ("width", [2, 4, 8, 16, 32]),
        ("activation", ["tanh", "sigmoid", "relu"]),
        ("lr", _log_values(1e-3, 0.3, 6)),
        ("l2", [0.0, 1e-4, 1e-3, 1e-2, 0.1]),
        ("dropout", [0.0, 0.1, 0.2, 0.3, 0.5]),
    ]),
    ("initialization", _initialization, [
        ("depth", [1, 2, 3, 5, 7, 10]),
        ("activation", ["sigmoid", "tanh", "relu"]),
        ("init", ["normal(0, 1)", "normal(0, 0.01)", "lecun_uniform", "lecun_normal",
                  "glorot_uniform", "glorot_normal", "he_uniform", "he_normal"]),
    ]),
    ("overfitting", _overfitting, [
        ("width", [1, 4, 16, 64, 128]),
        ("n_train", [8, 12, 24, 48, 100]),
        ("l2", [0.0, 1e-4, 1e-3, 1e-2, 0.1]),
        ("dropout", [0.0, 0.1, 0.2, 0.3, 0.5]),
    ]),
    ("convolution", _convolution, [
        ("index", [0, 1, 2, 3, 10, 100, 1000]),
        ("preset", ["horizontal edge", "blur (box)", "sharpen", "identity", "vertical edge"]),
        ("k11", [0.0, 1.0, -1.0, 2.5, 0.5]),
        ("padding", [0, 1, 2]),
        ("padding_mode", ["zeros", "replicate"]),
        ("stride", [1, 2]),
        ("pooling", ["max", "average", "none"]),
    ]),
    ("backprop", _backprop, [
        ("step", list(range(15))),
        ("lr", [0.1, 0.25, 0.5, 1.0, 2.0]),
    ]),
]

def time_control(explorer, name, values, rounds):
    """Milliseconds from ``ctrl.value = v`` to the redrawn image, first visits included.

    Returns (wall, cpu, first): wall-clock times, the CPU time this process
    spent in the same intervals (close to the wall time on an idle machine; on
    a shared one the wall time also counts waiting for a core), and the
    wall-clock times of the first round alone (each value's first visit).
    """
    ctrl = explorer.controls[name]
    start_value = ctrl.value
    times, cpu, first = [], [], []
    for r in range(rounds):
        for v in values:
            if ctrl.value == v:
                continue  # no change, no callback
            c0, t0 = time.process_time(), time.perf_counter()
            ctrl.value = v
            elapsed = 1000.0 * (time.perf_counter() - t0)
            times.append(elapsed)
            cpu.append(1000.0 * (time.process_time() - c0))
            if r == 0:
                first.append(elapsed)
    ctrl.value = start_value
    return times, cpu, first


def run(rounds=5, only=None):
    rows = []
    for explorer_name, factory, controls in EXPLORERS:
        if only and explorer_name.split(" ")[0] not in only and explorer_name not in only:
            continue
        t0 = time.perf_counter()
        explorer = factory()
        build_ms = 1000.0 * (time.perf_counter() - t0)
        for control, values in controls:
            times, cpu, first = time_control(explorer, control, values, rounds)
            rows.append({
                "explorer": explorer_name, "control": control, "n": len(times),
                "median_ms": statistics.median(times),
                "first_visit_max_ms": max(first),
                "p90_ms": float(np.percentile(times, 90)),
                "max_ms": max(times), "cpu_median_ms": statistics.median(cpu),
                "build_ms": build_ms,
            })
    return rows


def markdown(rows):
    lines = ["| explorer | control | median ms | p90 ms | max ms | first visit max ms "
             "| CPU median ms | n | <= 50 ms |",
             "|---|---|---:|---:|---:|---:|---:|---:|:---:|"]
    for r in rows:
        ok = "yes" if r["median_ms"] <= TARGET_MS else "NO"
        lines.append(f"| {r['explorer']} | {r['control']} | {r['median_ms']:.1f} | "
                     f"{r['p90_ms']:.1f} | {r['max_ms']:.1f} | {r['first_visit_max_ms']:.1f} | "
                     f"{r['cpu_median_ms']:.1f} | "
                     f"{r['n']} | {ok} |")
    return "\n".join(lines)


def _load():
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):  # not on every platform
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per control (default 5)")
    parser.add_argument("--only", nargs="*", help="explorer names to run (default: all)")
    args = parser.parse_args(argv)
    load_before = _load()
    rows = run(args.rounds, args.only)
    load_after = _load()
    print(markdown(rows))
    print(f"\nload average (1 min) before / after: {load_before} / {load_after} "
          f"on {os.cpu_count()} CPUs")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "widgets.json"
    out.write_text(json.dumps({
        "what": "ms from ctrl.value = v to the redrawn explorer image (in process, no browser)",
        "target_median_ms": TARGET_MS,
        "python": sys.version.split()[0], "machine": platform.machine(),
        "processor": platform.processor(), "cpus": os.cpu_count(),
        "load_average_before_after": [load_before, load_after], "rows": rows,
    }, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 0 if all(r["median_ms"] <= TARGET_MS for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
