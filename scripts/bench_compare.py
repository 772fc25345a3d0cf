#!/usr/bin/env python3
"""Side-by-side CPU comparison of `scalelab bench` with its baselines (docs/bench.md, BENCHMARKS.md):
nanoGPT's model.py on the same PyTorch (scripts/nanogpt_bench.py, --nanogpt DIR) and the plain-LibTorch
loop ../shared/tools/naive-bench built against the same LibTorch (--naive BINARY). Either may be left out.

Runs the programs alternately, REPS times each, with the same threads and the same environment
(GOMP_SPINCOUNT=100000, as the CLI sets for itself), and prints every run, the median ms/step of each
and scalelab's speed-up over each, with the load average before and after. These machines are noisy:
compare medians of alternating runs, never one figure with a figure taken at another time.

    .venv/bin/python scripts/bench_compare.py --preset tiny --threads 1 --reps 5 \\
        --nanogpt /path/to/nanoGPT --naive /tmp/naive-bench/cpp_bench [--steps 10] [--json out.json]
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
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="tiny", choices=sorted(NAIVE_NAMES))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10, help="timed steps per run (naive-bench times its own 10)")
    ap.add_argument("--naive", help="naive-bench's cpp_bench binary")
    ap.add_argument("--nanogpt", help="directory of nanoGPT's model.py")
    ap.add_argument("--scalelab", default="build/scalelab")
    ap.add_argument("--json", help="also write the runs and the summary here")
    a = ap.parse_args()
    if not a.naive and not a.nanogpt:
        ap.error("give --nanogpt DIR and/or --naive BINARY: something to compare with")

    env = dict(os.environ)
    if "OMP_WAIT_POLICY" not in env and "GOMP_SPINCOUNT" not in env:
        env["GOMP_SPINCOUNT"] = "100000"  # what the CLI sets for itself (core/cpu_tuning.h)
    one_pool = dict(env, OMP_NUM_THREADS=str(a.threads))
    programs = {"scalelab": ([a.scalelab, "bench", "--preset", a.preset, "--device", "cpu", "--threads",
                              str(a.threads), "--steps", str(a.steps), "--json"], env,
                             lambda out: json.loads(out.strip().splitlines()[-1])["ms_per_step"])}
    if a.nanogpt:
        programs["nanogpt"] = ([sys.executable, os.path.join(HERE, "nanogpt_bench.py"), "--nanogpt", a.nanogpt,
                                "--preset", a.preset, "--threads", str(a.threads), "--steps", str(a.steps)],
                               one_pool, lambda out: json.loads(out.strip().splitlines()[-1])["ms_per_step"])
    if a.naive:
        programs["naive"] = ([a.naive, NAIVE_NAMES[a.preset]], one_pool,
                             lambda out: float(re.search(r'"ms_step":([0-9.]+)', out).group(1)))

    load_before = os.getloadavg()
    runs = {k: [] for k in programs}
    for rep in range(a.reps):
        for name, (cmd, e, parse) in programs.items():
            out = subprocess.run(cmd, env=e, capture_output=True, text=True, check=True).stdout
            runs[name].append(parse(out))
        print(f"rep {rep}: " + "   ".join(f"{k} {v[-1]:9.2f} ms/step" for k, v in runs.items()) +
              f"   load {os.getloadavg()[0]:.2f}", flush=True)
    load_after = os.getloadavg()
    med = {k: statistics.median(v) for k, v in runs.items()}
    speedup = {k: med[k] / med["scalelab"] for k in runs if k != "scalelab"}
    pairwise = {k: statistics.median(o / s for o, s in zip(runs[k], runs["scalelab"])) for k in speedup}
    for k in speedup:
        print(f"{a.preset}, {a.threads} thread(s): median {k} {med[k]:.2f} ms/step, scalelab {med['scalelab']:.2f} "
              f"ms/step: scalelab is {speedup[k]:.2f}x (median of pairwise ratios {pairwise[k]:.2f}x)")
    print(f"load {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"preset": a.preset, "threads": a.threads, "runs_ms_per_step": runs, "median_ms_per_step": med,
                       "speedup": speedup, "pairwise_speedup": pairwise, "load_before": load_before,
                       "load_after": load_after, "date": time.strftime("%Y-%m-%d %H:%M")}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
