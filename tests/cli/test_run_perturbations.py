#!/usr/bin/python3
"""Perturbation kinds and model perturbations of `butterfly run`, end to end.

- Perturbed parameters ([parameters.NAME]): a point mass at the nominal value reproduces the
  unperturbed run bit for bit (issue 8); a list law cycles its values across members
  (member m takes values[m mod L]) and the values are written per member; a normal law draws
  different values per member and changes the forecasts.
- SPPT ([model] sppt_sigma): sigma > 0 changes the members but not the truth (the truth runs
  unperturbed by default); every output is identical for 1 and 2 threads and block sizes 7
  and 64 (DESIGN invariant 3).
- perturbation.kind = lyapunov / bred: members lie in the span of perturbation.vectors
  vectors (rank of the initial member deviations = vectors), reproducibly across threads.
- Bad input: a lead-in longer than the spin-up, a kind the system cannot take, a wrong law key.

Run by ctest with BUTTERFLY set; by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/cli/test_run_perturbations.py
"""
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
BASE = ["--set", "ensemble.members=24", "--set", "ensemble.starts=2", "--set", "run.length=1",
        "--set", "run.spinup=5", "--set", "output.every=0.5", "--set", "output.members_saved=24"]


def run(out, *extra, threads=1):
    result = subprocess.run([BUTTERFLY, "run", *BASE, *extra, "--threads", str(threads),
                             "-o", out], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"butterfly run failed: {result.stderr}")
    with netCDF4.Dataset(out) as ds:
        ds.set_auto_maskandscale(False)
        return {name: np.array(v[...]) for name, v in ds.variables.items()}


class RunPerturbationsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.dir = cls._tmp.name
        cls.plain = run(cls.path("plain.nc"))

    @classmethod
    def path(cls, name):
        return os.path.join(cls.dir, name)

    def assert_same(self, a, b, skip=()):
        for name in a:
            if name in skip:
                continue
            self.assertIn(name, b)
            self.assertTrue(np.array_equal(a[name], b[name], equal_nan=True), name)

    def test_point_mass_at_the_nominal_value_reproduces_the_plain_run(self):
        point = run(self.path("point.nc"), "--set", "parameters.forcing.law=point",
                    "--set", "parameters.forcing.value=8")
        self.assert_same(self.plain, point)
        self.assertTrue(np.all(point["parameter_forcing"] == 8.0))

    def test_list_law_cycles_values_across_members(self):
        out = run(self.path("list.nc"), "--set", "parameters.forcing.law=list",
                  "--set", "parameters.forcing.values=[7.0, 8.0, 9.0]")
        expected = np.array([7.0, 8.0, 9.0] * 8)
        self.assertTrue(np.array_equal(out["parameter_forcing"], expected))
        self.assertFalse(np.array_equal(out["members"], self.plain["members"]))
        self.assertTrue(np.array_equal(out["truth"], self.plain["truth"]))

    def test_normal_law_draws_per_member(self):
        out = run(self.path("normal.nc"), "--set", "parameters.forcing.law=normal",
                  "--set", "parameters.forcing.mean=8", "--set", "parameters.forcing.sd=0.5")
        values = out["parameter_forcing"]
        self.assertEqual(len(np.unique(values)), 24)
        self.assertLess(abs(values.mean() - 8.0), 3 * 0.5 / np.sqrt(24))

    def test_sppt_changes_members_not_truth_and_is_reproducible(self):
        sppt = ["--set", "model.sppt_sigma=0.3", "--set", "model.sppt_tau=0.1"]
        a = run(self.path("sppt1.nc"), *sppt)
        b = run(self.path("sppt2.nc"), *sppt, "--set", "run.block_size=7", threads=2)
        c = run(self.path("sppt3.nc"), *sppt, "--set", "run.block_size=64", threads=2)
        self.assert_same(a, b)
        self.assert_same(a, c)
        self.assertTrue(np.array_equal(a["truth"], self.plain["truth"]))
        # At lead 0 nothing has been integrated; after it the tendencies differ.
        self.assertTrue(np.array_equal(a["members"][0], self.plain["members"][0]))
        self.assertFalse(np.array_equal(a["members"][1], self.plain["members"][1]))

    def check_span(self, kind, vectors):
        extra = ["--set", f"perturbation.kind={kind}", "--set", f"perturbation.vectors={vectors}",
                 "--set", "perturbation.cycles=10", "--set", "perturbation.cycle_length=0.1"]
        a = run(self.path(f"{kind}1.nc"), *extra)
        b = run(self.path(f"{kind}2.nc"), *extra, "--set", "run.block_size=7", threads=2)
        self.assert_same(a, b)
        members = a["members"][0, 0]  # (member, var) at lead 0 of start 0
        deviations = members - members.mean(axis=0)
        singular = np.linalg.svd(deviations, compute_uv=False)
        # Rank = vectors (the mean removes nothing from a span through the analysis).
        self.assertGreater(singular[vectors - 1], 1e-6 * singular[0])
        self.assertLess(singular[vectors], 1e-10 * singular[0])

    def test_lyapunov_members_lie_in_the_span_of_the_vectors(self):
        self.check_span("lyapunov", 3)

    def test_bred_members_lie_in_the_span_of_the_vectors(self):
        self.check_span("bred", 4)

    def test_bad_input_names_the_key(self):
        cases = [
            (["--set", "perturbation.kind=bred", "--set", "perturbation.cycles=100"],
             "run.spinup"),
            (["--set", "perturbation.kind=gaussian_correlated",
              "--set", "perturbation.length_scale=2"], "gaussian_correlated"),
            (["--set", "perturbation.kind=lyapunov", "--set", "perturbation.vectors=41"],
             "perturbation.vectors"),
            (["--set", "parameters.forcing.law=normal", "--set", "parameters.forcing.mean=8"],
             "parameters.forcing.sd"),
            (["--set", "parameters.forcing.law=gamma"], "parameters.forcing.law"),
            (["--set", "parameters.nope.law=point", "--set", "parameters.nope.value=1"],
             "nope"),
            (["--set", "model.sppt_sigma=0.3"], "model.sppt_tau"),
        ]
        for extra, key in cases:
            out = self.path("bad.nc")
            result = subprocess.run([BUTTERFLY, "run", *BASE, *extra, "-o", out],
                                    capture_output=True, text=True)
            self.assertEqual(result.returncode, 2, (extra, result.stderr))
            self.assertIn(key, result.stderr)
            self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
