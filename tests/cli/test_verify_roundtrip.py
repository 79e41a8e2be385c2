#!/usr/bin/python3
"""`butterfly verify` against `butterfly run` and against numpy, and `ensemble.initial`.

1. Round trip: a run that saves every member (members_saved == members, 30 members, 4 starts)
   is verified with `verify --var members --truth-var truth`; the scores must reproduce the
   run's own rmse, spread, ssr, crps, crps_fair, outlier_rate and rank_histogram (exactly
   expected -- same per-point code, same order of accumulation; at most 1e-12 relative
   allowed), the time coordinate must be the run's lead times, and --per-point ens_mean /
   ens_spread must equal the run's fields.
2. Another model's file: a synthetic exchangeable Gaussian ensemble written with xarray
   (members ~ N(0,1) and truth ~ N(0,1), dims (time, member, x), forecast and truth in
   separate files with different variable names). verify's ssr must be near 1 (members and
   truth exchangeable) and every score must equal an independent numpy computation to 1e-10
   (CRPS by the O(M^2) pair formula, not the sorted O(M) one butterfly uses).
3. ensemble.initial: a Lorenz-63 initial ensemble written with xarray, members (start, member,
   var) and truth (start, var); the run's truth at lead 0 equals the file's truth, its lead-0
   ens_mean/ens_spread are the members' mean/std, and the saved members at lead 0 are the
   file's members.

Run by ctest with BUTTERFLY set; by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/cli/test_verify_roundtrip.py
"""
import json
import os
import subprocess
import tempfile
import unittest
import warnings

import numpy as np

with warnings.catch_warnings():  # Debian's netCDF4 warns about numpy's ABI on import
    warnings.filterwarnings("ignore", message="numpy.ndarray size changed")
    import netCDF4  # noqa: F401
import xarray as xr

BUTTERFLY = os.environ.get("BUTTERFLY", "build/butterfly")
SCORES = ["rmse", "spread", "ssr", "crps", "crps_fair", "outlier_rate", "rank_histogram"]


def butterfly(*args):
    r = subprocess.run([BUTTERFLY] + list(args), capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"butterfly {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r.stdout


def load(path):
    with xr.open_dataset(path) as ds:
        return ds.load()


def numpy_scores(fc, obs):
    """Independent scores of ensemble fc (time, member, x) against obs (time, x), each
    averaged over x: the textbook formulas, O(M^2) for the CRPS."""
    m = fc.shape[1]
    mean = fc.mean(axis=1)
    var = fc.var(axis=1, ddof=1)
    rmse = np.sqrt(((mean - obs) ** 2).mean(axis=1))
    spread = np.sqrt(var.mean(axis=1))
    abs_err = np.abs(fc - obs[:, None, :]).mean(axis=1)                              # E|X - y|
    pair = np.abs(fc[:, :, None, :] - fc[:, None, :, :]).sum(axis=(1, 2))            # sum |Xi - Xj|
    crps = (abs_err - pair / (2.0 * m * m)).mean(axis=1)
    crps_fair = (abs_err - pair / (2.0 * m * (m - 1))).mean(axis=1)
    outside = (obs < fc.min(axis=1)) | (obs > fc.max(axis=1))
    below = (fc < obs[:, None, :]).sum(axis=1)                                       # no ties
    hist = np.stack([np.bincount(b, minlength=m + 1) for b in below]).astype(float)
    return {
        "rmse": rmse, "spread": spread, "ssr": np.sqrt((m + 1) / m) * spread / rmse,
        "crps": crps, "crps_fair": crps_fair, "outlier_rate": outside.mean(axis=1),
        "rank_histogram": hist,
    }


class VerifyRoundTripTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_verify_reproduces_run_scores(self):
        run_nc, scores_nc = self.path("run.nc"), self.path("scores.nc")
        butterfly("run", "--set", "ensemble.members=30", "--set", "ensemble.starts=4",
                  "--set", "run.length=3", "--set", "run.spinup=5", "--set", "output.every=0.5",
                  "--set", "output.members_saved=30", "-o", run_nc, "--threads", "2")
        summary = json.loads(butterfly("verify", "--forecast", run_nc, "--truth", run_nc,
                                       "--var", "members", "--truth-var", "truth",
                                       "--per-point", "--json", "-o", scores_nc,
                                       "--threads", "2"))
        run, ver = load(run_nc), load(scores_nc)
        self.assertEqual(run.sizes["member"], 30)
        self.assertEqual(summary["members"], 30)
        self.assertEqual(summary["times"], 7)
        np.testing.assert_array_equal(ver["time"].values, run["time"].values)
        for name in SCORES:
            got, want = ver[name].values, run[name].values
            self.assertEqual(got.shape, want.shape, name)
            self.assertTrue(np.all(np.isfinite(want)), name)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, err_msg=name)
        # The errors grow over the run, so the comparison covers distinct values.
        self.assertGreater(run["rmse"].values[-1], 2 * run["rmse"].values[0])
        # The rank histogram holds every (start, var) point of each time.
        np.testing.assert_array_equal(ver["rank_histogram"].values.sum(axis=1), 4 * 40)
        # Per-point fields: the same ensemble statistics as the run's.
        np.testing.assert_allclose(ver["ens_mean"].values, run["ens_mean"].values, rtol=1e-12,
                                   atol=0)
        np.testing.assert_allclose(ver["ens_spread"].values, run["ens_spread"].values,
                                   rtol=1e-12, atol=0)
        # The JSON summary carries the same scores (printed to 10 significant digits).
        for name in ["rmse", "spread", "ssr", "crps", "crps_fair", "outlier_rate"]:
            np.testing.assert_allclose(summary[name], run[name].values, rtol=1e-9, err_msg=name)

    def test_gaussian_ensemble_from_xarray(self):
        times, members, points = 3, 12, 2000
        rng = np.random.default_rng(2024)
        fc = rng.standard_normal((times, members, points))
        obs = rng.standard_normal((times, points))
        fc_nc, obs_nc, scores_nc = self.path("fc.nc"), self.path("obs.nc"), self.path("s.nc")
        lead = np.array([0.0, 6.0, 12.0])
        xr.Dataset({"t2m": (("time", "member", "x"), fc)},
                   coords={"time": lead, "x": np.arange(points)}).to_netcdf(fc_nc)
        xr.Dataset({"t2m_obs": (("time", "x"), obs)},
                   coords={"time": lead, "x": np.arange(points)}).to_netcdf(obs_nc)
        butterfly("verify", "--forecast", fc_nc, "--truth", obs_nc, "--var", "t2m",
                  "--truth-var", "t2m_obs", "--per-point", "-o", scores_nc)
        ver = load(scores_nc)
        want = numpy_scores(fc, obs)
        np.testing.assert_array_equal(ver["time"].values, lead)
        for name in SCORES:
            np.testing.assert_allclose(ver[name].values, want[name], rtol=1e-10, atol=1e-12,
                                       err_msg=name)
        # Exchangeable members and truth: ssr near 1 (its sampling error here is ~1%),
        # outliers near 2/(M+1) and the fair CRPS near its exact expectation 1/sqrt(pi)
        # (CRPS of N(0,1) against N(0,1) truth).
        np.testing.assert_allclose(ver["ssr"].values, 1.0, atol=0.05)
        np.testing.assert_allclose(ver["outlier_rate"].values, 2 / (members + 1), atol=0.03)
        np.testing.assert_allclose(ver["crps_fair"].values, 1 / np.sqrt(np.pi), rtol=0.05)
        # Per-point CRPS against the pair formula too.
        pair = np.abs(fc[:, :, None, :] - fc[:, None, :, :]).sum(axis=(1, 2))
        point_crps = np.abs(fc - obs[:, None, :]).mean(axis=1) - pair / (2.0 * members ** 2)
        self.assertEqual(ver["crps_point"].dims, ("time", "x"))
        np.testing.assert_allclose(ver["crps_point"].values, point_crps, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ver["ens_mean"].values, fc.mean(axis=1), rtol=1e-12,
                                   atol=1e-14)

    def test_initial_ensemble_from_file(self):
        starts, members = 2, 10
        rng = np.random.default_rng(63)
        truth = np.array([[1.0, 1.0, 20.0], [-5.5, -7.25, 24.0]])
        ens = truth[:, None, :] + 0.3 * rng.standard_normal((starts, members, 3))
        init_nc, run_nc = self.path("init.nc"), self.path("run.nc")
        xr.Dataset({"members": (("start", "member", "var"), ens),
                    "truth": (("start", "var"), truth)}).to_netcdf(init_nc)
        # ensemble.members/starts are given other values: the file's sizes must win.
        butterfly("run", "--set", "system.name=lorenz63", "--set", f"ensemble.initial={init_nc}",
                  "--set", "ensemble.members=50", "--set", "ensemble.starts=5",
                  "--set", "run.length=1", "--set", "output.every=0.5",
                  "--set", "output.members_saved=10", "-o", run_nc)
        run = load(run_nc)
        self.assertEqual(run.sizes["start"], starts)
        self.assertEqual(run.sizes["member"], members)
        self.assertEqual(int(run.attrs["ensemble_members"]), members)
        self.assertEqual(run["time"].values[0], 0.0)
        np.testing.assert_array_equal(run["truth"].values[0], truth)
        np.testing.assert_array_equal(run["members"].values[0], ens)
        np.testing.assert_allclose(run["ens_mean"].values[0], ens.mean(axis=1), rtol=1e-13,
                                   atol=1e-13)
        np.testing.assert_allclose(run["ens_spread"].values[0], ens.std(axis=1, ddof=1),
                                   rtol=1e-12)
        # The trajectories then move: the file really was the starting point of a run.
        self.assertFalse(np.allclose(run["truth"].values[-1], truth))


if __name__ == "__main__":
    unittest.main(verbosity=2)
