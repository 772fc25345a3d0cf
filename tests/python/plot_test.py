#!/usr/bin/python3
"""scripts/plot.py's loss-vs-FLOPs figure on a small fit.json + curves.csv fixture, imported as a
module (Debian's /usr/bin/python3 has its matplotlib): axes carry units and the FLOP convention, one
legend entry per model size and no colour bar for two sizes (a colour bar beyond eight), the title
names the sweep, and the drawn envelope never rises with compute even where fit.json's (an old one)
does. The muP plots: the coordinate check has one panel per module and one line per step; the
lr-transfer plot one panel per parametrization, one line per width, its optimum starred.

    /usr/bin/python3 tests/python/plot_test.py SOURCE_DIR
"""
import csv
import importlib.util
import json
import os
import sys
import tempfile

SOURCE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
spec = importlib.util.spec_from_file_location("plot", os.path.join(SOURCE, "scripts", "plot.py"))
plot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot)

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def fixture(tmp, sizes):
    """curves.csv: every size logged at 4 FLOP counts; fit.json: an envelope with a rise in it."""
    curves = os.path.join(tmp, "curves.csv")
    with open(curves, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["run_id", "params_nonembedding", "step", "flops_6n", "val_loss"])
        for i, n in enumerate(sizes):
            for s, c in enumerate((1e12, 3e12, 1e13, 3e13)):
                w.writerow([f"r{i}", n, s + 1, c * (1 + i), 4.0 - 0.3 * s - 0.1 * i])
    fit = {"options": {"n_col": "params_nonembedding", "c_col": "", "loss_col": "final_val_loss",
                       "curves": curves,
                       "envelope_columns": {"c_col": "flops_6n", "loss_col": "val_loss"}},
           "envelope": {"envelope": [{"C": 1e12, "loss": 4.0}, {"C": 3e12, "loss": 3.7},
                                     {"C": 1e13, "loss": 3.8}, {"C": 3e13, "loss": 3.1}]}}
    return fit, curves


def draw(sizes, title="tiny_markov"):
    captured = {}
    plot.save = lambda fig, out_dir, name: captured.__setitem__(name, fig)
    with tempfile.TemporaryDirectory() as tmp:
        fit, curves = fixture(tmp, sizes)
        plot.plot_loss_vs_flops(fit, curves, tmp, title)
    return captured["loss_vs_flops"]


fig = draw([120_000, 1_200_000])
ax = fig.axes[0]
check("nats/token" in ax.get_ylabel(), f"loss axis has units: {ax.get_ylabel()!r}")
check("FLOPs" in ax.get_xlabel() and "6N·D" in ax.get_xlabel() and "flops_6n" in ax.get_xlabel(),
      f"FLOP axis names the convention: {ax.get_xlabel()!r}")
labels = [t.get_text() for t in ax.get_legend().get_texts()] if ax.get_legend() else []
sizes = [t for t in labels if t.startswith("N=")]
check(sizes == ["N=120k", "N=1.2M"], f"one legend entry per size: {labels}")
check(len(fig.axes) == 1, f"no colour bar for 2 sizes ({len(fig.axes)} axes)")
check("tiny_markov" in ax.get_title(), f"title names the sweep: {ax.get_title()!r}")
env = [line for line in ax.get_lines() if "envelope" in line.get_label()]
check(len(env) == 1, "one envelope line")
y = list(env[0].get_ydata()) if env else []
check(all(b <= a for a, b in zip(y, y[1:])), f"envelope non-increasing: {y}")
fig.canvas.draw()
lo, hi = ax.get_ylim()
ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text() and lo <= t.get_position()[1] <= hi]
check(3 <= len(ticks) <= 12, f"loss axis under a decade has 3-12 labelled ticks: {ticks}")

many = draw([1e5 * 1.5 ** i for i in range(10)])
check(len(many.axes) == 2, f"a colour bar for 10 sizes ({len(many.axes)} axes)")
legend = many.axes[0].get_legend()
check(not any(t.get_text().startswith("N=") for t in legend.get_texts()) if legend else True,
      "no per-size legend entries for 10 sizes")



def captured_figure(fn, rows, header, name):
    captured = {}
    plot.save = lambda fig, out_dir, n: captured.__setitem__(n, fig)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
        fn(path, tmp, "t")
    return captured[name]


cc = captured_figure(plot.plot_coordcheck,
                     [[w, s, m, 0.1 * (s + 1)] for w in (32, 64, 128) for s in (0, 1, 2)
                      for m in ("embedding", "block.0", "logits")],
                     ["width", "step", "module", "rms"], "coordcheck")
check([a.get_title() for a in cc.axes] == ["embedding", "block.0", "logits"],
      f"coordcheck: a panel per module {[a.get_title() for a in cc.axes]}")
check(all(len(a.get_lines()) == 3 for a in cc.axes), "coordcheck: a line per step")
rows = [[w, par, lr, 3.0 + abs(lr - (2e-3 if par == "mup" or w == 32 else 1e-3)) * 100, "done"]
        for w in (32, 128) for par in ("sp", "mup") for lr in (1e-3, 2e-3, 4e-3)]
lt = captured_figure(plot.plot_lr_transfer, rows,
                     ["d_model", "model.parametrization", "lr", "best_val_loss", "status"],
                     "lr_transfer")
check([a.get_title() for a in lt.axes] == ["mup", "sp"],
      f"lr transfer: a panel per parametrization {[a.get_title() for a in lt.axes]}")
stars = [line for line in lt.axes[1].get_lines() if line.get_marker() == "*"]
check(sorted(float(line.get_xdata()[0]) for line in stars) == [1e-3, 2e-3],
      f"lr transfer: sp's optima starred at 1e-3 (d128) and 2e-3 (d32): "
      f"{[float(line.get_xdata()[0]) for line in stars]}")

sys.exit(1 if failures else 0)
