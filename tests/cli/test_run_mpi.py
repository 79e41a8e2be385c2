#!/usr/bin/python3
"""MPI ensembles with a real launcher (DESIGN invariants 3 and 4, issue 6): members are split
across ranks, rank 0 gathers and scores them, one NetCDF file comes out, and it is bit-identical
to the single-process run for 1, 2 and 3 ranks and any thread count or block size -- including
the extremes reducers, saved members, perturbed parameters, diverged members (NaN/Inf) and the
adaptive integrator's step counts summed over ranks. A rank that dies stops the run with an
error naming the rank, and no final file claims to be complete.

Run by ctest with BUTTERFLY and BUTTERFLY_MPIRUN set; by hand:
  BUTTERFLY=build/butterfly BUTTERFLY_MPIRUN="mpirun --allow-run-as-root --oversubscribe" \\
    /usr/bin/python3 tests/cli/test_run_mpi.py
"""
import glob
import os
import signal
import subprocess
import tempfile
import time
import unittest

from run_files import MPIRUN, assert_identical, command, read_all, run, wait_for

# 103 members: no rank count divides it, so the ranges differ in length.
EXPERIMENT = ["--set", "ensemble.members=103", "--set", "ensemble.starts=3",
              "--set", "run.length=2", "--set", "run.spinup=5", "--set", "output.every=0.5",
              "--set", "output.members_saved=60", "--set", "output.extremes=true",
              "--set", "output.thresholds=[1.0]",
              "--set", "parameters.forcing.law=\"normal\"", "--set", "parameters.forcing.mean=8.0",
              "--set", "parameters.forcing.sd=0.5"]
# Members blow up (dt too large for a large perturbation): their ids are reported and left out.
# (as tests/cli/test_run_reproducibility.py).
DIVERGING = ["--set", "ensemble.members=200", "--set", "ensemble.starts=2",
             "--set", "run.length=1", "--set", "run.spinup=2", "--set", "output.every=0.1",
             "--set", "integrator.dt=0.05", "--set", "perturbation.amplitude=8",
             "--set", "output.members_saved=50"]
# The adaptive scheme: its accepted/rejected step counts must add up over ranks.
ADAPTIVE = ["--set", "ensemble.members=41", "--set", "ensemble.starts=2", "--set",
            "run.length=1", "--set", "run.spinup=2", "--set", "output.every=0.5",
            "--set", "integrator.scheme=\"dopri5\""]


@unittest.skipUnless(MPIRUN, "BUTTERFLY_MPIRUN is not set (ctest sets it when MPI is on)")
class RunMpiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.dir = cls._tmp.name

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def check_ranks(self, name, experiment, cases):
        reference = self.path(f"{name}_reference.nc")
        run("run", *experiment, "--threads", "1", "-o", reference)
        for ranks, threads, extra in cases:
            with self.subTest(ranks=ranks, threads=threads, extra=extra):
                out = self.path(f"{name}_{ranks}x{threads}{len(extra)}.nc")
                result = run("run", *experiment, *extra, "--threads", str(threads), "-o", out,
                             ranks=ranks)
                assert_identical(self, reference, out)
                if ranks > 1:
                    self.assertIn(f"{ranks} ranks x {threads} thread", result.stdout)
        return reference

    def test_one_two_three_ranks_are_bit_identical(self):
        self.check_ranks("plain", EXPERIMENT, [
            (1, 1, []), (2, 1, []), (3, 1, []), (2, 2, ["--set", "run.block_size=7"]),
            (3, 1, ["--set", "run.block_size=1000"])])

    def test_diverged_members_are_the_same_on_any_ranks(self):
        reference = self.check_ranks("diverging", DIVERGING, [(2, 1, []), (3, 1, [])])
        variables, _ = read_all(reference)
        self.assertGreater(len(variables["diverged_member_id"]), 0, "nothing diverged")

    def test_adaptive_step_counts_add_up_over_ranks(self):
        reference = self.check_ranks("adaptive", ADAPTIVE, [(2, 1, []), (3, 2, [])])
        _, attributes = read_all(reference)
        self.assertGreater(int(attributes["integrator_accepted_steps"]), 0)

    def test_a_dying_rank_stops_the_run_naming_it(self):
        out = self.path("dies.nc")
        long_run = ["--set", "ensemble.members=20000", "--set", "ensemble.starts=10",
                    "--set", "run.length=10", "--set", "run.spinup=5"]
        process = subprocess.Popen(command("run", *long_run, "--threads", "1", "-o", out,
                                           ranks=3),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        victim = None
        deadline = time.monotonic() + 60
        while victim is None and time.monotonic() < deadline and process.poll() is None:
            victim = rank_pid(1, process.pid)
            time.sleep(0.05)
        self.assertIsNotNone(victim, "rank 1 never started")
        time.sleep(0.5)  # under way
        os.kill(victim, signal.SIGKILL)
        _, stderr = process.communicate(timeout=120)
        self.assertNotEqual(process.returncode, 0)
        self.assertIn("rank 1", stderr)
        self.assertFalse(os.path.exists(out), "a final file after a rank died")
        self.assertEqual(glob.glob(os.path.join(self.dir, ".dies.nc.*")), [], stderr)

    def test_an_interrupted_launcher_leaves_a_resumable_checkpoint(self):
        # SIGINT to mpirun (a user's Ctrl-C): mpirun passes a signal on to every rank, rank 0
        # decides where all of them stop, writes the checkpoint, and nothing claims to be
        # complete; resuming in one process ends bit-identical to an uninterrupted run.
        experiment = ["--set", "ensemble.members=3000", "--set", "ensemble.starts=5",
                      "--set", "run.length=10", "--set", "run.spinup=5",
                      "--set", "output.every=0.5", "--set", "output.members_saved=3",
                      "--set", "run.checkpoint_every=1"]
        out = self.path("interrupted.nc")
        process = subprocess.Popen(command("run", *experiment, "--threads", "1", "-o", out,
                                           ranks=2),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.assertTrue(wait_for(out + ".checkpoint", process), "no checkpoint was written")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        self.assertNotEqual(process.returncode, 0, stderr)
        self.assertFalse(os.path.exists(out), "a final file after the launcher was interrupted")
        self.assertTrue(os.path.exists(out + ".checkpoint"), stderr)
        run("run", *experiment, "-o", out, "--resume")
        reference = self.path("interrupted_reference.nc")
        run("run", *experiment, "-o", reference)
        assert_identical(self, reference, out)


def parent_pid(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])  # the field after the state


def descends_from(pid, ancestor):
    try:
        while pid > 1:
            pid = parent_pid(pid)
            if pid == ancestor:
                return True
    except OSError:
        pass
    return False


def rank_pid(rank, launcher):
    """The pid of the butterfly process that the launcher `launcher` started as `rank` (from
    its environment; only this launcher's: other tests may run MPI jobs at the same time)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = f.read().split(b"\0")
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0")[0]
        except OSError:
            continue
        if (os.path.basename(argv0) == b"butterfly"
                and f"OMPI_COMM_WORLD_RANK={rank}".encode() in environ
                and descends_from(int(pid), launcher)):
            return int(pid)
    return None


if __name__ == "__main__":
    unittest.main(verbosity=2)
