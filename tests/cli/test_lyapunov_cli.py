#!/usr/bin/python3
"""`butterfly lyapunov`: the Lorenz-63 spectrum as JSON, the NetCDF file read back by xarray,
and the error contract for bad input.

1. `lyapunov --system lorenz63 --json` (defaults: dt 0.01, transient 100, length 1000,
   8 replicas) gives the published spectrum (0.9056, 0, -14.5723) (Sprott, Chaos and
   Time-Series Analysis, Oxford UP 2003, Appendix A; Sprott's page "Lyapunov exponent of the
   Lorenz attractor": 0.906, 0, -14.572, D_KY 2.062) within 5 standard errors of the mean
   over the replicas (Student t, 7 degrees of freedom: P(|t| > 5) = 0.0016), the zero exponent
   within 0.01 (its O(1/T) bias does not average out), and the closed-form sum
   -(sigma + 1 + beta) = -13.6667 to 1e-3 (RK4 matches the flow's volume contraction to
   O(dt^4)).
2. -o writes a NetCDF file that Debian's xarray opens as is: dims exponent and replica,
   exponents / exponent_stderr / exponents_by_replica with long_name and units, the global
   attributes; its numbers equal the JSON's; --finite-time adds the per-interval exponents,
   whose mean over the intervals is each replica's exponent (by definition); no temporary
   file is left beside it.
3. Bad input (unknown system or parameter, k < 1 or > dimension, dt <= 0, a length not
   longer than one interval, replicas < 1, ...) exits 2 with one line on stderr naming the
   option, prints nothing on stdout and writes nothing.

Run by ctest with BUTTERFLY set; by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/cli/test_lyapunov_cli.py
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
    import netCDF4
import xarray as xr

BUTTERFLY = os.path.abspath(os.environ.get("BUTTERFLY", "build/butterfly"))
SPROTT = [0.9056, 0.0, -14.5723]
TRACE = -(10.0 + 1.0 + 8.0 / 3.0)


def butterfly(*args, cwd=None):
    return subprocess.run([BUTTERFLY] + list(args), capture_output=True, text=True, timeout=300,
                          cwd=cwd)


class LyapunovCliTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def test_lorenz63_json_matches_sprott(self):
        r = butterfly("lyapunov", "--system", "lorenz63", "--json", "--threads", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("\n"), 1, "one JSON object on one line")
        s = json.loads(r.stdout)
        self.assertEqual(s["system"], "lorenz63")
        self.assertEqual(s["scheme"], "rk4")
        self.assertEqual((s["dimension"], s["k"], s["replicas"]), (3, 3, 8))
        self.assertEqual(len(s["exponents_by_replica"]), 8)
        lam, err = s["exponents"], s["exponent_stderr"]
        for i in (0, 2):
            self.assertLess(err[i], 0.01)
            self.assertLess(abs(lam[i] - SPROTT[i]), 5 * err[i], f"exponent {i + 1}: {s}")
        self.assertLess(abs(lam[1]), 0.01)
        self.assertAlmostEqual(sum(lam), TRACE, delta=1e-3)
        self.assertAlmostEqual(s["exponent_sum"], sum(lam), delta=1e-8)
        # D_KY = 2 + lambda_1 / |lambda_3| (Kaplan & Yorke 1979), Sprott: 2.0621.
        self.assertAlmostEqual(s["kaplan_yorke_dimension"], 2.0621,
                               delta=5 * s["kaplan_yorke_dimension_stderr"] + 1e-4)
        self.assertAlmostEqual(s["ks_entropy"], sum(x for x in lam if x > 0), delta=1e-8)
        # The mean and standard error are those of the replicas' rows.
        rows = np.array(s["exponents_by_replica"])
        np.testing.assert_allclose(rows.mean(axis=0), lam, rtol=1e-8, atol=1e-9)
        np.testing.assert_allclose(rows.std(axis=0, ddof=1) / np.sqrt(8), err, rtol=1e-6)

    def test_text_table(self):
        r = butterfly("lyapunov", "--length", "50", "--transient", "10", "--replicas", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Kaplan-Yorke dimension", r.stdout)
        self.assertIn("Kolmogorov-Sinai entropy", r.stdout)
        self.assertIn("std.error", r.stdout)
        # A system whose default scheme is not RK4 says that RK4 was used.
        r = butterfly("lyapunov", "--system", "henon_heiles", "--length", "50", "--transient",
                      "10", "--replicas", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("yoshida4", r.stdout)

    def test_spectral_system_reports_the_scheme_that_ran(self):
        # Spectral systems step (and linearise) with ETDRK4, their default scheme: the
        # summary, JSON and file say so, with no note about another scheme.
        out = os.path.join(self.dir, "ks.nc")
        r = butterfly("lyapunov", "--system", "kuramoto_sivashinsky", "--k", "2",
                      "--transient", "5", "--length", "10", "--replicas", "1", "--json", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.loads(r.stdout)
        self.assertEqual(s["scheme"], "etdrk4")
        self.assertIsNone(s["note"])
        with netCDF4.Dataset(out) as ds:
            self.assertEqual(ds.getncattr("scheme"), "etdrk4")
            self.assertNotIn("scheme_note", ds.ncattrs())

    def test_netcdf_output_reads_in_xarray(self):
        out = os.path.join(self.dir, "spectrum.nc")
        r = butterfly("lyapunov", "--system", "lorenz96", "--set", "system.n=12", "--k", "5",
                      "--transient", "10", "--length", "40", "--replicas", "3", "--finite-time",
                      "--json", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.loads(r.stdout)
        self.assertEqual(sorted(os.listdir(self.dir)), ["spectrum.nc"], "no temporary left")
        with xr.open_dataset(out) as ds:
            ds = ds.load()
        self.assertEqual(dict(ds.sizes), {"exponent": 5, "replica": 3, "interval": 400})
        self.assertEqual(ds.exponents.dims, ("exponent",))
        self.assertEqual(ds.exponents_by_replica.dims, ("replica", "exponent"))
        self.assertEqual(ds.finite_time_exponents.dims, ("replica", "interval", "exponent"))
        for name in ("exponents", "exponent_stderr", "exponents_by_replica"):
            self.assertEqual(ds[name].attrs["units"], "1/time unit")
            self.assertIn("long_name", ds[name].attrs)
        self.assertEqual(list(ds.exponent.values), [1, 2, 3, 4, 5])
        np.testing.assert_allclose(ds.exponents.values, s["exponents"], rtol=1e-9)
        np.testing.assert_allclose(ds.exponent_stderr.values, s["exponent_stderr"], rtol=1e-9)
        np.testing.assert_allclose(ds.exponents_by_replica.values, s["exponents_by_replica"],
                                   rtol=1e-9)
        # Every interval has the same length, so an exponent is the mean of its
        # finite-time exponents.
        np.testing.assert_allclose(ds.finite_time_exponents.mean("interval").values,
                                   ds.exponents_by_replica.values, rtol=1e-10, atol=1e-12)
        self.assertAlmostEqual(float(ds.interval[-1]), 40.0)
        self.assertEqual(ds.attrs["system"], "lorenz96")
        self.assertEqual(ds.attrs["system_n"], 12.0)
        self.assertIn("n=12", ds.attrs["parameters"])
        self.assertEqual(ds.attrs["Conventions"], "CF-1.8")
        # The 5 leading exponents of a 12-variable ring all have positive partial sums:
        # D_KY needs exponents that were not computed, so it is NaN (JSON null).
        self.assertIsNone(s["kaplan_yorke_dimension"])
        self.assertTrue(np.isnan(ds.attrs["kaplan_yorke_dimension"]))
        self.assertAlmostEqual(ds.attrs["ks_entropy"], s["ks_entropy"], delta=1e-9)

    def assert_usage_error(self, args, fragments):
        out = os.path.join(self.dir, "out.nc")
        r = butterfly("lyapunov", *args, "-o", out, cwd=self.dir)
        what = f"butterfly lyapunov {' '.join(args)}\nstdout: {r.stdout!r}\nstderr: {r.stderr!r}"
        self.assertEqual(r.returncode, 2, what)
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, "expected one line on stderr\n" + what)
        self.assertTrue(lines[0].startswith("butterfly: "), what)
        for fragment in fragments:
            self.assertIn(fragment, lines[0], what)
        self.assertEqual(r.stdout, "", what)
        self.assertEqual(os.listdir(self.dir), [], "nothing may be written\n" + what)

    def test_bad_input(self):
        cases = [
            (["--system", "lorenz84"], ["--system", "lorenz84"]),
            (["--set", "system.forcingg=8"], ["system.forcingg"]),
            (["--set", "system.rho=abc"], ["system.rho", "abc"]),
            (["--set", "run.length=3"], ["run.length", "system.KEY=VALUE"]),
            (["--k", "0"], ["--k", "3"]),
            (["--k", "4"], ["--k", "3"]),
            (["--system", "lorenz96", "--k", "41"], ["--k", "40"]),
            (["--dt", "0"], ["--dt"]),
            (["--dt", "-0.01"], ["--dt"]),
            (["--length", "0.1"], ["--length", "interval"]),
            (["--length", "0.05"], ["--length"]),
            (["--length", "10.05"], ["--length", "whole multiple"]),
            (["--transient", "0.015"], ["--transient", "--dt"]),
            (["--transient", "-1"], ["--transient"]),
            (["--renormalise-every", "0"], ["--renormalise-every"]),
            (["--replicas", "0"], ["--replicas"]),
            (["--seed", "-1"], ["--seed"]),
            (["--k", "two"], ["--k"]),
        ]
        for args, fragments in cases:
            with self.subTest(args=args):
                self.assert_usage_error(args, fragments)

    def test_finite_time_needs_an_output_file(self):
        r = butterfly("lyapunov", "--finite-time", cwd=self.dir)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--finite-time", r.stderr)
        self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    unittest.main()
