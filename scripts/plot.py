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

muP plots:
    /usr/bin/python3 scripts/plot.py --coordcheck DIR/coordcheck.csv --out DIR
writes coordcheck: activation RMS against width, one panel per module, one line per step
(`scalelab coordcheck --out DIR` calls it); flat lines are muP's promise, rising ones SP's.
    /usr/bin/python3 scripts/plot.py --lr-transfer EXPORT/summary.csv --out DIR
writes lr_transfer: best val loss against optim.lr, one panel per model.parametrization, one line
per width, each width's optimum marked (a sweep with optim.lr and model.parametrization axes).
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


FLOP_CONVENTIONS = {"flops_6n": "6N·D", "flops_6n_attention": "6N·D + attention",
                    "flops_chinchilla": "Chinchilla app. F"}
MAX_LEGEND_ENTRIES = 8  # more distinct sizes or budgets than this: a colour bar instead


def flops_label(c_col):
    """The FLOP axis names the convention the fit used: 'C (FLOPs, 6N·D: flops_6n)'."""
    if not c_col:
        return "C = 6·N·D (FLOPs, N and tokens)"
    convention = FLOP_CONVENTIONS.get(c_col)
    return f"C (FLOPs, {convention}: {c_col})" if convention else f"C (FLOPs: {c_col})"


def loss_label(loss_col):
    unit = "bits/byte" if "bpb" in (loss_col or "") else "nats/token"
    return f"loss ({unit}, {loss_col})" if loss_col else f"loss ({unit})"


def si(v):
    """1.2M, 340k, 12: model sizes in legends."""
    for div, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:.3g}{suffix}"
    return f"{v:.3g}"


def sci(v):
    """3e14, 1.5e15: budgets in legends and FLOP tick labels."""
    text = f"{v:.2g}"
    if "e" not in text:
        return text
    mant, exp = text.split("e")
    return f"{mant}e{int(exp)}"


def log_ticks(ax, which, fmt):
    """A log axis spanning under two decades gets enough labelled ticks to read values off:
    matplotlib labels only the powers of ten, often none of them. Under a decade the ticks are
    evenly spaced round numbers (2.6, 2.8, 3); up to two decades 1, 2, 5 x 10^k."""
    axis = ax.yaxis if which == "y" else ax.xaxis
    lo, hi = ax.get_ylim() if which == "y" else ax.get_xlim()
    if not (lo > 0 and hi > lo):
        return
    decades = np.log10(hi / lo)
    if decades < 1:
        axis.set_major_locator(mticker.MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    elif decades < 2:
        axis.set_major_locator(mticker.LogLocator(base=10, subs=(1, 2, 5), numticks=20))
    axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: fmt(v)))
    axis.set_minor_locator(mticker.LogLocator(base=10, subs=np.arange(2, 10), numticks=20))
    axis.set_minor_formatter(mticker.NullFormatter())


def plain_loss_axis(ax):
    """Loss spans well under a decade: ticks labelled 2.5, 3, 3.5 rather than 4x10^0."""
    log_ticks(ax, "y", lambda v: f"{v:.4g}")


def flops_axis(ax, which="x"):
    log_ticks(ax, which, sci)


class Palette:
    """One colour per distinct value (model size, budget): a discrete legend entry each for up to
    MAX_LEGEND_ENTRIES values, a log colour bar beyond that."""

    def __init__(self, values, cmap="viridis"):
        self.values = sorted(set(float(v) for v in values))
        self.cmap = plt.get_cmap(cmap)
        self.discrete = len(self.values) <= MAX_LEGEND_ENTRIES
        self.norm = mcolors.LogNorm(vmin=min(self.values), vmax=max(self.values) * 1.0001)
        self._labelled = set()

    def colour(self, v):
        if self.discrete:
            return self.cmap(0.85 * self.values.index(float(v)) / max(1, len(self.values) - 1))
        return self.cmap(self.norm(v))

    def label(self, v, text):
        """The legend label of the first artist drawn for value v (None: no entry)."""
        if not self.discrete or float(v) in self._labelled:
            return None
        self._labelled.add(float(v))
        return text

    def colour_bar(self, fig, ax, label):
        if not self.discrete:
            fig.colorbar(plt.cm.ScalarMappable(norm=self.norm, cmap=self.cmap), ax=ax, label=label)


def size_colours(sizes):
    norm = mcolors.LogNorm(vmin=min(sizes), vmax=max(sizes) * 1.0001)
    return norm, plt.get_cmap("viridis")


def titled(text, sweep):
    return f"{sweep}: {text}" if sweep else text


def running_min(values):
    """The compute-optimal envelope never rises with C (fit.json's does not since the frontier fix;
    older files may)."""
    return np.minimum.accumulate(np.asarray(values, dtype=float))


def plot_loss_vs_flops(fit, curves_path, out_dir, sweep=None):
    opts, env = fit["options"], fit.get("envelope")
    cols = opts.get("envelope_columns", {"c_col": "flops_6n", "loss_col": "val_loss"})
    fig, ax = plt.subplots(figsize=(8, 5))
    if curves_path and os.path.exists(curves_path):
        df = pd.read_csv(curves_path)
        n_col, c_col, l_col = opts["n_col"], cols["c_col"], cols["loss_col"]
        df = df[(df[c_col] > 0) & df[l_col].notna()]
        pal = Palette(df[n_col].unique())
        for _, run in sorted(df.groupby("run_id"), key=lambda kv: kv[1][n_col].iloc[0]):
            run = run.sort_values(c_col)
            n = run[n_col].iloc[0]
            ax.plot(run[c_col], run[l_col], color=pal.colour(n), lw=1, alpha=0.85,
                    label=pal.label(n, f"N={si(n)}"))
        x_label, y_label = flops_label(c_col), loss_label(l_col)
    elif "chinchilla" in fit:  # no curves: final points only
        d = pd.DataFrame(fit["chinchilla"]["data"])
        pal = Palette(d["N"].unique())
        for n, g in d.groupby("N"):
            ax.scatter(g["C"], g["loss"], color=pal.colour(n), s=18, label=pal.label(n, f"N={si(n)}"))
        x_label, y_label = flops_label(opts.get("c_col")), loss_label(opts.get("loss_col"))
    else:
        plt.close(fig)
        return
    if env:
        e = pd.DataFrame(env["envelope"])
        ax.plot(e["C"], running_min(e["loss"]), color="black", lw=2, ls="--",
                label="compute-optimal envelope (approach 1)")
    pal.colour_bar(fig, ax, f"{opts['n_col']} (parameters)")
    ax.set(xscale="log", yscale="log", xlabel=x_label, ylabel=y_label,
           title=titled("loss against compute", sweep))
    if ax.get_legend_handles_labels()[0]:  # nothing to list: many sizes (colour bar), no envelope
        ax.legend(loc="upper right", fontsize=8)
    plain_loss_axis(ax)
    flops_axis(ax)
    ax.grid(True, which="both", alpha=0.3)
    save(fig, out_dir, "loss_vs_flops")


def plot_isoflop(fit, out_dir, sweep=None):
    iso = fit.get("isoflop")
    if not iso:
        return
    opts = fit["options"]
    budgets = [b for b in iso["budgets"] if b["runs"]]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5))
    pal = Palette([b["flops"] for b in budgets], cmap="plasma_r")
    for b in budgets:
        colour = pal.colour(b["flops"])
        runs = pd.DataFrame(b["runs"])
        ax.scatter(runs["N"], runs["loss"], color=colour, s=18, label=pal.label(b["flops"], f"C={sci(b['flops'])}"))
        if b["usable"]:
            p = b["parabola"]
            lo, hi = b.get("fitted_N", [runs["N"].min(), runs["N"].max()])  # the window fitted
            x = np.linspace(np.log(lo), np.log(hi), 100)
            ax.plot(np.exp(x), p["c0"] + p["c1"] * x + p["c2"] * x * x, color=colour, lw=1)
            ax.scatter([b["N_opt"]], [b["loss_at_opt"]], color=colour, marker="*", s=160, edgecolor="black", zorder=5)
    pal.colour_bar(fig, ax, flops_label(opts.get("c_col")))
    ax.set(xscale="log", xlabel=f"N ({opts['n_col']}, parameters)", ylabel=loss_label(opts.get("loss_col")),
           title=titled("IsoFLOP profiles (approach 2)", sweep))
    if pal.discrete:
        ax.legend(fontsize=8, title="budget")
    log_ticks(ax, "x", si)
    ax.grid(True, which="both", alpha=0.3)
    used = [b for b in budgets if b["usable"]]
    c = np.array([b["flops"] for b in used])
    ax2.scatter(c, [b["N_opt"] for b in used], color="C0", label="N_opt")
    ax2.scatter(c, [b["D_opt"] for b in used], color="C1", label="D_opt")
    cc = np.geomspace(c.min() / 2, c.max() * 2, 50)
    for key, colour in (("N_opt", "C0"), ("D_opt", "C1")):
        line = iso[key]
        if line["coefficient"] is None or line["exponent"] is None:  # not finite: no line to draw
            continue
        ax2.plot(cc, line["coefficient"] * cc ** line["exponent"], color=colour,
                 label=f"{key} ∝ C^{line['exponent']:.3f}")
    ax2.set(xscale="log", yscale="log", xlabel=flops_label(opts.get("c_col")), ylabel="parameters / tokens",
            title=titled("compute-optimal N and D", sweep))
    flops_axis(ax2)
    ax2.legend(fontsize=8)
    ax2.grid(True, which="both", alpha=0.3)
    save(fig, out_dir, "isoflop")


def plot_chinchilla(fit, out_dir, sweep=None):
    ch = fit.get("chinchilla")
    if not ch:
        return
    opts = fit["options"]
    E, A, B, alpha, beta = (ch[k] for k in ("E", "A", "B", "alpha", "beta"))
    d = pd.DataFrame(ch["data"])
    c_lo, c_hi = d["C"].min() / 3, d["C"].max() * 3
    n_lo, n_hi = d["N"].min() / 3, d["N"].max() * 3
    cg, ng = np.meshgrid(np.geomspace(c_lo, c_hi, 200), np.geomspace(n_lo, n_hi, 200))
    loss = E + A / ng ** alpha + B / (cg / (6 * ng)) ** beta
    fig, ax = plt.subplots(figsize=(8, 5.5))
    levels = np.quantile(loss, np.linspace(0.0, 0.9, 16))
    cs = ax.contourf(cg, ng, loss, levels=levels, cmap="viridis", extend="max")
    ax.contour(cg, ng, loss, levels=levels, colors="white", linewidths=0.4, alpha=0.6)
    fig.colorbar(cs, ax=ax, label=f"fitted L(N, C / 6N), {loss_label(opts.get('loss_col'))}",
                 format=mticker.FuncFormatter(lambda v, _: f"{v:.3g}"))
    ax.scatter(d["C"], d["N"], c=d["loss"], cmap="viridis", norm=cs.norm, edgecolor="white", s=22, zorder=4,
               label="runs")
    cc = np.geomspace(c_lo, c_hi, 100)
    ax.plot(cc, ch["G"] * (cc / 6) ** ch["a"], color="red", lw=2,
            label=f"N_opt = {ch['G']:.3g} (C/6)^{ch['a']:.3f} (approach 3)")
    for key, label in (("isoflop", "approach 2"), ("envelope", "approach 1")):
        other = fit.get(key)
        if other:
            ax.plot(cc, other["N_opt"]["coefficient"] * cc ** other["N_opt"]["exponent"], ls="--", lw=1.2,
                    label=f"N_opt ∝ C^{other['N_opt']['exponent']:.3f} ({label})")
    ax.set(xscale="log", yscale="log", xlim=(c_lo, c_hi), ylim=(n_lo, n_hi), xlabel=flops_label(opts.get("c_col")),
           ylabel=f"N ({opts['n_col']}, parameters)",
           title=titled("approach 3: L(N, D) = E + A/N^α + B/D^β", sweep))
    flops_axis(ax)
    log_ticks(ax, "y", si)
    ax.legend(fontsize=8, loc="upper left")
    save(fig, out_dir, "chinchilla")


def plot_kaplan(fit, out_dir, sweep=None):
    kap = fit.get("kaplan")
    if not kap:
        return
    opts = fit["options"]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), layout="constrained")
    x_labels = {"N": f"N ({opts['n_col']}, parameters)", "D": "D (tokens)", "C": flops_label(opts.get("c_col"))}
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
        ax.set(xscale="log", yscale="log", xlabel=x_labels.get(var, var), ylabel=loss_label(opts.get("loss_col")),
               title=titled(f"Kaplan {name}", sweep))
        plain_loss_axis(ax)
        log_ticks(ax, "x", sci if var == "C" else si)
        ax.legend(fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
    save(fig, out_dir, "kaplan")


PROBE_METRICS = ["exact_match", "token_accuracy", "edit_distance", "loglik", "loglik_per_token", "brier", "ece"]


def final_points(df):
    """Each run's rows at its last probed step."""
    last = df.groupby("run_id")["step"].transform("max")
    return df[df["step"] == last]


def plot_probe_metrics(probes_path, out_dir, sweep=None):
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
        fig.suptitle(titled(f"{task}: probe metrics against compute (band: spread over templates)", sweep))
        fig.tight_layout()
        save(fig, out_dir, f"probes_{task}")


def plot_reliability(reliability_path, out_dir, sweep=None):
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
        ax.set_title(titled(f"{task}: reliability of answer tokens", sweep))
        ax.legend(fontsize=7)
        ax.grid(True, alpha=0.3)
        save(fig, out_dir, f"reliability_{task}")


def plot_coordcheck(csv_path, out_dir, title=None):
    df = pd.read_csv(csv_path)
    modules = list(dict.fromkeys(df["module"]))
    steps = sorted(df["step"].unique())
    fig, axes = plt.subplots(1, len(modules), figsize=(2.6 * len(modules), 3.0), sharey=False)
    axes = np.atleast_1d(axes)
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(steps)))
    for ax, module in zip(axes, modules):
        for colour, step in zip(colours, steps):
            d = df[(df["module"] == module) & (df["step"] == step)].sort_values("width")
            ax.plot(d["width"], d["rms"], "o-", color=colour, ms=3, label=f"step {step}")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(module, fontsize=9)
        ax.set_xlabel("width (d_model)")
    axes[0].set_ylabel("activation RMS")
    axes[-1].legend(fontsize=7)
    fig.suptitle(titled("coordinate check", title), fontsize=10)
    fig.tight_layout()
    save(fig, out_dir, "coordcheck")


def plot_lr_transfer(summary_path, out_dir, title=None):
    df = pd.read_csv(summary_path)
    lr_col = "optim.lr" if "optim.lr" in df.columns else "lr"
    par_col = "model.parametrization"
    if par_col not in df.columns:
        df[par_col] = "sp"
    df = df[df["status"] == "done"] if "status" in df.columns else df
    pars = sorted(df[par_col].unique())
    fig, axes = plt.subplots(1, len(pars), figsize=(4.6 * len(pars), 3.6), sharey=True)
    axes = np.atleast_1d(axes)
    widths = sorted(df["d_model"].unique())
    colours = plt.cm.viridis(np.linspace(0, 0.85, len(widths)))
    for ax, par in zip(axes, pars):
        for colour, w in zip(colours, widths):
            d = df[(df[par_col] == par) & (df["d_model"] == w)].sort_values(lr_col)
            if d.empty:
                continue
            ax.plot(d[lr_col], d["best_val_loss"], "o-", color=colour, label=f"d_model {w}")
            best = d.loc[d["best_val_loss"].idxmin()]
            ax.plot([best[lr_col]], [best["best_val_loss"]], "*", color=colour, ms=14, mec="k")
            print(f"{par} d_model {w}: best lr {best[lr_col]:g}, val loss {best['best_val_loss']:.4f}")
        ax.set_xscale("log")
        ax.set_xlabel("optim.lr (Adam; muP: the base width's)")
        ax.set_title(par)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("best val loss (nats/token)")
    fig.suptitle(titled("learning-rate transfer across width", title), fontsize=10)
    fig.tight_layout()
    save(fig, out_dir, "lr_transfer")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fit", help="fit.json written by scalelab fit")
    ap.add_argument("--probes", help="probes.csv (scalelab emergence --plot, scalelab export)")
    ap.add_argument("--reliability", help="reliability.csv written by scalelab emergence --plot")
    ap.add_argument("--coordcheck", help="coordcheck.csv written by scalelab coordcheck")
    ap.add_argument("--lr-transfer", help="summary.csv of a sweep over optim.lr, width, parametrization")
    ap.add_argument("--out", required=True, help="directory for the PNG and SVG files")
    ap.add_argument("--curves", help="curves.csv (default: the one fit.json names)")
    ap.add_argument("--title", help="the sweep's name, put in every plot's title")
    args = ap.parse_args()
    if not args.fit and not args.probes and not args.coordcheck and not args.lr_transfer:
        ap.error("give --fit (scaling-law plots), --probes (probe plots), --coordcheck or --lr-transfer")
    os.makedirs(args.out, exist_ok=True)
    if args.coordcheck or args.lr_transfer:
        if args.coordcheck:
            plot_coordcheck(args.coordcheck, args.out, args.title)
        if args.lr_transfer:
            plot_lr_transfer(args.lr_transfer, args.out, args.title)
        return 0
    if args.probes:
        plot_probe_metrics(args.probes, args.out, args.title)
        if args.reliability:
            plot_reliability(args.reliability, args.out, args.title)
        if not args.fit:
            return 0
    with open(args.fit) as f:
        fit = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    curves = args.curves or fit["options"].get("curves")
    plot_loss_vs_flops(fit, curves, args.out, args.title)
    plot_isoflop(fit, args.out, args.title)
    plot_chinchilla(fit, args.out, args.title)
    plot_kaplan(fit, args.out, args.title)
    return 0


if __name__ == "__main__":
    sys.exit(main())
