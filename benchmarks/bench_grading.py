"""Grading throughput: submissions per minute, serial (1 worker) and parallel (one per core).

Twelve submissions of 01-perceptron (the solution, the untouched release and the typical
mistakes of tests/grading_cases, repeated) are graded by ``dlcourse.course.autograde`` on a
temporary copy of the course, once with ``jobs=1`` and once with ``jobs=0`` (one worker per
core), each on a fresh gradebook. Prints a Markdown table and writes
benchmarks/results/bench_grading.json.
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


def run(jobs):
    base = Path(tempfile.mkdtemp(prefix="dlcourse-bench-"))
    try:
        root = make_course(base)
        start = time.perf_counter()
        grades = course.autograde(root, A, jobs=jobs)
        seconds = time.perf_counter() - start
        assert len(grades) == N and not any(g.error for g in grades)
        return seconds, course.last_batch.workers
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main():
    rows = []
    for label, jobs in (("serial", 1), ("parallel", 0)):
        seconds, workers = run(jobs)
        rows.append({"mode": label, "workers": workers, "submissions": N,
                     "seconds": round(seconds, 1), "per_minute": round(60 * N / seconds, 1)})
    print("| mode | workers | submissions | seconds | submissions per minute |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['mode']} | {r['workers']} | {r['submissions']} | {r['seconds']} | "
              f"{r['per_minute']} |")
    print(f"\nspeed-up: {rows[0]['seconds'] / rows[1]['seconds']:.2f}x on {os.cpu_count()} cores")
    out = HERE / "results" / "bench_grading.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"cpu_count": os.cpu_count(), "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
