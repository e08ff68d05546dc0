"""How fast is dlcourse's convolution? Loops against im2col against PyTorch (CPU).

    python benchmarks/bench_conv.py            # full run, about a minute
    python benchmarks/bench_conv.py --quick    # fewer repeats, for a smoke test

One forward and one backward pass of a 3x3 convolution, batch 64, 1 -> 16
channels, 28x28 images, padding 1, stride 1, float32, for each implementation
on the same arrays. The timings are interleaved round by round and the median
is kept, so the ratios come from one run under the same machine load. The
loops are timed on a batch of 4 and scaled to 64 (they work one example at a
time, so their time grows linearly with the batch); the output says so.
PyTorch is optional (``pip install dlcourse[bench]``, CPU build); without it
its row is left out. Also timed: one epoch of LeNet-5 (the 8x8 version) on
the package's digits.

Prints a Markdown table and writes benchmarks/results/bench_conv.json.
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

from dlcourse import conv, data, optim

try:
    import torch
except ImportError:
    torch = None

BATCH, C_IN, C_OUT, SIZE, K, PADDING = 64, 1, 16, 28, 3, 1
LOOP_BATCH = 4
TARGET_VS_LOOPS, TARGET_VS_TORCH = 50.0, 3.0
RESULTS = Path(__file__).resolve().parent / "results"
TORCH_THREADS = None if torch is None else torch.get_num_threads()


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def numpy_step(layer, x, dout):
    """Forward and backward through a dlcourse Conv2d."""
    def step():
        layer.forward(x)
        layer.backward(dout)
    return step


def torch_step(x, W, b, dout, threads):
    """The same in PyTorch: conv2d forward, then backward for dL/dx, dL/dW, dL/db."""
    tx = torch.tensor(x, requires_grad=True)
    tW = torch.tensor(W, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    tdout = torch.tensor(dout)

    def step():
        torch.set_num_threads(threads)
        tx.grad = tW.grad = tb.grad = None
        y = torch.nn.functional.conv2d(tx, tW, tb, stride=1, padding=PADDING)
        y.backward(tdout)
    return step


def bench_convolution(rounds):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, C_IN, SIZE, SIZE)).astype(np.float32)
    dout = rng.standard_normal((BATCH, C_OUT, SIZE, SIZE)).astype(np.float32)
    fast = conv.Conv2d(C_IN, C_OUT, K, padding=PADDING, rng=0, dtype=np.float32)
    fast.params["b"][:] = rng.standard_normal(C_OUT)
    slow = conv.Conv2d(C_IN, C_OUT, K, padding=PADDING, impl="loops", dtype=np.float32)
    slow.params = {name: p.copy() for name, p in fast.params.items()}

    steps = {
        "im2col": (numpy_step(fast, x, dout), 1.0),
        "loops": (numpy_step(slow, x[:LOOP_BATCH], dout[:LOOP_BATCH]), BATCH / LOOP_BATCH),
    }
    if torch is not None:
        # PyTorch with all its threads, and with one (which can win on a busy machine);
        # the ratio is taken against the faster of the two.
        for threads in sorted({TORCH_THREADS, 1}, reverse=True):
            steps[f"torch, {threads} thread{'s' * (threads > 1)}"] = (
                torch_step(x, fast.params["W"], fast.params["b"], dout, threads), 1.0)
    check_same_answer(fast, slow, x, dout)

    times = {name: [] for name in steps}
    for step, _ in steps.values():   # warm up (first calls allocate, torch builds kernels)
        step()
    for r in range(rounds):
        for name, (step, scale) in steps.items():
            if name == "loops" and r % 10:  # the loops take ~1 s: time them every tenth round
                continue
            inner = 1 if name == "loops" else 5
            times[name].append(min(seconds(step) for _ in range(inner)) * scale)
    if torch is not None:
        torch.set_num_threads(TORCH_THREADS)
    return {name: statistics.median(t) for name, t in times.items()}


def check_same_answer(fast, slow, x, dout):
    """Time nothing that is wrong: the loops and im2col must agree on this input."""
    n = LOOP_BATCH
    np.testing.assert_allclose(slow.forward(x[:n]), fast.forward(x[:n]), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(slow.backward(dout[:n]), fast.backward(dout[:n]),
                               rtol=1e-4, atol=1e-4)


def bench_lenet(epochs):
    """Seconds per epoch of LeNet-5 (8x8 version, float32, Adam, batch 32) on the digits."""
    digits = data.load_digits()
    X_train, _, y_train, _ = data.train_test_split(digits.X, digits.y, test_size=0.2)
    X_train = (X_train / 16).reshape(-1, 1, 8, 8)
    model = conv.lenet5(8, rng=0, dtype=np.float32)
    model.compile(loss="softmax_crossentropy", optimizer=optim.Adam(lr=0.002))
    per_epoch = [seconds(lambda: model.fit(X_train, y_train, epochs=1, batch_size=32, verbose=0))
                 for _ in range(epochs)]
    return statistics.median(per_epoch), len(X_train)


def environment():
    env = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": None if torch is None else torch.__version__,
        "torch_threads_default": TORCH_THREADS,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "load_average_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    return env


def table(ms, lenet_seconds, n_train):
    setup = (f"batch {BATCH}, {C_IN} -> {C_OUT} channels, {SIZE}x{SIZE}, {K}x{K} kernel, "
             f"padding {PADDING}, float32; forward + backward, median of interleaved rounds")
    lines = [f"Convolution: {setup}", "",
             "| implementation | ms | ratio | target |",
             "|---|---:|---|---|"]
    vs_loops = ms["loops"] / ms["im2col"]
    lines.append(f"| loops (timed at batch {LOOP_BATCH}, scaled x{BATCH // LOOP_BATCH}) "
                 f"| {ms['loops']:.1f} | loops / im2col = {vs_loops:.0f}x "
                 f"| >= {TARGET_VS_LOOPS:g}x: {'met' if vs_loops >= TARGET_VS_LOOPS else 'MISSED'} |")
    lines.append(f"| im2col (dlcourse default) | {ms['im2col']:.2f} | 1 | |")
    torch_rows = [name for name in ms if name.startswith("torch")]
    best = min(torch_rows, key=ms.get, default=None)
    for name in torch_rows:
        vs_torch = ms["im2col"] / ms[name]
        target = (f"<= {TARGET_VS_TORCH:g}x: {'met' if vs_torch <= TARGET_VS_TORCH else 'MISSED'}"
                  if name == best else "(the other torch row is faster)")
        lines.append(f"| PyTorch {torch.__version__} CPU, {name.split(', ')[1]} | {ms[name]:.2f} "
                     f"| im2col / torch = {vs_torch:.2f}x | {target} |")
    if best is None:
        lines.append("| PyTorch | - | - | not installed (pip install 'dlcourse[bench]') |")
    lines += ["", (f"LeNet-5 (8x8 digits, float32, Adam, batch 32): {lenet_seconds:.3f} s "
                   f"per epoch of {n_train} images")]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke test)")
    args = parser.parse_args(argv)
    env = environment()
    seconds_each = bench_convolution(rounds=10 if args.quick else 40)
    ms = {name: 1e3 * s for name, s in seconds_each.items()}
    lenet_seconds, n_train = bench_lenet(epochs=2 if args.quick else 5)
    report = table(ms, lenet_seconds, n_train)
    print(report)
    result = {
        "benchmark": "conv2d forward+backward",
        "shape": {"batch": BATCH, "in_channels": C_IN, "out_channels": C_OUT, "size": SIZE,
                  "kernel": K, "padding": PADDING, "dtype": "float32"},
        "loops_timed_at_batch": LOOP_BATCH,
        "ms": ms,
        "im2col_speedup_over_loops": ms["loops"] / ms["im2col"],
        "im2col_time_over_fastest_torch": (
            ms["im2col"] / min(v for k, v in ms.items() if k.startswith("torch"))
            if torch is not None else None),
        "lenet5_seconds_per_epoch": lenet_seconds,
        "environment": env,
        "table": report,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "bench_conv.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
