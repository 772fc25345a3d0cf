"""`scalelab prepare --tokenizer bpe:2000` checked by Python's sentencepiece (Debian's
python3-sentencepiece, a separate build of the library): Jane Austen's novels are prepared twice,
byte-level (whose token files are the split's text) and BPE in llm.c's layout; Python loads the
stored tokenizer.model, and its encoding of the split's text must equal the ids scalelab wrote, and
its decoding of them must give the text back. The llm.c files are read the way llm.c's own loader
reads them (numpy, a 256 x int32 header). Exits 77 (CTest: skipped) without sentencepiece or numpy.

Usage: sentencepiece_test.py SCALELAB_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile

SKIPPED = 77
try:
    import numpy as np
    import sentencepiece as spm
except ImportError as e:
    print(f"skipped: {sys.executable} lacks {e.name} (Debian's python3-sentencepiece, python3-numpy)")
    sys.exit(SKIPPED)


def prepare(binary, out, cache, *args):
    cmd = [binary, "prepare", "--source", "austen", "--out", out, "--cache-dir", cache, *args]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "meta.json")) as f:
        return json.load(f)


def read_llmc(path):
    """llm.c's _peek_data_shard/_load_data_shard: header of 256 int32, then uint16 tokens."""
    with open(path, "rb") as f:
        header = np.frombuffer(f.read(256 * 4), dtype=np.int32)
        assert header[0] == 20240520, f"{path}: magic {header[0]}"
        assert header[1] == 1, f"{path}: version {header[1]}"
        ntok = int(header[2])
        tokens = np.frombuffer(f.read(), dtype=np.uint16)
    assert len(tokens) == ntok, f"{path}: header says {ntok} tokens, file has {len(tokens)}"
    return tokens


def main():
    binary = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "cache")
        byte_dir, bpe_dir = os.path.join(tmp, "bytes"), os.path.join(tmp, "bpe")
        prepare(binary, byte_dir, cache)
        meta = prepare(binary, bpe_dir, cache, "--tokenizer", "bpe:2000", "--format", "llmc")
        if meta["tokenizer"] != "bpe" or meta["vocab_size"] != 2000:
            failures.append(f"meta.json says {meta['tokenizer']} {meta['vocab_size']}")
        if meta["format"] != "llmc-uint16":
            failures.append(f"meta.json format {meta['format']}")
        sp = spm.SentencePieceProcessor(model_file=os.path.join(bpe_dir, meta["tokenizer_model"]))
        if sp.get_piece_size() != 2000:
            failures.append(f"tokenizer.model has {sp.get_piece_size()} pieces")
        total_bytes = total_tokens = 0
        for split in ("train", "val"):
            text_bytes = np.fromfile(os.path.join(byte_dir, f"{split}.bin"), dtype=np.uint16)
            text = bytes(text_bytes.astype(np.uint8)).decode("utf-8")
            ids = read_llmc(os.path.join(bpe_dir, f"{split}.bin"))
            expected = sp.encode(text)
            if list(ids) != expected:
                first = next((i for i, (a, b) in enumerate(zip(ids, expected)) if a != b),
                             min(len(ids), len(expected)))
                failures.append(f"{split}: scalelab's {len(ids)} ids differ from Python's "
                                f"{len(expected)} at index {first}")
            if sp.decode(ids.tolist()) != text:
                failures.append(f"{split}: Python's decoding of scalelab's ids is not the text")
            total_bytes += len(text_bytes)
            total_tokens += len(ids)
            print(f"{split}: {len(text_bytes)} bytes -> {len(ids)} BPE tokens, "
                  f"{len(text_bytes) / len(ids):.3f} bytes/token; Python agrees: "
                  f"{list(ids) == expected}")
        if abs(meta["bytes_per_token"] - total_bytes / total_tokens) > 1e-9:
            failures.append(f"bytes_per_token {meta['bytes_per_token']} != "
                            f"{total_bytes / total_tokens}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
