"""`train.log: tensorboard` read back by TensorBoard itself: build/scalelab trains a tiny run with
an interruption, a crash's leftovers and a resume, and TensorBoard's EventAccumulator must return
exactly metrics.jsonl's rows (every step once, each value as float32) for every scalar.

Usage: tensorboard_test.py BUILD/scalelab   (CTest runs it with the virtual environment's python;
scripts/setup.sh installs the tensorboard package there).
"""
import glob
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

try:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.compat.proto import event_pb2
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
except ImportError as e:
    sys.exit(f"{e}: this test needs the tensorboard package; run bash scripts/setup.sh")

SCALELAB = None
TAGS = ["train_loss", "val_loss", "val_bpb", "lr", "grad_norm", "tokens_per_s", "tokens"]


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def run(*args, expect=0):
    r = subprocess.run([SCALELAB, *args], capture_output=True, text=True)
    if r.returncode != expect:
        raise AssertionError(f"scalelab {' '.join(args)}: exit {r.returncode}, not {expect}\n"
                             f"{r.stdout}{r.stderr}")
    return r.stdout + r.stderr


def metrics_rows(run_dir):
    import json
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def scalars(tb_dir):
    acc = EventAccumulator(tb_dir, size_guidance={"scalars": 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def record(event):
    data = event.SerializeToString()
    header = struct.pack("<Q", len(data))
    return (header + struct.pack("<I", masked_crc32c(header)) + data +
            struct.pack("<I", masked_crc32c(data)))


def events_of(path):
    """Every record of an event file as an Event, checking the framing to the last byte."""
    with open(path, "rb") as f:
        data = f.read()
    out, at = [], 0
    while at < len(data):
        (n,) = struct.unpack_from("<Q", data, at)
        (crc_n,) = struct.unpack_from("<I", data, at + 8)
        assert crc_n == masked_crc32c(data[at:at + 8]), f"{path}: length CRC at byte {at}"
        body = data[at + 12:at + 12 + n]
        (crc_body,) = struct.unpack_from("<I", data, at + 12 + n)
        assert crc_body == masked_crc32c(body), f"{path}: data CRC at byte {at}"
        out.append(event_pb2.Event.FromString(body))
        at += 16 + n
    return out


def scalar_event(step, value):
    e = event_pb2.Event(wall_time=1.0, step=step)
    for tag in TAGS:
        e.summary.value.add(tag=tag, simple_value=value)
    return e


class TensorboardLogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="scalelab_tensorboard_")
        cls.data = os.path.join(cls.tmp, "markov")
        run("prepare", "--source", "synthetic:markov?symbols=16&tokens=150000&seed=2", "--out",
            cls.data)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def config(self, name, log):
        path = os.path.join(self.tmp, name + ".yaml")
        with open(path, "w") as f:
            f.write(f"""name: {name}
model: {{n_layer: 2, d_model: 32, n_head: 2, ctx: 32, vocab: 256}}
data: {{path: {self.data}}}
optim: {{lr: 1e-2}}
train:
  tokens: {60 * 16 * 32}
  batch_size: 16
  threads: 1
  log_every: 5
  eval_every: 20
  eval_tokens: 2048
  checkpoint_every: 10
{"  log: " + log if log else ""}
""")
        return path

    def assert_scalars_equal_rows(self, tb_dir, rows):
        got = scalars(tb_dir)
        self.assertEqual(sorted(got), sorted(TAGS))
        for tag in TAGS:
            want = [(r["step"], f32(r[tag])) for r in rows if r.get(tag) is not None]
            self.assertEqual(got[tag], want, tag)
        self.assertEqual([s for s, _ in got["train_loss"]], [r["step"] for r in rows])

    def test_scalars_equal_the_metrics_rows_across_a_crash_and_a_resume(self):
        cfg = self.config("tb", "tensorboard")
        run_dir = os.path.join(self.tmp, "tb-run")
        tb_dir = os.path.join(run_dir, "tensorboard")
        run("train", cfg, "--run-dir", run_dir, "--no-progress", "--stop-after-steps", "30",
            expect=75)
        (first,) = glob.glob(os.path.join(tb_dir, "*"))
        self.assertRegex(os.path.basename(first), r"^events\.out\.tfevents\.\d{10}\.[^/]+$")
        rows = metrics_rows(run_dir)
        self.assertEqual([r["step"] for r in rows], [5, 10, 15, 20, 25, 30])
        self.assert_scalars_equal_rows(tb_dir, rows)

        # What a session killed after its checkpoint at 30 leaves: rows logged past the
        # checkpoint, then a record cut short mid-write. TensorBoard reads up to the torn record.
        with open(first, "ab") as f:
            f.write(record(scalar_event(35, 99.0)) + record(scalar_event(40, 99.0)))
            f.write(record(scalar_event(45, 99.0))[:20])
        self.assertEqual([s for s, _ in scalars(tb_dir)["train_loss"]], [5, 10, 15, 20, 25, 30,
                                                                         35, 40])

        out = run("train", cfg, "--run-dir", run_dir, "--no-progress")
        self.assertIn("resuming", out)
        files = sorted(glob.glob(os.path.join(tb_dir, "*")))
        self.assertEqual(len(files), 2)  # one a session, the first trimmed back to step 30
        rows = metrics_rows(run_dir)
        self.assertEqual([r["step"] for r in rows], list(range(5, 61, 5)))
        self.assertEqual([r["step"] for r in rows if "val_loss" in r], [20, 40, 60])
        self.assert_scalars_equal_rows(tb_dir, rows)

        # Each file opens with the version and marks its session's start; the first was cut back
        # to the checkpoint (no rows past it, no torn record), the second has the rest.
        starts = []
        for path in files:
            events = events_of(path)
            self.assertEqual(events[0].file_version, "brain.Event:2")
            # TensorBoard's own reader sees the same records, and they are protobuf's own bytes.
            self.assertEqual([e.SerializeToString() for e in events],
                             list(RawEventFileLoader(path).Load()))
            starts.append([(e.step, e.session_log.status) for e in events
                           if e.HasField("session_log")])
        self.assertEqual(starts, [[(1, event_pb2.SessionLog.START)],
                                  [(31, event_pb2.SessionLog.START)]])
        self.assertEqual([e.step for e in events_of(files[0]) if e.HasField("summary")],
                         [5, 10, 15, 20, 25, 30])
        self.assertEqual([e.step for e in events_of(files[1]) if e.HasField("summary")],
                         list(range(35, 61, 5)))

        # A reader of files left as a crash left them: a torn tail in the first file, the second
        # still read.
        copy = os.path.join(self.tmp, "tb-copy")
        shutil.copytree(tb_dir, copy)
        with open(os.path.join(copy, os.path.basename(files[0])), "ab") as f:
            f.write(record(scalar_event(45, 99.0))[:-3])
        self.assert_scalars_equal_rows(copy, rows)

    def test_a_log_turned_on_at_a_resume_has_the_earlier_rows(self):
        run_dir = os.path.join(self.tmp, "late-run")
        run("train", self.config("late", ""), "--run-dir", run_dir, "--no-progress",
            "--stop-after-steps", "20", expect=75)
        self.assertFalse(os.path.exists(os.path.join(run_dir, "tensorboard")))
        with open(os.path.join(run_dir, "config.yaml")) as f:
            self.assertNotIn("log:", f.read())  # the key is written only when set
        run("train", self.config("late", ""), "train.log=tensorboard", "--run-dir", run_dir,
            "--no-progress")
        rows = metrics_rows(run_dir)
        self.assertEqual([r["step"] for r in rows], list(range(5, 61, 5)))
        self.assert_scalars_equal_rows(os.path.join(run_dir, "tensorboard"), rows)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    SCALELAB = sys.argv.pop(1)
    unittest.main(verbosity=2)
