"""`scalelab export-weights` read by PyTorch. Tiny runs trained by build/scalelab are exported to
safetensors, loaded with safetensors.torch, and run through a GPT forward written below with
torch.nn.functional under nanoGPT's state-dict names (in float64, so the difference measures
scalelab's float32 alone); its logits must equal those `scalelab export-weights --logits-for` prints
for the same tokens, to TOLERANCE.

With --nanogpt, the same files go into nanoGPT's own model.py: GPT(GPTConfig(...)) from the file's
metadata, load_state_dict (strict), eval; its logits in float32 must match too, both the last
position (what its forward returns without targets) and every position (with targets). It needs
SCALELAB_NANOGPT_DIR, a directory holding nanoGPT's model.py, and exits 77 (CTest: skipped) without.

Usage: safetensors_export_test.py SCALELAB_BINARY [--nanogpt]
"""
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile

try:
    import torch
    import torch.nn.functional as F
    from safetensors import safe_open
    from safetensors.torch import load_file
except ImportError as e:
    sys.exit(f"{sys.executable} lacks {e.name}: scripts/setup.sh installs torch and safetensors "
             "into .venv")

TOLERANCE = 1e-5  # max |logit difference|, float32 logits of size ~5 (observed: 1.4e-6 to 1.9e-6)
SKIPPED = 77

# (name, model keys): no biases and a tied head (our default), nanoGPT's own default bias=True, and
# an untied head with a bias and a d_ff of its own, which nanoGPT's model.py cannot hold.
RUNS = [
    ("plain", {"bias": "false", "tied": "true"}),
    ("bias", {"bias": "true", "tied": "true"}),
    ("untied", {"bias": "true", "tied": "false", "d_ff": "48"}),
]


def run(cmd, expect=0):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != expect:
        sys.exit(f"{' '.join(cmd)}: exit {p.returncode}, expected {expect}\n{p.stdout}{p.stderr}")
    return p


def train_runs(scalelab, tmp):
    data = os.path.join(tmp, "markov")
    run([scalelab, "prepare", "--source", "synthetic:markov?symbols=16&tokens=20000&seed=3",
         "--block-tokens", "2048", "--out", data])
    dirs = {}
    for name, model in RUNS:
        cfg = os.path.join(tmp, name + ".yaml")
        keys = "".join(f"  {k}: {v}\n" for k, v in model.items())
        with open(cfg, "w") as f:
            f.write(f"name: {name}\nmodel:\n  n_layer: 2\n  d_model: 32\n  n_head: 4\n  ctx: 16\n"
                    f"  vocab: 256\n{keys}data:\n  path: {data}\noptim:\n  lr: 1e-2\n"
                    "train:\n  tokens: 3840\n  batch_size: 8\n  threads: 1\n  log_every: 10\n"
                    "  eval_every: 100\n  eval_tokens: 256\n  checkpoint_every: 0\n")
        dirs[name] = os.path.join(tmp, name)
        run([scalelab, "train", cfg, "--run-dir", dirs[name], "--no-progress"])  # 30 steps
    return dirs


def export(scalelab, run_dir, tokens):
    """Writes RUN_DIR/model.safetensors; returns scalelab's logits (T, vocab) and its stderr."""
    p = run([scalelab, "export-weights", run_dir, "--logits-for", ",".join(map(str, tokens))])
    out = json.loads(p.stdout)
    assert out["tokens"] == tokens, out["tokens"]
    return torch.tensor(out["logits"], dtype=torch.float32), p.stderr


def config_of(path):
    with safe_open(path, framework="pt") as f:
        m = f.metadata()
    return dict(block_size=int(m["block_size"]), vocab_size=int(m["vocab_size"]),
                n_layer=int(m["n_layer"]), n_head=int(m["n_head"]), n_embd=int(m["n_embd"]),
                dropout=float(m["dropout"]), bias=m["bias"] == "true"), m


def gpt_forward(sd, cfg, idx):
    """GPT-2's forward (pre-LayerNorm blocks, exact GELU) from nanoGPT's names; idx (B, T)."""
    B, T = idx.shape
    C, H = cfg["n_embd"], cfg["n_head"]

    def lin(x, name):
        return F.linear(x, sd[name + ".weight"], sd.get(name + ".bias"))  # no .bias: bias=False

    def norm(x, name):
        return F.layer_norm(x, (C,), sd[name + ".weight"], sd.get(name + ".bias"), 1e-5)

    def heads(t):  # (B, T, C) -> (B, H, T, C/H)
        return t.view(B, T, H, C // H).transpose(1, 2)

    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    x = sd["transformer.wte.weight"][idx] + sd["transformer.wpe.weight"][:T]
    for i in range(cfg["n_layer"]):
        h = f"transformer.h.{i}."
        q, k, v = lin(norm(x, h + "ln_1"), h + "attn.c_attn").split(C, dim=2)
        att = heads(q) @ heads(k).transpose(-2, -1) / math.sqrt(C // H)
        att = att.masked_fill(future, float("-inf")).softmax(dim=-1)
        y = (att @ heads(v)).transpose(1, 2).reshape(B, T, C)
        x = x + lin(y, h + "attn.c_proj")
        x = x + lin(F.gelu(lin(norm(x, h + "ln_2"), h + "mlp.c_fc")), h + "mlp.c_proj")
    return lin(norm(x, "transformer.ln_f"), "lm_head")  # (B, T, vocab)


def expected_names(cfg, tied):
    parts = [".weight", ".bias"] if cfg["bias"] else [".weight"]
    names = ["transformer.wte.weight", "transformer.wpe.weight"]
    for i in range(cfg["n_layer"]):
        for layer in ["ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj"]:
            names += [f"transformer.h.{i}.{layer}{p}" for p in parts]
    names += ["transformer.ln_f" + p for p in parts]
    return names + (["lm_head.weight"] if tied else ["lm_head" + p for p in parts])


def check_forward(name, path, logits, stderr, tokens):
    sd = load_file(path)
    cfg, meta = config_of(path)
    tied = meta["tied"] == "true"
    assert sorted(sd) == sorted(expected_names(cfg, tied)), sorted(sd)
    C, V = cfg["n_embd"], cfg["vocab_size"]
    assert all(t.dtype == torch.float32 for t in sd.values())
    assert sd["transformer.h.0.attn.c_attn.weight"].shape == (3 * C, C)
    assert sd["transformer.h.0.mlp.c_fc.weight"].shape == (int(meta["d_ff"]), C)
    assert sd["lm_head.weight"].shape == (V, C)
    if tied:
        assert torch.equal(sd["lm_head.weight"], sd["transformer.wte.weight"])
    if cfg["bias"]:  # trained, so the biases moved: a mixed-up bias would show in the logits
        assert sd["transformer.h.0.attn.c_attn.bias"].abs().max() > 1e-3
    notes = [line for line in stderr.splitlines() if line.startswith("note: nanoGPT's model.py")]
    assert len(notes) == (0 if tied else 3), stderr
    ref = gpt_forward({k: v.double() for k, v in sd.items()}, cfg, torch.tensor([tokens]))[0]
    diff = (ref - logits.double()).abs().max().item()
    print(f"{name}: {len(sd)} tensors, logits ({len(tokens)}, {V}) up to "
          f"{ref.abs().max().item():.2f}; max |scalelab - forward here| = {diff:.2e}")
    assert diff < TOLERANCE, f"{name}: logits differ by {diff} (tolerance {TOLERANCE})"


def check_nanogpt(nanogpt, name, path, logits, tokens):
    cfg, meta = config_of(path)
    if meta["tied"] != "true" or int(meta["d_ff"]) != 4 * cfg["n_embd"]:
        print(f"{name}: skipped, nanoGPT's model.py cannot hold it (tied {meta['tied']}, "
              f"d_ff {meta['d_ff']})")
        return
    model = nanogpt.GPT(nanogpt.GPTConfig(**cfg))
    model.load_state_dict(load_file(path))  # strict: every name and shape must match
    model.eval()
    idx = torch.tensor([tokens])
    with torch.no_grad():
        last, _ = model(idx)  # without targets: the last position only, (1, 1, vocab)
        every, _ = model(idx, targets=idx)  # with targets: every position, (1, T, vocab)
    d_last = (last[0, -1] - logits[-1]).abs().max().item()
    d_every = (every[0] - logits).abs().max().item()
    print(f"{name}: max |scalelab - nanoGPT model.py| = {d_last:.2e} (last position), "
          f"{d_every:.2e} (all {len(tokens)} positions)")
    assert max(d_last, d_every) < TOLERANCE, f"{name}: nanoGPT's logits differ by {d_every}"


def load_nanogpt():
    root = os.environ.get("SCALELAB_NANOGPT_DIR", "")
    path = os.path.join(root, "model.py")
    if not root or not os.path.isfile(path):
        print("skipped: set SCALELAB_NANOGPT_DIR to a directory holding nanoGPT's model.py "
              f"(now {root!r}) to load the exports into nanoGPT itself")
        sys.exit(SKIPPED)
    spec = importlib.util.spec_from_file_location("nanogpt_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    scalelab, with_nanogpt = sys.argv[1], "--nanogpt" in sys.argv[2:]
    nanogpt = load_nanogpt() if with_nanogpt else None
    torch.manual_seed(0)
    tokens = torch.randint(0, 256, (16,)).tolist()  # a full context, ids beyond the data's too
    with tempfile.TemporaryDirectory(prefix="scalelab_safetensors_") as tmp:
        for name, run_dir in train_runs(scalelab, tmp).items():
            logits, stderr = export(scalelab, run_dir, tokens)
            path = os.path.join(run_dir, "model.safetensors")
            if nanogpt:
                check_nanogpt(nanogpt, name, path, logits, tokens)
            else:
                check_forward(name, path, logits, stderr, tokens)
    print("ok")


if __name__ == "__main__":
    main()
