#!/usr/bin/python3
"""`butterfly ews`: early-warning indicators from CSV and NetCDF against pandas, the ROC mode,
and the error contract for bad input.

1. CSV, ewstools convention: every indicator written with -o equals, to 1e-10 relative, the
   pandas computation ewstools itself performs (ewstools/core.py TimeSeries: detrend with
   scipy.ndimage.gaussian_filter(sigma = 0.25/0.675 * bandwidth * n, mode='reflect'), then
   rolling(window).var() / .std() / .apply(lambda v: pd.Series(v).autocorr(lag=1)) / .skew() /
   .kurt(), cv = residual std / state mean, compute_ktau = corrwith(time, method='kendall'));
   the JSON's Kendall tau and p-value equal scipy.stats.kendalltau's.
2. NetCDF input: --var with --select fixing every dimension but time (either axis order); the
   time coordinate and its units are carried to the output; the earlywarnings convention
   against numpy transcriptions of generic_ews's calls (R acf, moments::kurtosis).
3. --roc over forced (AR(1) coefficient rising towards 1, Scheffer et al. 2009) and null
   (constant coefficient) series: the area is the Mann-Whitney U / (n1 n2) of the taus written
   to the file (scipy.stats.mannwhitneyu), near 1 for the autocorrelation.
4. Bad input (missing column, too-short series, window longer than the series, non-finite or
   non-numeric values, a NetCDF variable with two free dimensions, ...) exits 2 with one line
   on stderr naming the option, prints nothing and leaves no file.

Skipped while `butterfly ews --help` fails (the subcommand not yet wired into main.cpp).
Run by ctest with BUTTERFLY set; by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/cli/test_ews_cli.py
"""
import json
import os
import subprocess
import tempfile
import unittest
import warnings

import numpy as np
import pandas as pd
import scipy.stats
from scipy.ndimage import gaussian_filter

with warnings.catch_warnings():  # Debian's netCDF4 warns about numpy's ABI on import
    warnings.filterwarnings("ignore", message="numpy.ndarray size changed")
    import netCDF4  # noqa: F401
import xarray as xr

BUTTERFLY = os.path.abspath(os.environ.get("BUTTERFLY", "build/butterfly"))
INDICATORS = ["variance", "std", "autocorrelation", "ar1", "skewness", "kurtosis", "cv"]


def butterfly(*args, cwd=None):
    return subprocess.run([BUTTERFLY] + list(args), capture_output=True, text=True, timeout=120,
                          cwd=cwd)


def ews_available():
    try:
        return butterfly("ews", "--help").returncode == 0
    except OSError:
        return False


def ar1_series(rng, n, phi_start, phi_end, offset=0.0):
    """x_t = phi_t x_{t-1} + eps_t, phi rising linearly (critical slowing down)."""
    phi = np.linspace(phi_start, phi_end, n)
    eps = rng.standard_normal(n)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = phi[t] * x[t - 1] + eps[t]
    return x + offset


def ewstools_pandas(state, bandwidth, window):
    """The indicators as ewstools computes them (core.py TimeSeries), with pandas."""
    n = len(state)
    sigma = (0.25 / 0.675) * bandwidth * n
    residuals = pd.Series(state - gaussian_filter(state, sigma=sigma, mode="reflect"))
    rw = int(window * n)
    roll = residuals.rolling(window=rw)
    return rw, {
        "variance": roll.var().values,
        "std": roll.std().values,
        "autocorrelation": roll.apply(lambda v: pd.Series(v).autocorr(lag=1), raw=True).values,
        "skewness": roll.skew().values,
        "kurtosis": roll.kurt().values,
        "cv": (roll.std() / pd.Series(state).rolling(window=rw).mean()).values,
    }


@unittest.skipUnless(ews_available(), "`butterfly ews` is not wired into this binary yet")
class EwsCliTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name
        self.rng = np.random.default_rng(2012)

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_csv_ewstools_matches_pandas(self):
        n = 400
        state = ar1_series(self.rng, n, 0.2, 0.9, offset=50.0) + 0.01 * np.arange(n)
        pd.DataFrame({"t": 0.5 * np.arange(n), "x": state}).to_csv(self.path("in.csv"),
                                                                  index=False)
        out = self.path("ews.nc")
        r = butterfly("ews", "--input", self.path("in.csv"), "--column", "x", "--detrend",
                      "gaussian", "--bandwidth", "0.2", "--window", "0.25", "--json", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("\n"), 1, "one JSON object on one line")
        summary = json.loads(r.stdout)
        rw, expected = ewstools_pandas(state, 0.2, 0.25)
        self.assertEqual(summary["window_points"], rw)
        self.assertEqual(sorted(os.listdir(self.dir)), ["ews.nc", "in.csv"], "no temporary left")
        with xr.open_dataset(out) as ds:
            ds = ds.load()
        self.assertEqual(ds.attrs["Conventions"], "CF-1.8")
        self.assertEqual(ds.attrs["convention"], "ewstools")
        self.assertEqual(dict(ds.sizes), {"time": n})
        np.testing.assert_array_equal(ds.state.values, state)
        time = pd.Series(np.arange(n, dtype=float))
        for name, values in expected.items():
            got = ds[name].values
            self.assertTrue(np.all(np.isnan(got[:rw - 1])), name)
            np.testing.assert_allclose(got[rw - 1:], values[rw - 1:], rtol=1e-10, atol=1e-13,
                                       err_msg=name)
            self.assertIn("long_name", ds[name].attrs)
            ktau = pd.DataFrame({name: values}).corrwith(time, method="kendall")[name]
            tau, p = scipy.stats.kendalltau(np.arange(rw - 1, n), values[rw - 1:])
            self.assertAlmostEqual(summary["indicators"][name]["kendall_tau"], ktau, delta=1e-12,
                                   msg=name)
            self.assertAlmostEqual(summary["indicators"][name]["p_value"], p,
                                   delta=1e-12 + 1e-9 * p, msg=name)
            self.assertAlmostEqual(ds[name].attrs["kendall_tau"], tau, delta=1e-12, msg=name)
        # Critical slowing down: the autocorrelation rises.
        self.assertGreater(summary["indicators"]["autocorrelation"]["kendall_tau"], 0.5)

    def write_netcdf(self, path, data, dims, time_units=None):
        coords = {}
        if time_units:
            coords["time"] = ("time", 2.0 * np.arange(data.shape[dims.index("time")]),
                              {"units": time_units})
        xr.Dataset({"x": (dims, data, {"units": "K", "long_name": "temperature"})},
                   coords=coords).to_netcdf(path)

    def test_netcdf_input(self):
        n = 200
        rows = np.stack([ar1_series(self.rng, n, 0.1, 0.8) for _ in range(3)])
        self.write_netcdf(self.path("by_member.nc"), rows, ("member", "time"), "days since 2000-01-01")
        self.write_netcdf(self.path("by_time.nc"), rows.T.copy(), ("time", "member"))
        out = self.path("ews.nc")
        r = butterfly("ews", "--input", self.path("by_member.nc"), "--var", "x", "--select",
                      "member=1", "--convention", "earlywarnings", "--window", "0.5", "--json",
                      "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with xr.open_dataset(out, decode_times=False) as ds:
            ds = ds.load()
        self.assertEqual(ds.time.attrs["units"], "days since 2000-01-01")
        np.testing.assert_array_equal(ds.time.values, 2.0 * np.arange(n))
        self.assertEqual(ds.state.attrs["units"], "K")
        self.assertEqual(ds.variance.attrs["units"], "(K)^2")
        self.assertEqual(ds.autocorrelation.attrs["units"], "1")
        x = rows[1]
        w = n // 2  # round(200 * 50 / 100)
        for end in (w - 1, 150, n - 1):
            v = x[end + 1 - w:end + 1]
            d = v - v.mean()
            acf = (d[:-1] * d[1:]).sum() / (d * d).sum()                   # R acf, lag 1
            kurt = len(v) * (d ** 4).sum() / ((d ** 2).sum()) ** 2          # moments::kurtosis
            self.assertAlmostEqual(float(ds.autocorrelation[end]), acf, delta=1e-12)
            self.assertAlmostEqual(float(ds.kurtosis[end]), kurt, delta=1e-12)
            self.assertAlmostEqual(float(ds["std"][end]), v.std(ddof=1), delta=1e-12)
        # The same series read along the other axis order gives the same numbers.
        r2 = butterfly("ews", "--input", self.path("by_time.nc"), "--var", "x", "--select",
                       "member=1", "--convention", "earlywarnings", "--window", "0.5", "--json")
        self.assertEqual(r2.returncode, 0, r2.stderr)
        a, b = json.loads(r.stdout), json.loads(r2.stdout)
        self.assertEqual(a["indicators"], b["indicators"])

    def test_roc(self):
        n, series = 300, 40
        forced = np.stack([ar1_series(self.rng, n, 0.1, 0.95) for _ in range(series)])
        null = np.stack([ar1_series(self.rng, n, 0.3, 0.3) for _ in range(series)])
        self.write_netcdf(self.path("forced.nc"), forced, ("member", "time"))
        self.write_netcdf(self.path("null.nc"), null, ("member", "time"))
        out = self.path("roc.nc")
        r = butterfly("ews", "--roc", "--forced", self.path("forced.nc"), "--null",
                      self.path("null.nc"), "--var", "x", "--indicators",
                      "autocorrelation,variance", "--json", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.loads(r.stdout)
        self.assertEqual(list(s["indicators"]), ["autocorrelation", "variance"])
        with xr.open_dataset(out) as ds:
            ds = ds.load()
        for name in ("autocorrelation", "variance"):
            tf, tn = ds[f"tau_forced_{name}"].values, ds[f"tau_null_{name}"].values
            u = scipy.stats.mannwhitneyu(tf, tn).statistic
            area = s["indicators"][name]["roc_area"]
            self.assertAlmostEqual(area, u / (series * series), delta=1e-12)
            self.assertAlmostEqual(ds.attrs[f"roc_area_{name}"], area, delta=1e-12)
            fpr = ds[f"roc_false_positive_rate_{name}"].values
            tpr = ds[f"roc_true_positive_rate_{name}"].values
            self.assertEqual((fpr[0], tpr[0], fpr[-1], tpr[-1]), (0.0, 0.0, 1.0, 1.0))
            self.assertAlmostEqual(np.trapz(tpr, fpr), area, delta=1e-12)
        # One forced series' tau is scipy's tau of the pandas (ewstools) autocorrelation.
        rw = int(0.25 * n)
        ac = pd.Series(forced[0]).rolling(rw).apply(lambda v: pd.Series(v).autocorr(lag=1),
                                                    raw=True).values[rw - 1:]
        self.assertAlmostEqual(float(ds.tau_forced_autocorrelation[0]),
                               scipy.stats.kendalltau(np.arange(len(ac)), ac)[0], delta=1e-12)
        self.assertGreater(s["indicators"]["autocorrelation"]["roc_area"], 0.9)

    def assert_usage_error(self, args, fragments):
        outdir = self.path("out")
        os.makedirs(outdir, exist_ok=True)
        r = butterfly("ews", *args, "-o", os.path.join(outdir, "out.nc"), cwd=outdir)
        what = f"butterfly ews {' '.join(args)}\nstdout: {r.stdout!r}\nstderr: {r.stderr!r}"
        self.assertEqual(r.returncode, 2, what)
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, "expected one line on stderr\n" + what)
        self.assertTrue(lines[0].startswith("butterfly: "), what)
        for fragment in fragments:
            self.assertIn(fragment, lines[0], what)
        self.assertEqual(r.stdout, "", what)
        self.assertEqual(os.listdir(outdir), [], "nothing may be written\n" + what)

    def test_bad_input(self):
        good = self.path("good.csv")
        pd.DataFrame({"x": np.arange(100.0) % 7}).to_csv(good, index=False)
        short = self.path("short.csv")
        with open(short, "w") as f:
            f.write("x\n1\n2\n3\n")
        nan = self.path("nan.csv")
        with open(nan, "w") as f:
            f.write("x\n1\n2\nnan\n4\n5\n6\n")
        text = self.path("text.csv")
        with open(text, "w") as f:
            f.write("x,y\n1,2\nabc,3\n4,5\n6,7\n8,9\n")
        grid = self.path("grid.nc")
        self.write_netcdf(grid, np.zeros((3, 50)), ("member", "time"))
        holes = self.path("holes.nc")
        data = np.ones((2, 50))
        data[1, 7] = np.nan
        self.write_netcdf(holes, data, ("member", "time"))
        cases = [
            (["--input", good, "--column", "y"], ["--column y", "no such column", "x"]),
            (["--input", good], ["--column"]),
            (["--input", short, "--column", "x"], ["--input", "3 points"]),
            (["--input", good, "--column", "x", "--window", "500"],
             ["--window", "500 points is longer than the series (100 points)"]),
            (["--input", good, "--column", "x", "--window", "0"], ["--window"]),
            (["--input", good, "--column", "x", "--window", "2"], ["--window", "kurtosis"]),
            (["--input", nan, "--column", "x"], ["--column x", "line 4", "non-finite"]),
            (["--input", text, "--column", "x"], ["--column x", "line 3", "'abc'"]),
            (["--input", good, "--column", "x", "--convention", "pandas"], ["--convention"]),
            (["--input", good, "--column", "x", "--detrend", "loess"], ["--detrend"]),
            (["--input", good, "--column", "x", "--indicators", "variance,drift"],
             ["--indicators", "drift"]),
            (["--input", good, "--column", "x", "--bandwidth", "0.1"], ["--bandwidth"]),
            (["--input", self.path("missing.csv"), "--column", "x"], ["--input", "no such file"]),
            (["--input", grid, "--var", "x"], ["--input", "2 dimensions", "member=3", "time=50"]),
            (["--input", grid, "--var", "y"], ["--var y", "no such variable"]),
            (["--input", grid, "--var", "x", "--select", "bogus=1"], ["--select bogus=1"]),
            (["--input", grid, "--var", "x", "--select", "member=3"], ["--select member=3"]),
            (["--input", holes, "--var", "x", "--select", "member=1"], ["--var x", "not finite"]),
            (["--roc", "--forced", grid, "--null", self.path("none.nc"), "--var", "x"],
             ["--null", "no such file"]),
            (["--roc", "--forced", grid, "--null", grid, "--var", "x", "--select", "member=0"],
             ["--forced", "1 dimension"]),
        ]
        for args, fragments in cases:
            with self.subTest(args=args):
                self.assert_usage_error(args, fragments)


if __name__ == "__main__":
    unittest.main()
