#!/usr/bin/python3
"""`butterfly breed`: bred vectors' growth rates as JSON against the leading Lyapunov exponent,
the NetCDF file read back by xarray, and the error contract for bad input.

1. Small bred vectors are the leading Lyapunov vector (Toth & Kalnay, Mon. Wea. Rev. 125,
   3297 (1997); Kalnay, Atmospheric Modeling, Data Assimilation and Predictability,
   CUP 2003, Sec. 6.5), so their mean growth rate log(|d| / A) / cycle length is the leading
   exponent: Lorenz-96 (N = 40, F = 8) about 1.7 (Karimi & Paul, Chaos 20, 043105 (2010)),
   within 0.2 over the last T = 100 of 200; Lorenz-63 0.9056 (Sprott, Chaos and Time-Series Analysis, Oxford
   UP 2003, Appendix A), within 0.1 over T = 100. Independent seeds align with the same vector,
   so their growth rates over the last half agree closely.
2. -o writes a NetCDF file that xarray opens as is: dims vector, variable and cycle; every bred
   vector has the amplitude in the chosen norm; the growth rates average to the JSON's means;
   no temporary is left.
3. Bad input (--cycles 0, --amplitude -1, an unknown --norm, ...) exits 2 with one line on
   stderr naming the option, prints nothing on stdout and writes nothing.

Skipped while `butterfly breed --help` fails (the subcommand not yet wired into main.cpp).
Run by ctest with BUTTERFLY set; by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/cli/test_breed_cli.py
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

BUTTERFLY = os.path.abspath(os.environ.get("BUTTERFLY", "build/butterfly"))


def butterfly(*args, cwd=None):
    return subprocess.run([BUTTERFLY] + list(args), capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def breed_available():
    try:
        return butterfly("breed", "--help").returncode == 0
    except OSError:
        return False


@unittest.skipUnless(breed_available(), "butterfly breed is not wired into the command yet")
class BreedCliTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def breed_json(self, *args):
        r = butterfly("breed", "--json", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("\n"), 1, "one JSON object on one line")
        return json.loads(r.stdout)

    def test_lorenz96_growth_rate_is_the_leading_exponent(self):
        s = self.breed_json("--system", "lorenz96", "--cycles", "4000", "--cycle-length", "0.05",
                            "--amplitude", "1e-6", "--vectors", "2")
        self.assertEqual((s["system"], s["dimension"], s["vectors"], s["cycles"]),
                         ("lorenz96", 40, 2, 4000))
        self.assertEqual((s["norm"], s["pairs"], s["scheme"]), ("euclidean", False, "rk4"))
        self.assertAlmostEqual(s["end_time"] - s["start_time"], 200.0, delta=1e-9)
        self.assertEqual(s["growth_rate_first_cycle"], 2001)
        self.assertEqual(len(s["growth_rate_mean"]), 2)
        self.assertAlmostEqual(s["growth_rate_mean_all"], 1.7, delta=0.2, msg=s)
        # Both seeds bred the same (leading) vector over the last 100 time units.
        a, b = s["growth_rate_mean"]
        self.assertLess(abs(a - b), 0.001, s)

    def test_lorenz63_growth_rate_and_pairs(self):
        for extra in ([], ["--pairs"]):
            with self.subTest(extra=extra):
                s = self.breed_json("--system", "lorenz63", "--cycles", "2000", "--amplitude",
                                    "1e-6", *extra)
                self.assertEqual(s["pairs"], bool(extra))
                self.assertAlmostEqual(s["cycle_length"], 0.1)  # default: 10 steps of 0.01
                self.assertAlmostEqual(s["growth_rate_mean_all"], 0.9056, delta=0.1, msg=s)

    def test_text_table(self):
        r = butterfly("breed", "--system", "lorenz63", "--cycles", "20", "--vectors", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("growth (mean)", r.stdout)
        self.assertEqual(sum(1 for line in r.stdout.splitlines()
                             if line.split()[:1] in (["0"], ["1"], ["2"])), 3)

    def test_netcdf_output_reads_in_xarray(self):
        out = os.path.join(self.dir, "bred.nc")
        s = self.breed_json("--system", "lorenz96", "--set", "system.n=12", "--cycles", "50",
                            "--amplitude", "0.5", "--norm", "rms", "--vectors", "3", "--pairs",
                            "--seed", "7", "-o", out)
        self.assertEqual(sorted(os.listdir(self.dir)), ["bred.nc"], "no temporary left")
        with xr.open_dataset(out) as ds:
            ds = ds.load()
        self.assertEqual(dict(ds.sizes), {"vector": 3, "variable": 12, "cycle": 50})
        self.assertEqual(ds.bred_vectors.dims, ("vector", "variable"))
        self.assertEqual(ds.growth_rate.dims, ("vector", "cycle"))
        self.assertEqual(ds.control.dims, ("variable",))
        self.assertEqual(ds.growth_rate.attrs["units"], "1/time unit")
        self.assertEqual(list(ds.cycle.values), list(range(1, 51)))
        np.testing.assert_allclose(ds.time.values[-1], s["end_time"], rtol=1e-12)
        np.testing.assert_allclose(np.diff(ds.time.values), 0.1, rtol=1e-9)
        # Every bred vector has the amplitude in the rms norm.
        rms = np.sqrt((ds.bred_vectors.values ** 2).mean(axis=1))
        np.testing.assert_allclose(rms, 0.5, rtol=1e-12)
        # The JSON's means are those of the file's last half of the cycles.
        np.testing.assert_allclose(ds.growth_rate.values[:, 25:].mean(axis=1),
                                   s["growth_rate_mean"], rtol=1e-8)
        self.assertTrue(np.all(np.isfinite(ds.control.values)))
        self.assertEqual(ds.attrs["system"], "lorenz96")
        self.assertEqual(ds.attrs["norm"], "rms")
        self.assertEqual(ds.attrs["pairs"], 1)
        self.assertEqual(ds.attrs["system_n"], 12.0)
        self.assertEqual(ds.attrs["Conventions"], "CF-1.8")

    def assert_usage_error(self, args, fragments):
        out = os.path.join(self.dir, "out.nc")
        r = butterfly("breed", *args, "-o", out, cwd=self.dir)
        what = f"butterfly breed {' '.join(args)}\nstdout: {r.stdout!r}\nstderr: {r.stderr!r}"
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
            (["--cycles", "0"], ["--cycles", "at least 1", "0"]),
            (["--cycles", "-3"], ["--cycles"]),
            (["--amplitude", "-1"], ["--amplitude", "-1"]),
            (["--amplitude", "0"], ["--amplitude"]),
            (["--norm", "maximum"], ["--norm", "maximum", "euclidean"]),
            (["--norm", "energy"], ["--norm", "lorenz96"]),
            (["--vectors", "0"], ["--vectors"]),
            (["--cycle-length", "0.015"], ["--cycle-length", "--dt"]),
            (["--cycle-length", "0"], ["--cycle-length"]),
            (["--dt", "-0.01"], ["--dt"]),
            (["--spinup", "-1"], ["--spinup"]),
            (["--seed", "-1"], ["--seed"]),
            (["--system", "lorenz84"], ["--system", "lorenz84"]),
            (["--set", "system.forcingg=8"], ["system.forcingg"]),
            (["--set", "run.length=3"], ["run.length", "system.KEY=VALUE"]),
            (["--cycles", "two"], ["--cycles"]),
        ]
        for args, fragments in cases:
            with self.subTest(args=args):
                self.assert_usage_error(args, fragments)


if __name__ == "__main__":
    unittest.main()
