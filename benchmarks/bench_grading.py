"""Grading throughput: submissions per minute, serial (1 worker) and parallel (one per core).

Twelve submissions of 01-perceptron (the solution, the untouched release and the typical
mistakes of tests/grading_cases, repeated) are graded by ``dlcourse.course.autograde`` on a
temporary copy of the course, once with ``jobs=1`` and once with ``jobs=0`` (one worker per
core), each on a fresh gradebook, with each kernel isolation this machine has: bubblewrap
(when ``bwrap`` works) and plain (``DLCOURSE_ISOLATION=plain``). ``BENCH_ISOLATION=plain`` or
``=bwrap`` measures one only; ``BENCH_MODES=parallel`` skips the serial runs. Prints a Markdown
table and writes benchmarks/results/bench_grading.json.
"""

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))

from grading_cases import all_mistakes  # noqa: E402
from test_grading import fill_in, read_nb, write_nb  # noqa: E402

from dlcourse import course  # noqa: E402

A = "01-perceptron"
N = int(os.environ.get("BENCH_SUBMISSIONS", "12"))


def make_course(base):
    root = base / "course"
    root.mkdir(parents=True)
    shutil.copy2(REPO / course.CONFIG_FILE, root / course.CONFIG_FILE)
    for folder in ("solutions", "exercises"):
        shutil.copytree(REPO / folder / A, root / folder / A)
    course.release(root, A)
    rel = read_nb(root / "exercises" / A / f"{A}.ipynb")
    sol = read_nb(root / "solutions" / A / f"{A}.ipynb")
    answers = [{}] + [m.answers for m in all_mistakes() if m.assignment == A]
    for i in range(N):
        write_nb(fill_in(rel, sol, answers[i % len(answers)]),
                 root / "submitted" / f"s{i:02d}" / A / f"{A}.ipynb")
    return root


def run(jobs, isolation):
    base = Path(tempfile.mkdtemp(prefix="dlcourse-bench-"))
    os.environ["DLCOURSE_ISOLATION"] = isolation
    try:
        root = make_course(base)
        start = time.perf_counter()
        grades = course.autograde(root, A, jobs=jobs)
        seconds = time.perf_counter() - start
        assert len(grades) == N and not any(g.error for g in grades)
        assert course.last_batch.isolation.startswith(
            "bubblewrap" if isolation == "bwrap" else "plain"), course.last_batch.isolation
        return seconds, course.last_batch.workers
    finally:
        os.environ.pop("DLCOURSE_ISOLATION", None)
        shutil.rmtree(base, ignore_errors=True)


def isolations():
    from dlcourse.grading.sandbox import bwrap

    asked = os.environ.get("BENCH_ISOLATION")
    if asked:
        return [asked]
    plan, _line = bwrap.decide("auto", sys.executable, [], None, [], str(REPO / "dlcourse"))
    return ["bwrap", "plain"] if plan else ["plain"]


def main():
    rows = []
    modes = [(label, jobs) for label, jobs in (("serial", 1), ("parallel", 0))
             if label in os.environ.get("BENCH_MODES", "serial,parallel")]
    for label, jobs in modes:
        for isolation in isolations():
            seconds, workers = run(jobs, isolation)
            rows.append({"mode": label, "isolation": isolation, "workers": workers,
                         "submissions": N, "seconds": round(seconds, 1),
                         "per_minute": round(60 * N / seconds, 1)})
    print("| mode | isolation | workers | submissions | seconds | submissions per minute |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['mode']} | {r['isolation']} | {r['workers']} | {r['submissions']} | "
              f"{r['seconds']} | {r['per_minute']} |")
    for label, _jobs in modes:
        by = {r["isolation"]: r["seconds"] for r in rows if r["mode"] == label}
        if len(by) == 2:
            print(f"\n{label}: bubblewrap takes {100 * (by['bwrap'] / by['plain'] - 1):+.1f} % "
                  "time compared with plain")
    out = HERE / "results" / "bench_grading.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"cpu_count": os.cpu_count(), "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
