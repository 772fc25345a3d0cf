#!/usr/bin/python3
"""Plots of a scalelab fit, from fit.json (and export's curves.csv for the loss-vs-FLOPs curves).

    /usr/bin/python3 scripts/plot.py --fit out/fit/fit.json --out out/fit/plots [--curves curves.csv]

Writes, for each law fit.json holds, a PNG and an SVG:
    loss_vs_flops   every run's curve, coloured by size, with the envelope (approach 1)
    isoflop         loss against N per budget with parabolas and minima; N_opt against C (approach 2)
    chinchilla      contours of the fitted L(N, D) over (C, N) with the compute-optimal line (approach 3)
    kaplan          L(N), L(D), L(C) on log-log axes, with and without the irreducible term
Uses Debian's python3 packages (matplotlib, numpy, pandas); `scalelab fit --plot DIR` calls it.

Probe plots (`scalelab emergence SWEEP_DIR --plot DIR` calls this):
    /usr/bin/python3 scripts/plot.py --probes DIR/probes.csv --reliability DIR/reliability.csv --out DIR
writes probes_<task>: every metric against compute, one panel per metric, one line per difficulty and
shot count (each run at its last probed step, averaged over templates), and reliability_<task>: the
reliability diagram of each run's answer tokens (accuracy against confidence, bins pooled over cells).
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def save(fig, out_dir, name):
    for ext in ("png", "svg"):
        fig.savefig(os.path.join(out_dir, f"{name}.{ext}"), dpi=150, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {os.path.join(out_dir, name)}.png/.svg")


def plain_loss_axis(ax):
    """Loss spans well under a decade: label the log axis 4, 5, 6 rather than 4x10^0."""
    ax.yaxis.set_major_formatter(mticker.FormatStrFormatter("%.3g"))
    ax.yaxis.set_minor_formatter(mticker.FormatStrFormatter("%.3g"))


def size_colours(sizes):
    norm = mcolors.LogNorm(vmin=min(sizes), vmax=max(sizes) * 1.0001)
    return norm, plt.get_cmap("viridis")


def plot_loss_vs_flops(fit, curves_path, out_dir):
    opts, env = fit["options"], fit.get("envelope")
    cols = opts.get("envelope_columns", {"c_col": "flops_6n", "loss_col": "val_loss"})
    fig, ax = plt.subplots(figsize=(7, 4.5))
    if curves_path and os.path.exists(curves_path):
        df = pd.read_csv(curves_path)
        n_col, c_col, l_col = opts["n_col"], cols["c_col"], cols["loss_col"]
        df = df[(df[c_col] > 0) & df[l_col].notna()]
        norm, cmap = size_colours(df[n_col].unique())
        for _, run in df.groupby("run_id"):
            run = run.sort_values(c_col)
            ax.plot(run[c_col], run[l_col], color=cmap(norm(run[n_col].iloc[0])), lw=1, alpha=0.8)
        source = os.path.basename(curves_path)
    elif "chinchilla" in fit:  # no curves: final points only
        d = pd.DataFrame(fit["chinchilla"]["data"])
        norm, cmap = size_colours(d["N"].unique())
        ax.scatter(d["C"], d["loss"], c=[cmap(norm(n)) for n in d["N"]], s=18)
        source = "final losses (no curves.csv)"
    else:
        plt.close(fig)
        return
    if env:
        e = pd.DataFrame(env["envelope"])
        ax.plot(e["C"], e["loss"], color="black", lw=2, ls="--", label="envelope (approach 1)")
        ax.legend(loc="upper right")
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label="N (parameters)")
    ax.set(xscale="log", yscale="log", xlabel="FLOPs", ylabel="loss", title=f"Loss against compute: {source}")
    plain_loss_axis(ax)
    ax.grid(True, which="both", alpha=0.3)
    save(fig, out_dir, "loss_vs_flops")


def plot_isoflop(fit, out_dir):
    iso = fit.get("isoflop")
    if not iso:
        return
    budgets = [b for b in iso["budgets"] if b["runs"]]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    norm = mcolors.LogNorm(vmin=min(b["flops"] for b in budgets), vmax=max(b["flops"] for b in budgets) * 1.0001)
    cmap = plt.get_cmap("plasma_r")
    for b in budgets:
        colour = cmap(norm(b["flops"]))
        runs = pd.DataFrame(b["runs"])
        ax.scatter(runs["N"], runs["loss"], color=colour, s=18, label=f"C = {b['flops']:.2g}")
        if b["usable"]:
            p = b["parabola"]
            x = np.linspace(np.log(runs["N"].min()), np.log(runs["N"].max()), 100)
            ax.plot(np.exp(x), p["c0"] + p["c1"] * x + p["c2"] * x * x, color=colour, lw=1)
            ax.scatter([b["N_opt"]], [b["loss_at_opt"]], color=colour, marker="*", s=160, edgecolor="black", zorder=5)
    ax.set(xscale="log", xlabel="N (parameters)", ylabel="loss", title="IsoFLOP profiles (approach 2)")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    used = [b for b in budgets if b["usable"]]
    c = np.array([b["flops"] for b in used])
    ax2.scatter(c, [b["N_opt"] for b in used], color="C0", label="N_opt")
    ax2.scatter(c, [b["D_opt"] for b in used], color="C1", label="D_opt")
    cc = np.geomspace(c.min() / 2, c.max() * 2, 50)
    for key, colour in (("N_opt", "C0"), ("D_opt", "C1")):
        line = iso[key]
        ax2.plot(cc, line["coefficient"] * cc ** line["exponent"], color=colour,
                 label=f"{key} ∝ C^{line['exponent']:.3f}")
    ax2.set(xscale="log", yscale="log", xlabel="C (FLOPs)", ylabel="parameters / tokens",
            title="Compute-optimal N and D")
    ax2.legend(fontsize=8)
    ax2.grid(True, which="both", alpha=0.3)
    save(fig, out_dir, "isoflop")


def plot_chinchilla(fit, out_dir):
    ch = fit.get("chinchilla")
    if not ch:
        return
    E, A, B, alpha, beta = (ch[k] for k in ("E", "A", "B", "alpha", "beta"))
    d = pd.DataFrame(ch["data"])
    c_lo, c_hi = d["C"].min() / 3, d["C"].max() * 3
    n_lo, n_hi = d["N"].min() / 3, d["N"].max() * 3
    cg, ng = np.meshgrid(np.geomspace(c_lo, c_hi, 200), np.geomspace(n_lo, n_hi, 200))
    loss = E + A / ng ** alpha + B / (cg / (6 * ng)) ** beta
    fig, ax = plt.subplots(figsize=(7, 5))
    levels = np.quantile(loss, np.linspace(0.0, 0.9, 16))
    cs = ax.contourf(cg, ng, loss, levels=levels, cmap="viridis", extend="max")
    ax.contour(cg, ng, loss, levels=levels, colors="white", linewidths=0.4, alpha=0.6)
    fig.colorbar(cs, ax=ax, label="fitted loss L(N, C / 6N)")
    ax.scatter(d["C"], d["N"], c=d["loss"], cmap="viridis", norm=cs.norm, edgecolor="white", s=22, zorder=4,
               label="runs")
    cc = np.geomspace(c_lo, c_hi, 100)
    ax.plot(cc, ch["G"] * (cc / 6) ** ch["a"], color="red", lw=2,
            label=f"N_opt = {ch['G']:.3g} (C/6)^{ch['a']:.3f} (approach 3)")
    for key, marker, label in (("isoflop", "*", "approach 2"), ("envelope", None, "approach 1")):
        other = fit.get(key)
        if other:
            ax.plot(cc, other["N_opt"]["coefficient"] * cc ** other["N_opt"]["exponent"], ls="--", lw=1.2,
                    label=f"N_opt ∝ C^{other['N_opt']['exponent']:.3f} ({label})")
    ax.set(xscale="log", yscale="log", xlim=(c_lo, c_hi), ylim=(n_lo, n_hi), xlabel="C = 6ND (FLOPs)",
           ylabel="N (parameters)", title="Approach 3: L(N, D) = E + A/N^α + B/D^β")
    ax.legend(fontsize=8, loc="upper left")
    save(fig, out_dir, "chinchilla")


def plot_kaplan(fit, out_dir):
    kap = fit.get("kaplan")
    if not kap:
        return
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5), layout="constrained")
    for ax, name in zip(axes, ("L(N)", "L(D)", "L(C)")):
        law = kap.get(name)
        if not law or not law["data"]:
            ax.set_visible(False)
            continue
        var = law["variable"]
        d = pd.DataFrame(law["data"])
        ax.scatter(d[var], d["loss"], color="black", s=18, zorder=3, label="points used")
        x = np.geomspace(d[var].min() / 2, d[var].max() * 2, 100)
        if "without_E" in law:
            f = law["without_E"]
            ax.plot(x, (f[f"{var}_c"] / x) ** f["alpha"], color="C0",
                    label=f"({var}_c/{var})^{f['alpha']:.3f}, {var}_c={f[f'{var}_c']:.2g}")
        if "with_E" in law:
            f = law["with_E"]
            ax.plot(x, f["E"] + (f[f"{var}_c"] / x) ** f["alpha"], color="C3", ls="--",
                    label=f"{f['E']:.3f} + ({var}_c/{var})^{f['alpha']:.3f}")
        ax.set(xscale="log", yscale="log", xlabel=var, ylabel="loss", title=f"Kaplan {name}")
        plain_loss_axis(ax)
        ax.legend(fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
    save(fig, out_dir, "kaplan")


PROBE_METRICS = ["exact_match", "token_accuracy", "edit_distance", "loglik", "loglik_per_token", "brier", "ece"]


def final_points(df):
    """Each run's rows at its last probed step."""
    last = df.groupby("run_id")["step"].transform("max")
    return df[df["step"] == last]


def plot_probe_metrics(probes_path, out_dir):
    df = final_points(pd.read_csv(probes_path))
    for task, tdf in df.groupby("task", sort=False):
        metrics = [m for m in PROBE_METRICS if m in set(tdf["metric"])]
        cols = 4
        rows = (len(metrics) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
        cells = sorted(set(zip(tdf["difficulty"], tdf["shots"])))
        cmap = plt.get_cmap("viridis")
        for i, metric in enumerate(metrics):
            ax = axes[i // cols][i % cols]
            mdf = tdf[tdf["metric"] == metric]
            for j, (d, k) in enumerate(cells):
                c = mdf[(mdf["difficulty"] == d) & (mdf["shots"] == k)]
                mean = c.groupby("flops")["value"].mean().sort_index()
                lo = c.groupby("flops")["value"].min().reindex(mean.index)
                hi = c.groupby("flops")["value"].max().reindex(mean.index)
                colour = cmap(j / max(1, len(cells) - 1))
                label = f"d={d}" + (f", {k}-shot" if len(set(tdf["shots"])) > 1 else "")
                ax.plot(mean.index, mean.values, "o-", color=colour, label=label, ms=4)
                ax.fill_between(mean.index, lo.values, hi.values, color=colour, alpha=0.12, lw=0)
            ax.set_xscale("log")
            ax.set_title(metric)
            ax.set_xlabel("training FLOPs (6N)")
            ax.grid(True, which="both", alpha=0.3)
        for i in range(len(metrics), rows * cols):
            axes[i // cols][i % cols].axis("off")
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower right", fontsize=8, ncol=2 if len(cells) > 6 else 1)
        fig.suptitle(f"{task}: probe metrics against compute (band: spread over templates)")
        fig.tight_layout()
        save(fig, out_dir, f"probes_{task}")


def plot_reliability(reliability_path, out_dir):
    df = pd.read_csv(reliability_path)
    if df.empty:
        return
    df = final_points(df)
    for task, tdf in df.groupby("task", sort=False):
        fig, ax = plt.subplots(figsize=(5, 5))
        runs = tdf.groupby("run_id")["flops"].first().sort_values()
        norm, cmap = size_colours(list(runs.values))
        for run_id, flops in runs.items():
            r = tdf[tdf["run_id"] == run_id].copy()
            r["hits"] = r["accuracy"] * r["count"]
            r["conf"] = r["confidence"] * r["count"]
            b = r.groupby("lo")[["count", "hits", "conf"]].sum()
            b = b[b["count"] > 0]
            ax.plot(b["conf"] / b["count"], b["hits"] / b["count"], "o-", color=cmap(norm(flops)), ms=3,
                    label=f"{run_id} ({flops:.2g} FLOPs)")
        ax.plot([0, 1], [0, 1], "k--", lw=1, label="perfect calibration")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("confidence of the top-1 token")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{task}: reliability of answer tokens")
        ax.legend(fontsize=7)
        ax.grid(True, alpha=0.3)
        save(fig, out_dir, f"reliability_{task}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fit", help="fit.json written by scalelab fit")
    ap.add_argument("--probes", help="probes.csv (scalelab emergence --plot, scalelab export)")
    ap.add_argument("--reliability", help="reliability.csv written by scalelab emergence --plot")
    ap.add_argument("--out", required=True, help="directory for the PNG and SVG files")
    ap.add_argument("--curves", help="curves.csv (default: the one fit.json names)")
    args = ap.parse_args()
    if not args.fit and not args.probes:
        ap.error("give --fit (scaling-law plots) or --probes (probe plots)")
    os.makedirs(args.out, exist_ok=True)
    if args.probes:
        plot_probe_metrics(args.probes, args.out)
        if args.reliability:
            plot_reliability(args.reliability, args.out)
        if not args.fit:
            return 0
    with open(args.fit) as f:
        fit = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    curves = args.curves or fit["options"].get("curves")
    plot_loss_vs_flops(fit, curves, args.out)
    plot_isoflop(fit, args.out)
    plot_chinchilla(fit, args.out)
    plot_kaplan(fit, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
