#!/usr/bin/python3
"""scripts/compare_plot.py on two small sweeps (summary.csv fixtures, one with a fit.json): one line
per sweep in each panel, the points at the largest budget (left) and the largest size (right), and
the fitted exponents with their intervals in the first sweep's legend entry.

    /usr/bin/python3 tests/python/compare_plot_test.py SOURCE_DIR
"""
import csv
import importlib.util
import json
import os
import sys
import tempfile

SOURCE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
spec = importlib.util.spec_from_file_location(
    "compare_plot", os.path.join(SOURCE, "scripts", "compare_plot.py"))
compare = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare)

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def sweep(tmp, name, offset):
    """summary.csv of a 3 x 2 grid, loss = offset + 10 / N^0.3 + 5 / D^0.2, one failed run."""
    os.makedirs(os.path.join(tmp, name))
    with open(os.path.join(tmp, name, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["params_nonembedding", "tokens", "final_val_loss", "status"])
        for n in (1e4, 2e4, 4e4):
            for d in (1e6, 2e6):
                w.writerow([n, d, offset + 10 / n**0.3 + 5 / d**0.2, "done"])
        w.writerow([8e4, 2e6, 0.1, "failed"])  # must not be drawn
    return os.path.join(tmp, name)


with tempfile.TemporaryDirectory() as tmp:
    a, b = sweep(tmp, "a", 1.0), sweep(tmp, "b", 1.2)
    fit = os.path.join(tmp, "fit.json")
    with open(fit, "w") as f:
        json.dump({"chinchilla": {"alpha": 0.3, "beta": 0.2,
                                  "intervals": {"alpha": [0.25, 0.36], "beta": [0.1, 0.3]}}}, f)
    out = os.path.join(tmp, "cmp.png")
    sys.argv = ["compare_plot.py", "--sweep", "gpt2", a, fit, "--sweep", "llama", b, "--out", out]
    compare.main()
    check(os.path.getsize(out) > 10000 and os.path.exists(out[:-4] + ".svg"), "PNG and SVG written")
    ax_n, ax_d = compare.plt.gcf().axes
    lines_n, lines_d = ax_n.get_lines(), ax_d.get_lines()
    check(len(lines_n) == 2 and len(lines_d) == 2, "one line per sweep in each panel")
    check(list(lines_n[0].get_xdata()) == [1e4, 2e4, 4e4], "left: every size at the largest D, "
          "the failed run left out")
    check(list(lines_d[0].get_xdata()) == [1e6, 2e6], "right: every D at the largest size")
    legend = [t.get_text() for t in ax_n.get_legend().get_texts()]
    check(legend[0].startswith("gpt2: alpha 0.30 [0.25, 0.36], beta 0.20 [0.10, 0.30]"),
          f"fitted exponents in the legend: {legend[0]!r}")
    check(legend[1].startswith("llama (D = 2M)"), f"no fit.json, no exponents: {legend[1]!r}")
sys.exit(1 if failures else 0)
