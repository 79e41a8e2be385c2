#!/usr/bin/python3
"""Failures of a long run (DESIGN invariant 6, issue 6), each with a real cause:

- the disk fills mid-run (the output goes to a real 256 KiB tmpfs): one line saying the file
  system is full, the temporary output removed, the last checkpoint intact, and --resume
  elsewhere ends bit-identical to an uninterrupted run;
- the output directory vanishes mid-run (removed while the run writes into it): one line saying
  so, nothing left, the checkpoint resumable;
- a run that cannot fit in its memory budget (--memory) says so before it starts, with the
  numbers, and writes nothing; a malformed budget is a usage error;
- a run whose stderr is not a terminal prints exactly one progress line, its summary.

Run by ctest with BUTTERFLY set (as root, for the tmpfs mount); by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/cli/test_run_failures.py
"""
import os
import shutil
import subprocess
import tempfile
import unittest

from run_files import assert_identical, command, run, wait_for

# About 32 kB of saved members per output time: the 256 KiB disk fills after a few.
EXPERIMENT = ["--set", "ensemble.members=400", "--set", "ensemble.starts=3",
              "--set", "run.length=5", "--set", "run.spinup=5", "--set", "output.every=0.5",
              "--set", "output.members_saved=100", "--set", "run.checkpoint_every=1"]


class RunFailuresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.dir = cls._tmp.name

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def path(self, *names):
        return os.path.join(self.dir, *names)

    def reference(self, checkpoint):
        """The uninterrupted run (its config names the same checkpoint path)."""
        out = self.path("reference_" + os.path.basename(checkpoint) + ".nc")
        run("run", *EXPERIMENT, "--set", f"run.checkpoint=\"{checkpoint}\"", "-o", out)
        return out

    def test_disk_full_mid_run(self):
        disk = self.path("disk")
        os.mkdir(disk)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", disk],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            self.skipTest(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
        self.addCleanup(subprocess.run, ["umount", disk])
        checkpoint = self.path("disk.checkpoint")
        experiment = [*EXPERIMENT, "--set", f"run.checkpoint=\"{checkpoint}\""]
        result = run("run", *experiment, "-o", os.path.join(disk, "out.nc"), check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertIn("is full", lines[-1])
        self.assertIn(f"checkpoint {checkpoint} is intact: continue with --resume", lines[-1])
        self.assertEqual(os.listdir(disk), [], "the temporary output was left on the full disk")
        resumed = self.path("disk_resumed.nc")
        run("run", *experiment, "-o", resumed, "--resume")
        assert_identical(self, self.reference(checkpoint), resumed)

    def test_disk_full_with_the_checkpoint_on_it(self):
        # The default checkpoint sits beside the output, on the same full disk: the last
        # checkpoint that fitted is intact (written atomically), and the error says how to
        # resume from it (or a copy with room for the next checkpoints): following it ends
        # bit-identical.
        disk = self.path("disk2")
        os.mkdir(disk)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", disk],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            self.skipTest(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
        self.addCleanup(subprocess.run, ["umount", disk])
        result = run("run", *EXPERIMENT, "-o", os.path.join(disk, "out.nc"), check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        line = result.stderr.strip().splitlines()[-1]
        self.assertIn("is full", line)
        checkpoint = os.path.join(disk, "out.nc.checkpoint")
        self.assertIn(f"checkpoint {checkpoint} is intact: continue with --resume -o ANOTHER.nc "
                      f"--set run.checkpoint='\"{checkpoint}\"' (or a copy of it on a disk with "
                      "room)", line)
        self.assertEqual(os.listdir(disk), ["out.nc.checkpoint"])
        moved = self.path("moved.checkpoint")
        shutil.move(checkpoint, moved)
        resumed = self.path("disk2_resumed.nc")
        run("run", *EXPERIMENT, "--resume", "-o", resumed, "--set", f"run.checkpoint=\"{moved}\"")
        reference = self.path("disk2_reference.nc")
        run("run", *EXPERIMENT, "-o", reference)
        assert_identical(self, reference, resumed)

    def test_output_directory_vanishes_mid_run(self):
        directory = self.path("vanishing")
        os.mkdir(directory)
        checkpoint = self.path("vanishing.checkpoint")
        experiment = [*EXPERIMENT, "--set", "ensemble.members=3000",
                      "--set", f"run.checkpoint=\"{checkpoint}\""]
        process = subprocess.Popen(
            command("run", *experiment, "--threads", "1", "-o", os.path.join(directory, "o.nc")),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.assertTrue(wait_for(checkpoint, process), "no checkpoint was written")
        shutil.rmtree(directory)
        _, stderr = process.communicate(timeout=120)
        self.assertEqual(process.returncode, 1, stderr)
        self.assertIn(f"directory '{directory}' vanished during the run", stderr)
        self.assertIn("is intact", stderr)
        self.assertFalse(os.path.exists(directory))
        resumed = self.path("vanishing_resumed.nc")
        run("run", *experiment, "-o", resumed, "--resume")
        reference = self.path("vanishing_reference.nc")
        run("run", *experiment, "-o", reference)
        assert_identical(self, reference, resumed)

    def test_memory_budget(self):
        out = self.path("budget.nc")
        result = run("run", "--set", "ensemble.members=100000", "--memory", "8M", "-o", out,
                     check=False)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        # 1e5 members x 40 variables x 8 B = 30.5 MiB of states alone.
        self.assertIn("member states 30.5 MiB = 100000 members x 40 variables x 8 B",
                      result.stderr)
        self.assertIn("--memory 8M allows 8.0 MiB", result.stderr)
        self.assertIn("at most", result.stderr)
        self.assertFalse(os.path.exists(out))
        result = run("run", "--memory", "lots", "-o", out, check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--memory: expected a size such as 4G", result.stderr)
        # The same run fits a larger budget (the blocks shrink to it, results do not change).
        run("run", *EXPERIMENT[:-2], "--memory", "64M", "-o", out)
        self.assertTrue(os.path.exists(out))

    def test_progress_is_one_summary_line_when_not_a_terminal(self):
        result = run("run", *EXPERIMENT[:-2], "-o", self.path("progress.nc"))
        progress = [line for line in result.stderr.splitlines() if "member-steps" in line]
        # 400 members x 3 starts x 500 steps.
        self.assertEqual(len(progress), 1, result.stderr)
        self.assertRegex(progress[0], r"^butterfly run: 6\.00e\+05 member-steps in [0-9.]+ s "
                                      r"\([0-9.e+]+ member-steps/s\)$")


if __name__ == "__main__":
    unittest.main(verbosity=2)
