#!/usr/bin/python3
"""`scalelab report` rendered by a real browser: a tiny sweep (2 sizes x 3 token budgets on a
synthetic Markov source), `scalelab report SWEEP`, then headless Chromium dumps the DOM after the
page's load script has marked every <img> that decoded (data-loaded="yes"). Checks: every plot
decoded, the page needs no other file, the alpha, beta and a it shows are fit.json's, the probe
table has each run's last eval point per cell; and after the sweep grows, the next report redoes
the export, the fit and the plots instead of showing the old ones.
Exit 77 (skipped) when chromium is not installed (scripts/setup.sh installs it).

    /usr/bin/python3 tests/python/report_chromium_test.py SCALELAB_BIN
"""
import csv
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1])
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    print("skipped: chromium is not installed (apt-get install chromium; scripts/setup.sh does)")
    sys.exit(77)

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=600, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r.stdout


class Page(html.parser.HTMLParser):
    """The <img> attributes and, per law table, each parameter cell's data-value and text."""

    def __init__(self):
        super().__init__()
        self.imgs, self.params, self.table, self.cell = [], {}, None, None
        self.section, self.rows = None, {}  # rows: section id -> table rows (lists of cell texts)
        self.text = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2":
            self.section = a.get("id")
        elif tag == "tr":
            self.rows.setdefault(self.section, []).append([])
        elif tag in ("td", "th"):
            self.text = ""
        if tag == "img":
            self.imgs.append(a)
        elif tag == "table":
            self.table = a.get("id")
        elif tag == "td" and "data-param" in a:
            self.cell = (self.table, a["data-param"], a.get("data-value"))
            self.params[self.cell] = ""

    def handle_data(self, data):
        if self.text is not None:
            self.text += data
        if self.cell:
            self.params[self.cell] += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.text is not None:
            self.rows[self.section][-1].append(self.text)
            self.text = None
        if tag == "td":
            self.cell = None


def render(report, tmp):
    dom = run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp}/chrome",
               "--virtual-time-budget=5000", "--dump-dom", f"file://{report}"])
    page = Page()
    page.feed(dom)
    return dom, page


with tempfile.TemporaryDirectory(prefix="scalelab_report_") as tmp:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    run([BIN, "prepare", "--source", "synthetic:markov?symbols=16", "--out", f"{tmp}/data"], env=env)
    spec = f"{tmp}/tiny_report.yaml"
    with open(spec, "w") as f:
        f.write(f"""name: tiny_report
base:
  model: {{ctx: 64, vocab: 256}}
  data: {{path: {tmp}/data}}
  optim: {{lr: 3e-3}}
  train: {{batch_size: 4, device: cpu, log_every: 5, eval_every: 20, eval_tokens: 512, checkpoint_every: 20}}
  probes: {{tasks: [copy], instances: 4, shots: [0], difficulties: [1, 2]}}
models: {{sizes: [12k, 25k], head_dim: 16, aspect: 16}}
data: {{tokens: [6k, 12k, 24k]}}
""")
    sweep = f"{tmp}/sweep"
    run([BIN, "sweep", spec, "--dir", sweep, "--workers", "2"], env=env)
    out = run([BIN, "report", sweep, "--bootstrap", "50"], env=env)
    report = f"{sweep}/report.html"
    check(os.path.exists(report), f"report written: {out.strip().splitlines()[-1]}")
    with open(f"{sweep}/plots/fit.json") as f:
        fit = json.load(f)
    dom, page = render(report, tmp)
    check(len(page.imgs) >= 2, f"{len(page.imgs)} plots on the page: {[i.get('alt') for i in page.imgs]}")
    check(all(i.get("data-loaded") == "yes" for i in page.imgs),
          f"every image decoded: {[(i.get('alt'), i.get('data-loaded')) for i in page.imgs]}")
    check(all(i.get("src", "").startswith("data:image/png;base64,") for i in page.imgs),
          "images are embedded (data: URIs), the page needs no other file")
    check("tiny_report" in dom.split("</h1>")[0], "the page is titled with the sweep's name")
    for name in ("alpha", "beta", "a"):
        cells = [(v, text) for (table, p, v), text in page.params.items() if table == "chinchilla" and p == name]
        truth = fit["chinchilla"][name]
        ok = len(cells) == 1 and float(cells[0][0]) == truth and abs(float(cells[0][1]) / truth - 1) < 1e-3
        check(ok, f"{name}: page {cells} vs fit.json {truth}")
    lo, hi = fit["chinchilla"]["intervals"]["alpha"]
    check(f"{lo:.4g}" in dom and f"{hi:.4g}" in dom, f"alpha's interval [{lo:.4g}, {hi:.4g}] shown")

    # Probes: 6 runs x 2 difficulties, each at its run's last step, loglik averaged over the
    # templates, as computed here from probes.csv.
    probe_rows = page.rows.get("probes", [])
    header, body = (probe_rows[0], probe_rows[1:]) if probe_rows else ([], [])
    check(len(body) == 12, f"probe table: {len(body)} rows (6 runs x 2 difficulties)")
    with open(f"{sweep}/export/probes.csv") as f:
        rows = list(csv.DictReader(f))
    last = {}
    for r in rows:
        last[r["run_id"]] = max(last.get(r["run_id"], 0), int(r["step"]))
    if body:
        shown = dict(zip(header, body[0]))
        want = [float(r["value"]) for r in rows if r["run_id"] == shown["run_id"] and
                int(r["step"]) == last[r["run_id"]] and r["difficulty"] == shown["difficulty"] and
                r["metric"] == "loglik"]
        mean = sum(want) / len(want) if want else float("nan")
        check(want and abs(float(shown["loglik"]) - mean) < 1e-3 * max(1, abs(mean)),
              f"loglik of {shown['run_id']} difficulty {shown['difficulty']}: page "
              f"{shown['loglik']} vs probes.csv's mean {mean:.4g} over {len(want)} templates")

    # The sweep grows by a token budget: the next report must show all 8 runs, fitted again.
    with open(spec) as f:
        grown = f.read().replace("tokens: [6k, 12k, 24k]", "tokens: [6k, 12k, 24k, 36k]")
    with open(spec, "w") as f:
        f.write(grown)
    run([BIN, "sweep", spec, "--dir", sweep, "--workers", "2"], env=env)
    old_png = os.path.getmtime(f"{sweep}/plots/chinchilla.png")
    run([BIN, "report", sweep, "--bootstrap", "50"], env=env)
    with open(f"{sweep}/plots/fit.json") as f:
        refit = json.load(f)
    dom, page = render(report, tmp)
    runs_shown = len(page.rows.get("runs", [])) - 1
    check(runs_shown == 8, f"after the sweep grew: {runs_shown} runs on the page (8)")
    check(len(refit["chinchilla"]["data"]) == 8,
          f"fit.json redone: {len(refit['chinchilla']['data'])} points (8)")
    check(os.path.getmtime(f"{sweep}/plots/chinchilla.png") > old_png, "plots redone")

sys.exit(1 if failures else 0)
