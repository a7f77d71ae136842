#!/usr/bin/env python3
"""Print BENCHMARKS.md's tables from criterion's results of `cargo bench --bench gradients`.

Usage: python3 benches/table.py [CRITERION_DIR]   (default: $CARGO_TARGET_DIR/criterion or
target/criterion). Reads each benchmark's median from <group>/<method>/new/estimates.json.
"""
import json
import os
import sys

CASES = ["neuron", "svm", "net", "chain_n100", "rosenbrock_n10", "rosenbrock_n100",
         "rosenbrock_n1000", "carry"]
METHODS = ["f", "hand", "gradmacro", "num_dual", "tape", "fd"]


def fmt(ns):
    if ns < 1e3:
        return f"{ns:.1f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns / 1e6:.2f} ms"


def main():
    default = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")
    root = sys.argv[1] if len(sys.argv) > 1 else default

    def median(case, method):
        path = os.path.join(root, case, method, "new", "estimates.json")
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]

    print("Median time per call, and in parentheses its ratio to `hand`:\n")
    print("| case | " + " | ".join(f"`{m}`" for m in METHODS) + " |")
    print("|---|" + "---:|" * len(METHODS))
    for case in CASES:
        hand = median(case, "hand")
        cells = []
        for m in METHODS:
            v = median(case, m)
            cells.append("—" if v is None or hand is None else f"{fmt(v)} ({v / hand:.2f}×)")
        print(f"| {case} | " + " | ".join(cells) + " |")

    print("\ngradmacro against its targets (✓ met, ✗ missed):\n")
    print("| case | `gradmacro` / `hand` (≤ 1.05) | `gradmacro` / `f` (≤ 3) "
          "| `num_dual` / `gradmacro` (> 1) |")
    print("|---|---:|---:|---:|")
    for case in CASES:
        g, h, f, d = (median(case, m) for m in ("gradmacro", "hand", "f", "num_dual"))
        if None in (g, h, f, d):
            print(f"| {case} | — | — | — |")
            continue
        mark = lambda ok: "✓" if ok else "✗"
        print(f"| {case} | {g / h:.2f} {mark(g / h <= 1.05)} | {g / f:.2f} {mark(g / f <= 3)} "
              f"| {d / g:.2f} {mark(d > g)} |")

    print("\nForward mode: one directional derivative (`jvp`: `f_jvp`; `dual64_jvp`: one num-dual "
          "`Dual64` pass), next to `f` and the whole gradient (`gradmacro`: `f_grad`):\n")
    print("| case | `f` | `jvp` | `dual64_jvp` | `gradmacro` | `dual64_jvp` / `jvp` | `jvp` / `f` |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for case in CASES:
        f, j, d, g = (median(case, m) for m in ("f", "jvp", "dual64_jvp", "gradmacro"))
        if None in (f, j, d, g):
            print(f"| {case} | — | — | — | — | — | — |")
            continue
        print(f"| {case} | {fmt(f)} | {fmt(j)} | {fmt(d)} | {fmt(g)} | {d / j:.2f} | {j / f:.2f} |")


if __name__ == "__main__":
    main()
