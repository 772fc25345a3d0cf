#!/usr/bin/python3
"""One figure comparing sweeps of the same grid under different recipes (architecture, optimizer):
final loss against N at each sweep's largest budget D, and against D at its largest N, one colour
per sweep; given a sweep's fit.json (scalelab fit --out), the legend carries its fitted alpha and
beta with their 95% intervals.

    /usr/bin/python3 scripts/compare_plot.py \\
        --sweep gpt2 out/sweeps/quickstart/export out/sweeps/quickstart/fit.json \\
        --sweep llama out/sweeps/quickstart_llama/export --out docs/img/recipes.png [--title T]

Uses Debian's python3 packages (matplotlib, numpy, pandas) and scripts/plot.py's axis helpers.
"""
import argparse
import importlib.util
import json
import os
import sys

import pandas as pd

_spec = importlib.util.spec_from_file_location(
    "plot", os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot.py"))
plot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plot)
plt = plot.plt


def fitted_exponents(fit_json):
    """'alpha 0.10 [0.07, 0.22], beta 0.90 [0.31, 1.56]' from a fit.json's chinchilla law."""
    with open(fit_json) as f:
        law = json.load(f).get("chinchilla")
    if not law:
        sys.exit(f"compare_plot: {fit_json} has no chinchilla law: fit with --law chinchilla or all")
    parts = []
    for name in ("alpha", "beta"):
        ci = law.get("intervals", {}).get(name)
        parts.append(f"{name} {law[name]:.2f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""))
    return ", ".join(parts)


def load(export_dir, n_col, loss_col):
    path = os.path.join(export_dir, "summary.csv")
    if not os.path.exists(path):
        sys.exit(f"compare_plot: {path} does not exist: run `scalelab export SWEEP_DIR` first")
    table = pd.read_csv(path)
    for col in (n_col, "tokens", loss_col):
        if col not in table.columns:
            sys.exit(f"compare_plot: {path} has no column '{col}'")
    if "status" in table.columns:
        table = table[table["status"] == "done"]
    return table


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", nargs="+", action="append", required=True,
                    metavar="LABEL EXPORT_DIR [FIT_JSON]",
                    help="a sweep's label, its export directory and optionally its fit.json (repeat)")
    ap.add_argument("--out", required=True, help="the PNG to write (an SVG is written beside it)")
    ap.add_argument("--n-col", default="params_nonembedding", help="the N column")
    ap.add_argument("--loss-col", default="final_val_loss", help="the loss column")
    ap.add_argument("--title", default="recipes compared", help="the figure's title")
    args = ap.parse_args()

    fig, (ax_n, ax_d) = plt.subplots(1, 2, figsize=(12, 5.8))
    colours = plt.get_cmap("tab10")
    for i, sweep in enumerate(args.sweep):
        if len(sweep) not in (2, 3):
            sys.exit(f"compare_plot: --sweep {' '.join(sweep)}: give LABEL EXPORT_DIR [FIT_JSON]")
        label, export_dir = sweep[:2]
        table = load(export_dir, args.n_col, args.loss_col)
        name = f"{label}: {fitted_exponents(sweep[2])}" if len(sweep) == 3 else label
        at_d = table[table["tokens"] == table["tokens"].max()].sort_values(args.n_col)
        at_n = table[table[args.n_col] == table[args.n_col].max()].sort_values("tokens")
        ax_n.plot(at_d[args.n_col], at_d[args.loss_col], "o-", color=colours(i),
                  label=f"{name} (D = {plot.si(at_d['tokens'].iloc[0])})")
        ax_d.plot(at_n["tokens"], at_n[args.loss_col], "o-", color=colours(i),
                  label=f"{label} (N = {plot.si(at_n[args.n_col].iloc[0])})")
    for ax, xlabel, what in ((ax_n, f"N ({args.n_col}, parameters)", "at the largest budget"),
                             (ax_d, "D (tokens)", "at the largest size")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"loss (nats/token, {args.loss_col})")
        ax.set_title(f"{args.title}: loss {what}")
        ax.grid(True, which="both", alpha=0.3)
        # Below the axes: long labels (the fitted exponents) would hide points inside them.
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13))
        plot.plain_loss_axis(ax)
        plot.log_ticks(ax, "x", plot.si)
    fig.tight_layout()
    fig.savefig(args.out, dpi=130)
    fig.savefig(os.path.splitext(args.out)[0] + ".svg")
    print(f"wrote {args.out} and its .svg")


if __name__ == "__main__":
    main()
