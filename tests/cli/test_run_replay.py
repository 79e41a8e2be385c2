#!/usr/bin/python3
"""Per-member replay (issue 6): `butterfly run --members 17,4242` integrates only those members
next to the truth and reproduces exactly their trajectories in the full run (DESIGN invariant 3:
every random number is keyed by the global member id, and a member's bits do not depend on the
block it shares). Checked against the saved members of larger runs: a 10^4-member run (member
4242 replayed alone, at a cost of 2 members instead of 10^4), and runs whose members differ by
more than their initial draw -- +/- pairs, perturbed parameters and SPPT stochastic physics.

Run by ctest with BUTTERFLY set; by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/cli/test_run_replay.py
"""
import os
import tempfile
import unittest

import numpy as np

from run_files import read_all, run

SHORT = ["--set", "run.length=2", "--set", "run.spinup=5", "--set", "output.every=0.5"]
CASES = {
    # 10^4 members, the first 4250 saved: replay members 17 and 4242.
    "large": (["--set", "ensemble.members=10000", "--set", "ensemble.starts=1",
               "--set", "output.members_saved=4250"], "17,4242"),
    # Pairs, perturbed forcing and SPPT, over 3 starts: replay a range and single ids.
    "stochastic": (["--set", "ensemble.members=64", "--set", "ensemble.starts=3",
                    "--set", "output.members_saved=64", "--set", "perturbation.pairs=true",
                    "--set", "parameters.forcing.law=\"uniform\"",
                    "--set", "parameters.forcing.low=7.5", "--set", "parameters.forcing.high=8.5",
                    "--set", "model.sppt_sigma=0.3", "--set", "model.sppt_tau=0.5"],
                   "63,5-7,30"),
}


class RunReplayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.dir = cls._tmp.name

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def check_case(self, name, expected_ids):
        experiment, members = CASES[name]
        full = self.path(f"{name}_full.nc")
        replay = self.path(f"{name}_replay.nc")
        run("run", *SHORT, *experiment, "-o", full)
        result = run("run", *SHORT, *experiment, "--members", members, "-o", replay)
        self.assertIn(f"replayed {len(expected_ids)} of", result.stdout)
        saved, _ = read_all(full)
        replayed, _ = read_all(replay)
        self.assertEqual(replayed["member"].tolist(), expected_ids)
        expected = saved["members"][:, :, expected_ids]
        self.assertEqual(replayed["members"].shape, expected.shape)
        self.assertEqual(replayed["members"].tobytes(), expected.tobytes())
        self.assertEqual(replayed["truth"].tobytes(), saved["truth"].tobytes())
        self.assertEqual(replayed["start_time"].tobytes(), saved["start_time"].tobytes())
        # Not trivially equal: members differ from each other and from the truth.
        self.assertFalse(np.array_equal(expected[-1, :, 0], expected[-1, :, 1]))

    def test_members_of_a_large_run(self):
        self.check_case("large", [17, 4242])

    def test_pairs_parameters_and_stochastic_physics(self):
        self.check_case("stochastic", [5, 6, 7, 30, 63])

    def test_bad_member_lists(self):
        for members, fragment in (("100", "member 100 does not exist; the run has 100 members"),
                                  ("3,x", "got 'x'"), ("9-4", "runs backwards"), ("", "got ''")):
            with self.subTest(members=members):
                result = run("run", *SHORT, "--set", "ensemble.members=100", "--members",
                             members, "-o", self.path("bad.nc"), check=False)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("--members", result.stderr)
                self.assertIn(fragment, result.stderr)
                self.assertFalse(os.path.exists(self.path("bad.nc")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
