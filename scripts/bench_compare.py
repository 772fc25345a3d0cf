#!/usr/bin/env python3
"""Side-by-side CPU comparison of `scalelab bench` with ../shared/tools/naive-bench (docs/bench.md).

Runs the two alternately, REPS times each, with the same threads and the same environment (the CLI's
own tuning: OPENBLAS_CORETYPE for this CPU, OMP_WAIT_POLICY=PASSIVE), and prints every run, the median
ms/step of each and their ratio, with the load average before and after. These machines are noisy:
compare medians of alternating runs, never one figure with a figure taken at another time.

    python3 scripts/bench_compare.py --preset tiny --threads 1 --reps 5 \\
        --naive /tmp/naive-bench/cpp_bench --scalelab build/scalelab [--steps 10] [--json out.json]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

NAIVE_NAMES = {"tiny": "tiny", "baby": "baby", "gpt2-small": "gpt2s"}


def coretype():
    try:
        flags = next(l for l in open("/proc/cpuinfo") if l.startswith("flags")).split()
    except (OSError, StopIteration):
        return None
    return "SkylakeX" if "avx512f" in flags else "Haswell" if "avx2" in flags else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="tiny", choices=sorted(NAIVE_NAMES))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10, help="timed steps of scalelab bench (naive-bench times 10)")
    ap.add_argument("--naive", default="/tmp/naive-bench/cpp_bench")
    ap.add_argument("--scalelab", default="build/scalelab")
    ap.add_argument("--json", help="also write the runs and the summary here")
    a = ap.parse_args()

    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if coretype():
        env.setdefault("OPENBLAS_CORETYPE", coretype())
    naive_env = dict(env, OMP_NUM_THREADS=str(a.threads), OPENBLAS_NUM_THREADS=str(a.threads))
    ours_cmd = [a.scalelab, "bench", "--preset", a.preset, "--device", "cpu", "--threads", str(a.threads),
                "--steps", str(a.steps), "--json"]
    naive_cmd = [a.naive, NAIVE_NAMES[a.preset]]

    load_before = os.getloadavg()
    runs = {"naive": [], "scalelab": []}
    for rep in range(a.reps):
        out = subprocess.run(naive_cmd, env=naive_env, capture_output=True, text=True, check=True).stdout
        m = re.search(r'"ms_step":([0-9.]+)', out)
        runs["naive"].append(float(m.group(1)))
        out = subprocess.run(ours_cmd, env=env, capture_output=True, text=True, check=True).stdout
        runs["scalelab"].append(json.loads(out.strip().splitlines()[-1])["ms_per_step"])
        print(f"rep {rep}: naive {runs['naive'][-1]:9.2f} ms/step   scalelab {runs['scalelab'][-1]:9.2f} ms/step"
              f"   load {os.getloadavg()[0]:.2f}", flush=True)
    load_after = os.getloadavg()
    med = {k: statistics.median(v) for k, v in runs.items()}
    ratio = med["naive"] / med["scalelab"]
    pair = statistics.median(n / s for n, s in zip(runs["naive"], runs["scalelab"]))
    print(f"{a.preset}, {a.threads} thread(s): median naive {med['naive']:.2f} ms/step, scalelab "
          f"{med['scalelab']:.2f} ms/step: scalelab is {ratio:.2f}x (median of pairwise ratios {pair:.2f}x); "
          f"load {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"preset": a.preset, "threads": a.threads, "runs_ms_per_step": runs, "median_ms_per_step": med,
                       "speedup": ratio, "pairwise_speedup": pair, "load_before": load_before,
                       "load_after": load_after, "date": time.strftime("%Y-%m-%d %H:%M")}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
