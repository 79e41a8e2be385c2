#!/usr/bin/python3
"""DESIGN invariant 3 through the command line: a run's output is bit-identical for any
thread count and any block size, and depends on the seed.

One reference run (1 thread, block_size 64) of a 100-member Lorenz-96 ensemble that saves 10
member trajectories; then the same experiment with 2 threads and with block_size 7 (blocks of
7 members, the saved members straddle blocks, the last block is partial), 64 and 1000 (one
block larger than the ensemble). Every variable of every file (coordinates and data, read raw
with netCDF4, no masking) must equal the reference's: same dtype and shape, numpy
array_equal with NaN == NaN, and the same bytes (so -0.0 vs 0.0 also counts as a difference).
The numeric global attributes derived from the run (saturation_rmse, climatological_std,
half_saturation_lead) must match too. A run with another seed must change the members, the
ensemble mean and the scores.

The same holds when members diverge (NaN/Inf, DESIGN invariant 6): with dt = 0.05 and a large
perturbation some members of a 200-member ensemble blow up; the list of diverged members
(id, start, lead), their per-start counts and everything else must be identical for 1 or 2
threads and block sizes 7, 64 and 1000, and the saved trajectories that hold NaN/Inf must be
exactly the saved members listed as diverged.

Run by ctest with BUTTERFLY set; by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/cli/test_run_reproducibility.py
"""
import os
import subprocess
import tempfile
import unittest
import warnings

import numpy as np

with warnings.catch_warnings():  # Debian's netCDF4 warns about numpy's ABI on import
    warnings.filterwarnings("ignore", message="numpy.ndarray size changed")
    import netCDF4

BUTTERFLY = os.environ.get("BUTTERFLY", "build/butterfly")

EXPERIMENT = ["--set", "ensemble.members=100", "--set", "ensemble.starts=3",
              "--set", "run.length=2", "--set", "run.spinup=5", "--set", "output.every=0.5",
              "--set", "output.members_saved=10", "--set", "output.extremes=true"]
RUN_ATTRIBUTES = ["saturation_rmse", "climatological_std", "half_saturation_lead"]


def read_all(path):
    """Every variable as a raw numpy array, and the run-derived global attributes."""
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_maskandscale(False)
        variables = {name: np.array(v[...]) for name, v in ds.variables.items()}
        attributes = {a: ds.getncattr(a) for a in RUN_ATTRIBUTES if a in ds.ncattrs()}
    return variables, attributes


class RunReproducibilityTest(unittest.TestCase):
    experiment = EXPERIMENT

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.dir = cls._tmp.name
        cls.outputs = {}

        def run(label, *args):
            out = os.path.join(cls.dir, label + ".nc")
            r = subprocess.run([BUTTERFLY, "run"] + cls.experiment + list(args) + ["-o", out],
                               capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                raise AssertionError(f"run {label} failed ({r.returncode}): {r.stderr}")
            cls.outputs[label] = read_all(out)

        run("reference", "--threads", "1", "--set", "run.block_size=64")
        run("threads2", "--threads", "2", "--set", "run.block_size=64")
        run("block7", "--threads", "2", "--set", "run.block_size=7")
        run("block7_threads1", "--threads", "1", "--set", "run.block_size=7")
        run("block1000", "--threads", "2", "--set", "run.block_size=1000")
        run("seed2", "--threads", "2", "--set", "run.block_size=64", "--set", "run.seed=2")

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def assert_identical(self, label):
        ref_vars, ref_attrs = self.outputs["reference"]
        vars_, attrs = self.outputs[label]
        self.assertEqual(sorted(vars_), sorted(ref_vars), f"{label}: other variables")
        for name, ref in ref_vars.items():
            got = vars_[name]
            self.assertEqual(got.dtype, ref.dtype, f"{label}: dtype of {name}")
            self.assertEqual(got.shape, ref.shape, f"{label}: shape of {name}")
            equal_nan = ref.dtype.kind == "f"
            if not np.array_equal(got, ref, equal_nan=equal_nan):
                differ = ~((got == ref) | (np.isnan(got) & np.isnan(ref)) if equal_nan
                           else (got == ref))
                self.fail(f"{label}: {name} differs from the reference at "
                          f"{int(np.count_nonzero(differ))} of {ref.size} values, first at "
                          f"{np.argwhere(differ)[0].tolist()}")
            self.assertEqual(got.tobytes(), ref.tobytes(),
                             f"{label}: {name} equal as numbers but not bit for bit")
        self.assertEqual(attrs.keys(), ref_attrs.keys(), f"{label}: run attributes")
        for name, value in ref_attrs.items():
            self.assertEqual(np.float64(attrs[name]).tobytes(), np.float64(value).tobytes(),
                             f"{label}: global attribute {name}")

    def test_reference_is_not_trivial(self):
        # Guards the comparisons below: the saved members and scores are real numbers that
        # vary, so equality is not vacuous.
        v, _ = self.outputs["reference"]
        self.assertEqual(v["members"].shape, (5, 3, 10, 40))
        self.assertTrue(np.all(np.isfinite(v["members"])))
        self.assertGreater(np.ptp(v["members"][-1]), 1.0)
        self.assertTrue(np.all(v["rmse"][1:] > 0))
        self.assertEqual(v["rank_histogram"].shape, (5, 101))

    def test_two_threads_match_one(self):
        self.assert_identical("threads2")

    def test_block_size_7(self):
        self.assert_identical("block7")

    def test_block_size_7_one_thread(self):
        self.assert_identical("block7_threads1")

    def test_block_size_1000(self):
        self.assert_identical("block1000")

    def test_seed_changes_results(self):
        ref, _ = self.outputs["reference"]
        other, _ = self.outputs["seed2"]
        for name in ["members", "ens_mean", "ens_spread", "rmse", "crps", "rank_histogram"]:
            self.assertFalse(np.array_equal(ref[name], other[name]),
                             f"{name} does not depend on run.seed")
        # Only the random draws change: the coordinates are those of the same experiment.
        for name in ["time", "start", "var", "member", "rank"]:
            np.testing.assert_array_equal(other[name], ref[name], err_msg=name)



DIVERGING = ["--set", "ensemble.members=200", "--set", "ensemble.starts=2",
             "--set", "run.length=1", "--set", "run.spinup=2", "--set", "output.every=0.1",
             "--set", "integrator.dt=0.05", "--set", "perturbation.amplitude=8",
             "--set", "output.members_saved=50"]


class DivergedReproducibilityTest(RunReproducibilityTest):
    experiment = DIVERGING

    def test_reference_is_not_trivial(self):
        v, _ = self.outputs["reference"]
        diverged = v["diverged_member_id"].size
        self.assertGreater(diverged, 0, "no member diverged: the experiment tests nothing")
        self.assertLess(diverged, 400)
        self.assertEqual(int(v["diverged_members"].sum()), diverged)
        self.assertEqual(v["diverged_start"].size, diverged)
        self.assertEqual(v["diverged_lead"].size, diverged)
        pairs = list(zip(v["diverged_start"].tolist(), v["diverged_member_id"].tolist()))
        self.assertEqual(len(set(pairs)), diverged, "a member is listed twice")
        # Each start's count matches its entries in the list.
        np.testing.assert_array_equal(
            v["diverged_members"], np.bincount(v["diverged_start"], minlength=2))
        # The saved trajectories with NaN/Inf are exactly the saved members listed as diverged.
        bad = ~np.all(np.isfinite(v["members"]), axis=(0, 3))  # (start, member)
        saved_bad = {(s, m) for s, m in zip(*np.nonzero(bad))}
        self.assertEqual(saved_bad, {(s, m) for s, m in pairs if m < 50})
        self.assertTrue(saved_bad, "no saved member diverged: the check above is vacuous")
        # A diverged member's lead is the first output time where its saved state is not finite.
        for s, m, lead in zip(v["diverged_start"], v["diverged_member_id"], v["diverged_lead"]):
            if m < 50:
                first = int(np.argmax(~np.all(np.isfinite(v["members"][:, s, m]), axis=1)))
                self.assertEqual(lead, v["time"][first], (s, m))

    def test_seed_changes_results(self):
        ref, _ = self.outputs["reference"]
        other, _ = self.outputs["seed2"]
        self.assertFalse(np.array_equal(ref["members"], other["members"], equal_nan=True))
        self.assertFalse(np.array_equal(ref["diverged_member_id"], other["diverged_member_id"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
