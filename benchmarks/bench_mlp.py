"""Benchmark: training an MLP on the packaged digits with dlcourse.

Prints seconds per epoch and the test accuracy reached, for float64 (the
default) and float32. Not a test: run it with ``python benchmarks/bench_mlp.py``
(or ``make bench``). Results also go to benchmarks/results/bench_mlp.json.
"""

import json
import pathlib
import platform
import time

import numpy as np

from dlcourse import data, nn, optim


def run(dtype, epochs=30, batch_size=32, hidden=128):
    digits = data.load_digits()
    X_train, X_test, y_train, y_test = data.train_test_split(digits.X / 16.0, digits.y,
                                                             test_size=0.25, seed=0)
    model = nn.Sequential([nn.Linear(64, hidden, init="he_normal", rng=0), nn.ReLU(),
                           nn.Linear(hidden, hidden, init="he_normal", rng=1), nn.ReLU(),
                           nn.Linear(hidden, 10, rng=2)]).astype(dtype)
    model.compile(loss="softmax_crossentropy", optimizer=optim.Adam(lr=0.002),
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(X_train.astype(dtype), y_train, epochs=epochs, batch_size=batch_size, verbose=0,
              rng=0)
    seconds = time.perf_counter() - start
    accuracy = model.evaluate(X_test.astype(dtype), y_test)["accuracy"]
    return {"dtype": np.dtype(dtype).name, "epochs": epochs, "batch_size": batch_size,
            "train_rows": len(X_train), "seconds_per_epoch": seconds / epochs,
            "test_accuracy": accuracy}


def main():
    rows = [run(np.float64), run(np.float32)]
    print("MLP 64-128-128-10 (ReLU, Adam, batch 32) on the digits, 30 epochs\n")
    print("| dtype | s / epoch | test accuracy |\n|---|---|---|")
    for r in rows:
        print(f"| {r['dtype']} | {r['seconds_per_epoch']:.4f} | {r['test_accuracy']:.3f} |")
    out = pathlib.Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_mlp.json").write_text(json.dumps(
        {"machine": platform.platform(), "cores": __import__("os").cpu_count(), "rows": rows},
        indent=2))


if __name__ == "__main__":
    main()
