#!/usr/bin/python3
"""A run's NetCDF output as xarray users see it (DESIGN "User-facing contract": outputs are
NetCDF-4 with CF-style attributes that xarray.open_dataset reads as is).

One Lorenz-96 run with every optional output on (members_saved, extremes, rank histogram) and
a perturbation large enough that the ensemble-mean error reaches half its saturation, and one
short run where it does not. Checks:
  * xarray.open_dataset opens the file with its defaults (CF decoding on);
  * every documented variable is there with the documented dimensions and sizes
    (rank = M+1, member = members_saved), and carries `units` and `long_name`;
  * the documented global attributes are there and consistent with the run
    (expected_outlier_rate = 2/(M+1), half_saturation_lead where the rmse crosses half of
    saturation_rmse, and absent when it never does);
  * the `config` attribute parses with tomllib into the effective config (overrides and
    defaults), and, fed back to `butterfly run`, reproduces the same scores bit for bit;
  * rank_histogram sums over rank to starts x var at every time;
  * the lead-time coordinate is float, starts at 0 and steps by output.every;
  * ens_min <= every saved member <= ens_max, ens_min <= ens_mean <= ens_max.

Run by ctest with BUTTERFLY set; by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/python/test_xarray_output.py
"""
import json
import os
import subprocess
import tempfile
import tomllib
import unittest
import warnings

import numpy as np

with warnings.catch_warnings():  # Debian's netCDF4 warns about numpy's ABI on import
    warnings.filterwarnings("ignore", message="numpy.ndarray size changed")
    import netCDF4  # noqa: F401
import xarray as xr

BUTTERFLY = os.environ.get("BUTTERFLY", "build/butterfly")

MEMBERS, STARTS, SAVED, N = 20, 3, 5, 40
EXPERIMENT = {
    "ensemble.members": MEMBERS, "ensemble.starts": STARTS, "run.length": 4.0,
    "run.spinup": 5.0, "output.every": 0.5, "output.members_saved": SAVED,
    "output.extremes": "true", "perturbation.amplitude": 0.3, "run.seed": 17,
}
TIMES = 9  # length / every + 1

STATE = ("time", "start", "var")
DOCUMENTED = {
    "time": ("time",), "start": ("start",), "start_time": ("start",), "var": ("var",),
    "rank": ("rank",), "member": ("member",),
    "truth": STATE, "ens_mean": STATE, "ens_spread": STATE, "ens_min": STATE, "ens_max": STATE,
    **{s: ("time",) for s in ["rmse", "spread", "ssr", "crps", "crps_fair", "outlier_rate"]},
    "rank_histogram": ("time", "rank"),
    **{s + "_by_start": ("time", "start")
       for s in ["rmse", "spread", "ssr", "crps", "crps_fair", "outlier_rate"]},
    "members": ("time", "start", "member", "var"),
    "diverged_members": ("start",),
    "diverged_member_id": ("diverged",), "diverged_start": ("diverged",),
    "diverged_lead": ("diverged",),
    # output.extremes (issue 8)
    "sigma": ("sigma",), "tail_probability": ("tail_probability",), "size": ("size",),
    "tail_outside_fraction": ("time", "sigma"), "gaussian_outside_fraction": ("sigma",),
    "standardized_quantile": ("time", "tail_probability"),
    "gaussian_quantile": ("tail_probability",),
    "best_member_error": ("time", "size"), "best_member_rms_error": ("time", "size"),
    "subensemble_outlier_rate": ("time", "size"),
    "expected_subensemble_outlier_rate": ("size",),
    "energy_score": ("time",), "energy_score_fair": ("time",),
}
GLOBAL_ATTRIBUTES = ["system", "system_n", "system_forcing", "seed", "butterfly_version",
                     "config", "ensemble_members", "expected_outlier_rate", "saturation_rmse",
                     "half_saturation_lead", "Conventions"]


def sets(settings):
    args = []
    for key, value in settings.items():
        args += ["--set", f"{key}={value}"]
    return args


def run(args, out):
    r = subprocess.run([BUTTERFLY, "run"] + args + ["-o", out, "--json", "--threads", "2"],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"butterfly run failed ({r.returncode}): {r.stderr}")
    return json.loads(r.stdout)


class XarrayOutputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls._tmp.name, "run.nc")
        cls.summary = run(sets(EXPERIMENT), cls.path)
        with xr.open_dataset(cls.path) as ds:
            cls.ds = ds.load()

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def test_documented_variables_and_dims(self):
        for name, dims in DOCUMENTED.items():
            with self.subTest(variable=name):
                self.assertIn(name, self.ds.variables)
                self.assertEqual(self.ds[name].dims, dims)
        self.assertEqual(dict(self.ds.sizes), {"time": TIMES, "start": STARTS, "var": N,
                                               "rank": MEMBERS + 1, "member": SAVED,
                                               "diverged": 0, "sigma": 6, "tail_probability": 8,
                                               "size": 6})

    def test_every_variable_has_units_and_long_name(self):
        for name in DOCUMENTED:
            with self.subTest(variable=name):
                attrs = self.ds[name].attrs
                self.assertIsInstance(attrs.get("long_name"), str)
                self.assertTrue(attrs.get("long_name"))
                self.assertIn("units", attrs, f"{name} has no units attribute")

    def test_global_attributes(self):
        a = self.ds.attrs
        for name in GLOBAL_ATTRIBUTES:
            self.assertIn(name, a)
        self.assertEqual(a["system"], "lorenz96")
        self.assertEqual(a["system_n"], 40)
        self.assertEqual(a["system_forcing"], 8)
        self.assertEqual(a["seed"], 17)
        self.assertEqual(a["ensemble_members"], MEMBERS)
        self.assertEqual(a["Conventions"][:3], "CF-")
        self.assertEqual(a["butterfly_version"],
                         subprocess.run([BUTTERFLY, "--version"], capture_output=True,
                                        text=True).stdout.split()[-1])
        self.assertAlmostEqual(a["expected_outlier_rate"], 2 / (MEMBERS + 1), places=15)
        # The JSON summary prints 10 significant digits.
        self.assertAlmostEqual(a["saturation_rmse"] / self.summary["saturation_rmse"], 1.0,
                               places=9)

    def test_half_saturation_lead_where_rmse_crosses(self):
        half = self.ds.attrs["half_saturation_lead"]
        level = 0.5 * self.ds.attrs["saturation_rmse"]
        rmse, lead = self.ds["rmse"].values, self.ds["time"].values
        k = int(np.argmax(rmse >= level))
        self.assertGreater(k, 0, "the run must start below half saturation")
        self.assertTrue(rmse[k] >= level)
        self.assertTrue(lead[k - 1] <= half <= lead[k], (half, lead[k - 1], lead[k]))
        self.assertAlmostEqual(self.summary["half_saturation_lead"], half, places=8)

    def test_no_half_saturation_lead_when_not_reached(self):
        out = os.path.join(self._tmp.name, "short.nc")
        summary = run(sets({**EXPERIMENT, "perturbation.amplitude": 0.001, "run.length": 1.0}),
                      out)
        with xr.open_dataset(out) as ds:
            self.assertTrue(np.all(ds["rmse"].values < 0.5 * ds.attrs["saturation_rmse"]))
            self.assertNotIn("half_saturation_lead", ds.attrs)
        self.assertIsNone(summary["half_saturation_lead"])

    def test_config_attribute_is_the_effective_config(self):
        config = tomllib.loads(self.ds.attrs["config"])
        self.assertEqual(config["ensemble"]["members"], MEMBERS)
        self.assertEqual(config["ensemble"]["starts"], STARTS)
        self.assertEqual(config["run"]["length"], 4.0)
        self.assertEqual(config["run"]["seed"], 17)
        self.assertEqual(config["perturbation"]["amplitude"], 0.3)
        self.assertEqual(config["output"]["members_saved"], SAVED)
        self.assertIs(config["output"]["extremes"], True)
        # Defaults that were not set are written out too.
        self.assertEqual(config["system"]["name"], "lorenz96")
        self.assertEqual(config["integrator"]["scheme"], "rk4")
        self.assertEqual(config["integrator"]["dt"], 0.01)
        self.assertEqual(set(config), {"system", "run", "ensemble", "perturbation", "model",
                                       "parameters", "integrator", "output"})

    def test_config_attribute_reproduces_the_run(self):
        config_path = os.path.join(self._tmp.name, "effective.toml")
        with open(config_path, "w") as f:
            f.write(self.ds.attrs["config"])
        out = os.path.join(self._tmp.name, "again.nc")
        run([config_path], out)
        with xr.open_dataset(out) as again:
            for name in ["truth", "members", "rmse", "crps", "rank_histogram"]:
                np.testing.assert_array_equal(again[name].values, self.ds[name].values,
                                              err_msg=name)
            self.assertEqual(again.attrs["config"], self.ds.attrs["config"])

    def test_rank_histogram_counts_every_point(self):
        totals = self.ds["rank_histogram"].sum("rank").values
        np.testing.assert_allclose(totals, STARTS * N, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(self.ds["rank"].values, np.arange(MEMBERS + 1))

    def test_lead_time_coordinate(self):
        time = self.ds["time"]
        self.assertIn("time", self.ds.coords)
        self.assertEqual(time.dtype, np.float64)  # not decoded into timedeltas or dates
        self.assertEqual(time.values[0], 0.0)
        np.testing.assert_allclose(time.values, 0.5 * np.arange(TIMES), rtol=0, atol=1e-12)
        self.assertEqual(self.summary["lead_time"], time.values.tolist())

    def test_extremes_bound_the_ensemble(self):
        lo, hi = self.ds["ens_min"], self.ds["ens_max"]
        members = self.ds["members"]
        self.assertTrue(bool((members >= lo).all()) and bool((members <= hi).all()))
        self.assertTrue(bool((self.ds["ens_mean"] >= lo).all()))
        self.assertTrue(bool((self.ds["ens_mean"] <= hi).all()))
        self.assertTrue(bool((hi > lo).all()))
        np.testing.assert_array_equal(self.ds["member"].values, np.arange(SAVED))
        np.testing.assert_array_equal(self.ds["diverged_members"].values, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
