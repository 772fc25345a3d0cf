"""scalelab's Muon (train/muon.h, FlatMuon) against PyTorch's own torch.optim.Muon.

build/tests/train/muon_reference_trace writes FlatMuon's parameters after each of a few steps on a
tall, a wide and a square matrix (two cases: Nesterov with momentum 0.95, plain momentum 0.9; both
with decoupled weight decay and a decaying lr), with the gradients it was given; this test hands the
same gradients to torch.optim.Muon (adjust_lr_fn="original") and compares the parameters after
every step.

torch.optim.Muon always runs its Newton-Schulz iteration in bf16 (on any device), FlatMuon in
float32 on the CPU, so the two can only agree to bf16's precision. The comparison is therefore
split in three:
  1. NS5 alone: our float32 output against a float64 evaluation of the same quintic iteration
     written below (NS_FLOAT32_TOLERANCE), and our bf16 output against torch's bf16 function,
     _zeropower_via_newtonschulz, on the same input (NS_BF16_TOLERANCE).
  2. The optimizer's semantics (the momentum's and Nesterov's mixing weights, lr adjustment,
     decoupled decay, lr per step) tightly: torch.optim.Muon's own step with only its NS function swapped for the float64
     one (unittest.mock.patch.object on torch.optim._muon), so every difference left is our
     float32 iteration's rounding (STEP_TOLERANCE). Replays with Nesterov flipped, without weight
     decay or with Moonshot's lr adjustment must miss that tolerance by far: the check can fail.
  3. torch.optim.Muon unchanged, bf16 iteration and all, within a bound measured from bf16's
     rounding (BF16_STEP_TOLERANCE).
Muon must leave the buffer's entries after the matrices (AdamW's part) unchanged. The docstring of
torch.optim.Muon writes the momentum as a sum (B = mu B + g), its code as an EMA (lerp) as ours
does: the two differ by the factor 1 / (1 - mu), which NS5's normalisation removes, so no trace can
tell them apart.

Usage: muon_reference_test.py MUON_REFERENCE_TRACE_BINARY
"""
import contextlib
import os
import subprocess
import sys
import tempfile
from unittest import mock

try:
    import torch
    from safetensors import safe_open
    from torch.optim import _muon
except ImportError as e:
    sys.exit(f"{sys.executable} lacks {e.name}: scripts/setup.sh installs torch and safetensors "
             "into .venv")

# Measured on this trace (2026-12-05, torch 2.11, CPU; the maxima over shapes and cases in
# brackets), each bound a few times the measured maximum:
NS_FLOAT32_TOLERANCE = 1e-5   # max |NS5 float32 - NS5 float64|, entries ~0.2 [1.1e-6]
NS_BF16_TOLERANCE = 0.0       # ours in bf16 against torch's bf16 function [0: the same operations
#                               in the same order, and the C++ build links this venv's libtorch]
STEP_TOLERANCE = 2e-6         # max |W ours - W torch with float64 NS5|, |W| ~ 1, 5 steps [2.4e-7]
BF16_STEP_TOLERANCE = 1e-3    # max |W ours - W torch as shipped (bf16 NS5)| [3.6e-4]; each NS5
#                               output alone differs from float64 by up to 1.1e-2 in bf16
MISS_FACTOR = 10              # a wrong semantics must miss STEP_TOLERANCE by at least this
#                               [it misses by 5e-3 to 7e-2: 2500 to 35000 times STEP_TOLERANCE]
A, B, C = 3.4445, -4.7750, 2.0315


def ns5_float64(g, ns_coefficients=(A, B, C), ns_steps=5, eps=1e-7):
    """The quintic Newton-Schulz iteration in float64: X = G / ||G||_F (transposed when tall),
    then ns_steps times A = X X^T, X = a X + (b A + c A^2) X. Signature of torch's function."""
    a, b, c = ns_coefficients
    x = g.to(torch.float64)
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    x = x / max(x.norm().item(), eps)
    for _ in range(ns_steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


def parse_case(text):
    fields = dict(kv.split("=") for kv in text.split())
    return dict(momentum=float(fields["momentum"]), nesterov=fields["nesterov"] == "1",
                weight_decay=float(fields["weight_decay"]),
                lrs=[float(x) for x in fields["lrs"].split(",")])


def matrices(flat, shapes):
    """The Muon matrices of a flat buffer, as (rows, cols) views, in buffer order."""
    out, offset = [], 0
    for rows, cols in shapes:
        out.append(flat[offset:offset + rows * cols].view(rows, cols))
        offset += rows * cols
    return out


def replay(trace, case_index, shapes, case, ns_function=None, **overrides):
    """torch.optim.Muon over the case's gradients; returns the parameters after each step, a list
    (per step) of lists (per matrix). ns_function replaces torch's NS5; overrides its arguments."""
    start = trace[f"case{case_index}.params.0"]
    params = [m.clone() for m in matrices(start, shapes)]
    options = dict(lr=case["lrs"][0], weight_decay=case["weight_decay"],
                   momentum=case["momentum"], nesterov=case["nesterov"], adjust_lr_fn="original")
    options.update(overrides)
    opt = torch.optim.Muon(params, **options)
    after = []
    patch = (mock.patch.object(_muon, "_zeropower_via_newtonschulz", ns_function)
             if ns_function else contextlib.nullcontext())
    with patch:
        for t, lr in enumerate(case["lrs"]):
            grads = matrices(trace[f"case{case_index}.grads.{t}"], shapes)
            for p, g in zip(params, grads):
                p.grad = g.clone()
            opt.param_groups[0]["lr"] = lr
            opt.step()
            after.append([p.detach().clone() for p in params])
    return after


def max_step_difference(trace, case_index, shapes, case, replayed):
    worst = 0.0
    for t, torch_params in enumerate(replayed):
        ours = matrices(trace[f"case{case_index}.params.{t + 1}"], shapes)
        for o, p in zip(ours, torch_params):
            worst = max(worst, (o.double() - p.double()).abs().max().item())
    return worst


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "muon_trace.safetensors")
        p = subprocess.run([sys.argv[1], path], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"{sys.argv[1]} {path}: exit {p.returncode}\n{p.stdout}{p.stderr}")
        with safe_open(path, framework="pt") as f:
            meta = f.metadata()
            trace = {k: f.get_tensor(k) for k in f.keys()}

    shapes = [tuple(int(x) for x in s.split("x")) for s in meta["matrices"].split(",")]
    n_muon = sum(r * c for r, c in shapes)
    tail = int(meta["adamw_tail"])
    steps = int(meta["steps"])

    # 1. NS5 alone.
    for rows, cols in shapes:
        name = f"ns.{rows}x{cols}."
        g = trace[name + "input"]
        exact = ns5_float64(g)
        d32 = (trace[name + "float32"].double() - exact).abs().max().item()
        check(d32 <= NS_FLOAT32_TOLERANCE,
              f"NS5 {rows}x{cols}: float32 vs float64 max |diff| {d32:.2e} "
              f"(tolerance {NS_FLOAT32_TOLERANCE:.0e})")
        theirs = _muon._zeropower_via_newtonschulz(g, (A, B, C), 5, _muon.EPS).float()
        dbf = (trace[name + "bfloat16"] - theirs).abs().max().item()
        check(dbf <= NS_BF16_TOLERANCE,
              f"NS5 {rows}x{cols}: bf16 vs torch.optim.Muon's bf16 NS max |diff| {dbf:.2e} "
              f"(tolerance {NS_BF16_TOLERANCE:.0e})")
        dbf64 = (theirs.double() - exact).abs().max().item()
        print(f"      (torch's bf16 NS5 vs float64: max |diff| {dbf64:.2e})")

    case_index = 0
    while f"case{case_index}" in meta:
        case = parse_case(meta[f"case{case_index}"])
        assert len(case["lrs"]) == steps
        what = (f"case{case_index} (momentum {case['momentum']}, nesterov {case['nesterov']}, "
                f"weight_decay {case['weight_decay']}, {steps} steps)")
        # 2. Semantics, tightly: torch's step with a float64 NS5.
        d = max_step_difference(trace, case_index, shapes, case,
                                replay(trace, case_index, shapes, case, ns5_float64))
        check(d <= STEP_TOLERANCE, f"{what}: vs torch.optim.Muon (float64 NS5) max |W diff| "
                                   f"{d:.2e} (tolerance {STEP_TOLERANCE:.0e})")
        for label, override in [("nesterov flipped", dict(nesterov=not case["nesterov"])),
                                ("no weight decay", dict(weight_decay=0.0)),
                                ("adjust_lr_fn match_rms_adamw",
                                 dict(adjust_lr_fn="match_rms_adamw"))]:
            wrong = max_step_difference(
                trace, case_index, shapes, case,
                replay(trace, case_index, shapes, case, ns5_float64, **override))
            check(wrong > MISS_FACTOR * STEP_TOLERANCE,
                  f"{what}: torch with {label} differs by {wrong:.2e} "
                  f"(must exceed {MISS_FACTOR * STEP_TOLERANCE:.0e})")
        # 3. torch.optim.Muon as shipped: bf16 NS5.
        d = max_step_difference(trace, case_index, shapes, case,
                                replay(trace, case_index, shapes, case))
        check(d <= BF16_STEP_TOLERANCE, f"{what}: vs torch.optim.Muon (its bf16 NS5) max |W diff| "
                                        f"{d:.2e} (tolerance {BF16_STEP_TOLERANCE:.0e})")
        before = trace[f"case{case_index}.params.0"][n_muon:]
        after = trace[f"case{case_index}.params.{steps}"][n_muon:]
        check(before.numel() == tail and torch.equal(before, after),
              f"{what}: the {tail} entries after the matrices are untouched")
        case_index += 1
    check(case_index >= 2, f"the trace holds {case_index} cases (2 expected)")

    if failures:
        sys.exit(f"{len(failures)} check(s) failed")
    print("all checks passed")


if __name__ == "__main__":
    main()
