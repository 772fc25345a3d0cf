#!/usr/bin/env python3
"""nanoGPT's model.py, timed the way `scalelab bench` times its own step (docs/bench.md).

The same preset shapes as scalelab's bench (no bias, tied head, no dropout), synthetic tokens, AdamW
from nanoGPT's own configure_optimizers (lr 1e-3, betas 0.9/0.95, weight decay 0.1 on matrices), global
grad-norm clipping at 1.0, on the CPU in float32 eagerly (as nanoGPT's train.py runs there). Prints one
JSON line: tokens_per_s, ms_per_step (median over the timed steps), steps. nanoGPT is not ours and not
in this repository: pass the directory holding its model.py.

    .venv/bin/python scripts/nanogpt_bench.py --nanogpt /path/to/nanoGPT --preset tiny --threads 1
"""
import argparse
import json
import statistics
import sys
import time

PRESETS = {  # n_layer, n_embd, n_head, block_size, batch, vocab (train/bench.cpp's kPresets)
    "tiny": (2, 128, 4, 128, 32, 256),
    "baby": (6, 384, 6, 256, 64, 65),
    "gpt2-small": (12, 768, 12, 1024, 12, 50304),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nanogpt", required=True, help="directory of nanoGPT's model.py")
    ap.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()

    sys.path.insert(0, a.nanogpt)
    import torch
    from model import GPT, GPTConfig  # nanoGPT's

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    n_layer, n_embd, n_head, T, B, vocab = PRESETS[a.preset]
    model = GPT(GPTConfig(block_size=T, vocab_size=vocab, n_layer=n_layer, n_head=n_head, n_embd=n_embd,
                          dropout=0.0, bias=False))
    model.train()
    opt = model.configure_optimizers(weight_decay=0.1, learning_rate=1e-3, betas=(0.9, 0.95), device_type="cpu")
    x = torch.randint(vocab, (B, T))
    y = torch.randint(vocab, (B, T))

    def step():
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    ms = 1000 * statistics.median(times)
    print(json.dumps({"preset": a.preset, "threads": a.threads, "steps": a.steps, "ms_per_step": ms,
                      "tokens_per_s": B * T / (ms / 1000), "torch_version": torch.__version__}))


if __name__ == "__main__":
    main()
