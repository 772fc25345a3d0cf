"""The Llama- and nanochat-style variants against an independent PyTorch forward. Tiny runs of
model.preset llama (with grouped-query attention, and under muP at m = 4) and nanochat are trained
by build/scalelab and
exported to safetensors; a forward written below with PyTorch's own operators (F.rms_norm,
F.scaled_dot_product_attention with enable_gqa, F.silu, RoPE as a complex multiplication) in float64
must give the logits `scalelab export-weights --logits-for` prints, to TOLERANCE.

Usage: architecture_reference_test.py SCALELAB_BINARY
"""
import json
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

TOLERANCE = 1e-5  # max |logit difference| (float32 logits of size ~5)
N_LAYER, D, N_HEAD, CTX, VOCAB, THETA, EPS = 2, 32, 4, 16, 256, 10000.0, 1e-5

# (name, model keys after the preset line, the forward's options)
RUNS = [
    ("llama_gqa", "  preset: llama\n  n_kv_head: 2\n  ff_multiple: 16\n",
     dict(kv_heads=2, gain=True, mlp="swiglu", qk_norm=False)),
    ("nanochat", "  preset: nanochat\n", dict(kv_heads=N_HEAD, gain=False, mlp="relu2",
                                               qk_norm=True)),
    # muP with base_width 8: m = D / 8 = 4, attention scores x sqrt(hs / m) / hs, logits / m
    ("llama_mup", "  preset: llama\n  ff_multiple: 16\n  parametrization: mup\n  base_width: 8\n",
     dict(kv_heads=N_HEAD, gain=True, mlp="swiglu", qk_norm=False, mup_m=D / 8)),
]


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stdout}{p.stderr}")
    return p


def rope(x):
    """x (B, H, T, hs): coordinates i and i + hs/2 as the complex number x_i + i x_{i+hs/2},
    multiplied by exp(i t theta^(-2i/hs))."""
    hs, T = x.shape[-1], x.shape[-2]
    freq = THETA ** (-torch.arange(0, hs, 2, dtype=torch.float64) / hs)
    turn = torch.polar(torch.ones(T, hs // 2, dtype=torch.float64),
                       torch.outer(torch.arange(T, dtype=torch.float64), freq))
    z = torch.complex(x[..., : hs // 2], x[..., hs // 2:]) * turn
    return torch.cat([z.real, z.imag], dim=-1)


def forward(sd, o, idx):
    """Pre-norm decoder with RMSNorm, RoPE, grouped heads; idx (1, T) -> logits (1, T, V)."""
    B, T = idx.shape
    hs, kvh = D // N_HEAD, o["kv_heads"]

    def lin(x, name):
        return F.linear(x, sd[name + ".weight"], sd.get(name + ".bias"))

    def norm(x, name):
        return F.rms_norm(x, (x.shape[-1],), sd.get(name + ".weight") if o["gain"] else None, EPS)

    x = sd["transformer.wte.weight"][idx]
    for i in range(N_LAYER):
        h = f"transformer.h.{i}."
        q, k, v = lin(norm(x, h + "ln_1"), h + "attn.c_attn").split([D, kvh * hs, kvh * hs], 2)
        q = rope(q.view(B, T, N_HEAD, hs).transpose(1, 2))
        k = rope(k.view(B, T, kvh, hs).transpose(1, 2))
        v = v.view(B, T, kvh, hs).transpose(1, 2)
        if o["qk_norm"]:
            q, k = F.rms_norm(q, (hs,), eps=EPS), F.rms_norm(k, (hs,), eps=EPS)
        m = o.get("mup_m", 1.0)
        scale = (hs / m) ** 0.5 / hs  # 1 / sqrt(hs) when m = 1
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=kvh != N_HEAD,
                                           scale=scale)
        x = x + lin(y.transpose(1, 2).reshape(B, T, D), h + "attn.c_proj")
        u = lin(norm(x, h + "ln_2"), h + "mlp.c_fc")
        if o["mlp"] == "swiglu":
            gate, up = u.chunk(2, dim=-1)
            u = F.silu(gate) * up
        else:
            u = F.relu(u).square()
        x = x + lin(u, h + "mlp.c_proj")
    return lin(norm(x, "transformer.ln_f"), "lm_head") / o.get("mup_m", 1.0)


def main():
    scalelab = sys.argv[1]
    torch.manual_seed(0)
    tokens = torch.randint(0, VOCAB, (CTX,)).tolist()
    with tempfile.TemporaryDirectory(prefix="scalelab_arch_ref_") as tmp:
        data = os.path.join(tmp, "markov")
        run([scalelab, "prepare", "--source", "synthetic:markov?symbols=16&tokens=20000&seed=3",
             "--block-tokens", "2048", "--out", data])
        for name, keys, o in RUNS:
            cfg = os.path.join(tmp, name + ".yaml")
            with open(cfg, "w") as f:
                f.write(f"name: {name}\nmodel:\n{keys}  n_layer: {N_LAYER}\n  d_model: {D}\n"
                        f"  n_head: {N_HEAD}\n  ctx: {CTX}\n  vocab: {VOCAB}\n"
                        f"data:\n  path: {data}\noptim:\n  lr: 1e-2\n"
                        "train:\n  tokens: 3840\n  batch_size: 8\n  threads: 1\n  log_every: 10\n"
                        "  eval_every: 100\n  eval_tokens: 256\n  checkpoint_every: 0\n")
            run_dir = os.path.join(tmp, name)
            run([scalelab, "train", cfg, "--run-dir", run_dir, "--no-progress"])  # 30 steps
            p = run([scalelab, "export-weights", run_dir, "--logits-for",
                     ",".join(map(str, tokens))])
            logits = torch.tensor(json.loads(p.stdout)["logits"], dtype=torch.float64)
            path = os.path.join(run_dir, "model.safetensors")
            sd = {k: v.double() for k, v in load_file(path).items()}
            with safe_open(path, framework="pt") as f:
                meta = f.metadata()
            assert float(meta["rope_theta"]) == THETA, meta
            want = {"pos": "rope", "norm": "rmsnorm",
                    "mlp": o["mlp"], "tied": "false"}
            if o["kv_heads"] != N_HEAD:
                want["n_kv_head"] = str(o["kv_heads"])
            if not o["gain"]:
                want["norm_gain"] = "false"
            if o["qk_norm"]:
                want["qk_norm"] = "true"
            if "mup_m" in o:
                want["parametrization"] = "mup"
                assert float(meta["logit_mult"]) == 1 / o["mup_m"], meta
            assert all(meta.get(k) == v for k, v in want.items()), (want, meta)
            assert "transformer.wpe.weight" not in sd, "RoPE models have no position table"
            assert ("transformer.h.0.ln_1.weight" in sd) == o["gain"], sorted(sd)
            ref = forward(sd, o, torch.tensor([tokens]))[0]
            diff = (ref - logits).abs().max().item()
            print(f"{name}: {len(sd)} tensors, logits ({CTX}, {VOCAB}) up to "
                  f"{ref.abs().max().item():.2f}; max |scalelab - PyTorch forward| = {diff:.2e}")
            assert diff < TOLERANCE, f"{name}: logits differ by {diff} (tolerance {TOLERANCE})"
    print("ok")


if __name__ == "__main__":
    main()
