#!/usr/bin/python3
"""output.extremes of `butterfly run` on a perfect-model twin experiment (issue 8).

At lead 0 the members and the truth are independent draws of the same Gaussian law around
the analysis (DESIGN invariant 5), so:
- the fraction of member values more than k ensemble sd from the ensemble mean matches the
  Gaussian expectation erfc(k / sqrt 2) (binomial tolerance over the member values);
- the outlier rate of the first-n subensemble matches its consistent value 2/(n+1);
- the Brier score decomposes exactly, reliability - resolution + uncertainty = score
  (Murphy 1973), at every lead and threshold;
- everything is bit-identical for 1 and 2 threads and block sizes 7 and 256.

Run by ctest with BUTTERFLY set; by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/cli/test_run_extremes.py
"""
import math
import os
import subprocess
import tempfile
import unittest
import warnings

import numpy as np

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="numpy.ndarray size changed")
    import netCDF4

BUTTERFLY = os.environ.get("BUTTERFLY", "build/butterfly")
RUN = ["--set", "ensemble.members=400", "--set", "ensemble.starts=10", "--set", "run.length=1",
       "--set", "output.every=0.5", "--set", "output.extremes=true",
       "--set", "output.thresholds=[3.0, 8.0]", "--set", "perturbation.amplitude=0.5"]


def run(out, *extra, threads=1):
    result = subprocess.run([BUTTERFLY, "run", *RUN, *extra, "--threads", str(threads),
                             "-o", out], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    with netCDF4.Dataset(out) as ds:
        ds.set_auto_maskandscale(False)
        return {name: np.array(v[...]) for name, v in ds.variables.items()}


class RunExtremesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.out = run(os.path.join(cls._tmp.name, "a.nc"))

    def test_tails_at_lead_zero_are_gaussian(self):
        d = self.out
        values = 400 * 10 * 40  # members x starts x variables
        for k in range(3):
            p = math.erfc((k + 1) / math.sqrt(2.0))
            # Values within a point are dependent through the sample mean and sd: allow 6 sd.
            tolerance = 6.0 * math.sqrt(p * (1.0 - p) / values) + 2e-3 * p
            self.assertAlmostEqual(d["tail_outside_fraction"][0, k], p, delta=tolerance)
            self.assertAlmostEqual(d["gaussian_outside_fraction"][k], p, places=12)

    def test_subensemble_outlier_rate_is_consistent_at_lead_zero(self):
        d = self.out
        points = 10 * 40
        for i, n in enumerate(d["size"]):
            expected = 2.0 / (n + 1.0)
            self.assertEqual(d["expected_subensemble_outlier_rate"][i], expected)
            # Points of one start share the analysis, so use a generous binomial bound.
            tolerance = 5.0 * math.sqrt(expected * (1.0 - expected) / points * 4.0)
            self.assertAlmostEqual(d["subensemble_outlier_rate"][0, i], expected, delta=tolerance)

    def test_brier_decomposition_is_exact(self):
        d = self.out
        total = d["brier_reliability"] - d["brier_resolution"] + d["brier_uncertainty"]
        np.testing.assert_allclose(total, d["brier_score"], rtol=0, atol=1e-14)
        self.assertTrue(np.all((d["roc_area"] >= 0) & (d["roc_area"] <= 1)))
        self.assertTrue(np.all(np.isfinite(d["energy_score"])))

    def test_threads_and_blocks_do_not_change_the_bits(self):
        for extra, threads in ((["--set", "run.block_size=7"], 2),
                               (["--set", "run.block_size=256"], 2)):
            other = run(os.path.join(self._tmp.name, "b.nc"), *extra, threads=threads)
            for name, value in self.out.items():
                self.assertTrue(np.array_equal(value, other[name], equal_nan=True), name)

    def test_thresholds_need_extremes(self):
        result = subprocess.run([BUTTERFLY, "run", "--set", "output.thresholds=[1.0]",
                                 "-o", os.path.join(self._tmp.name, "c.nc")],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 2)
        self.assertIn("output.thresholds", result.stderr)


if __name__ == "__main__":
    unittest.main()
