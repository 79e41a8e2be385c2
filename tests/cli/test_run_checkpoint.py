#!/usr/bin/python3
"""Checkpoint and restart (DESIGN invariant 6, issue 6): a run with run.checkpoint_every,
killed outright (SIGKILL, a real process, mid-run) or stopped with SIGTERM, finishes with
`butterfly run --resume` to output bit-identical to a run that was never interrupted -- with
another thread count and under mpirun too (the checkpoint holds every member, so it does not
depend on how the members were spread). A corrupted, truncated, foreign or missing checkpoint is
refused with one line and nothing is written.

Run by ctest with BUTTERFLY set; by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/cli/test_run_checkpoint.py
"""
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from run_files import MPIRUN, assert_identical, command, run, stop, wait_for

# Long enough (about 1.5e7 member-steps) that a kill lands mid-run, with saved members and the
# extremes reducers so that every part of a checkpoint is exercised.
EXPERIMENT = ["--set", "ensemble.members=3000", "--set", "ensemble.starts=5",
              "--set", "run.length=10", "--set", "run.spinup=5", "--set", "output.every=0.5",
              "--set", "output.members_saved=7", "--set", "output.extremes=true",
              "--set", "output.thresholds=[0.0, 5.0]", "--set", "run.checkpoint_every=1"]


class RunCheckpointTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.dir = cls._tmp.name
        cls.reference = cls.path("reference.nc")
        run("run", *EXPERIMENT, "--threads", "1", "-o", cls.reference)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.dir, name)

    def interrupt(self, name, sig, delay_checkpoints=3):
        """Starts the run, waits for its checkpoint to be written `delay_checkpoints` times
        (so the run is under way), sends `sig`; returns (returncode, stderr, output path)."""
        out = self.path(name)
        checkpoint = out + ".checkpoint"
        process = subprocess.Popen(command("run", *EXPERIMENT, "--threads", "2", "-o", out),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seen = 0
        last = None
        while seen < delay_checkpoints and wait_for(checkpoint, process):
            stamp = os.stat(checkpoint).st_mtime_ns
            if stamp != last:
                seen += 1
                last = stamp
            if process.poll() is not None:
                break
        _, stderr = stop(process, sig)
        self.assertFalse(os.path.exists(out), "an interrupted run left a final output")
        self.assertTrue(os.path.exists(checkpoint), stderr)
        return process.returncode, stderr, out

    def test_sigkill_mid_run_then_resume_is_bit_identical(self):
        code, _, out = self.interrupt("killed.nc", signal.SIGKILL)
        self.assertEqual(code, -signal.SIGKILL, "the run ended before it could be killed")
        # The killed process's temporary is still there; the resumed run clears it.
        self.assertTrue(glob.glob(os.path.join(self.dir, ".killed.nc.tmp-*")))
        result = run("run", *EXPERIMENT, "--threads", "1", "-o", out, "--resume")
        assert_identical(self, self.reference, out)
        self.assertIn("member-steps in", result.stderr)  # the one-line summary (not a terminal)
        self.assertFalse(os.path.exists(out + ".checkpoint"), "a finished run keeps its checkpoint")
        self.assertEqual(glob.glob(os.path.join(self.dir, ".killed.nc.*")), [])

    def test_sigterm_stops_after_a_checkpoint_and_resumes_under_mpirun(self):
        code, stderr, out = self.interrupt("stopped.nc", signal.SIGTERM, delay_checkpoints=2)
        self.assertEqual(code, 130, stderr)
        self.assertIn("checkpoint", stderr.splitlines()[-1])
        self.assertIn("continue with --resume", stderr.splitlines()[-1])
        self.assertEqual(glob.glob(os.path.join(self.dir, ".stopped.nc.*")), [])
        # Keep a copy for the refusal tests, then resume on 2 ranks.
        shutil.copy(out + ".checkpoint", self.path("saved.checkpoint"))
        if MPIRUN:
            run("run", *EXPERIMENT, "--threads", "1", "-o", out, "--resume", ranks=2)
        else:
            run("run", *EXPERIMENT, "-o", out, "--resume")
        assert_identical(self, self.reference, out)

    def refused(self, checkpoint_bytes, *extra):
        """Resumes from a checkpoint holding `checkpoint_bytes`; returns the error line."""
        out = self.path("refused.nc")
        with open(out + ".checkpoint", "wb") as f:
            f.write(checkpoint_bytes)
        result = run("run", *EXPERIMENT, *extra, "-o", out, "--resume", check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(glob.glob(os.path.join(self.dir, ".refused.nc.*")), [])
        return result.stderr

    def saved_checkpoint(self):
        out = self.path("source.nc")
        self.interrupt("source.nc", signal.SIGTERM, delay_checkpoints=1)
        with open(out + ".checkpoint", "rb") as f:
            return f.read()

    def test_bad_checkpoints_are_refused(self):
        good = self.saved_checkpoint()
        flipped = bytearray(good)
        flipped[len(good) // 2] ^= 0x10
        self.assertIn("corrupted", self.refused(bytes(flipped)))
        self.assertIn("truncated", self.refused(good[:len(good) - 100]))
        self.assertIn("not a butterfly checkpoint", self.refused(b"CDF\x01" + good[4:]))
        # Another experiment's checkpoint: the message quotes the differing config line.
        message = self.refused(good, "--set", "run.seed=2")
        self.assertIn("seed = 1", message)
        self.assertIn("seed = 2", message)
        os.remove(self.path("refused.nc.checkpoint"))
        result = run("run", *EXPERIMENT, "-o", self.path("refused.nc"), "--resume", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("nothing to resume", result.stderr)

    def test_checkpoint_interval_must_be_whole_output_intervals(self):
        result = run("run", *EXPERIMENT, "--set", "run.checkpoint_every=0.75",
                     "-o", self.path("x.nc"), check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("run.checkpoint_every", result.stderr)
        self.assertIn("output.every", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
