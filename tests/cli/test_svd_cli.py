#!/usr/bin/python3
"""`butterfly svd`: singular vectors as JSON against an independent numpy computation, the
NetCDF file read back by xarray, and the error contract for bad input.

1. `svd --system lorenz96 --set system.n=12 --k 4 --json` gives the leading singular values
   and vectors of the RK4 tangent-linear propagator M' from the printed initial_state: they
   match numpy.linalg.svd of M' built here independently (numpy RK4 of Lorenz 1996 with its
   closed-form Jacobian J v = (v_{i+1} - v_{i-2}) x_{i-1} + (x_{i+1} - x_{i-2}) v_{i-1} - v_i,
   carried through the four RK4 stages), values to 1e-8, vectors up to sign to 1e-7, and
   M' v_i = sigma_i f_i.
2. Lorenz (1963), all three singular values: their product is |det M'| = exp(-(sigma + 1 +
   beta) T) by Liouville's formula (the divergence is constant), to O(dt^4) for RK4.
3. -o writes a NetCDF file that xarray opens as is: dims k and variable, singular_value(k),
   initial_vector(k, variable), final_vector(k, variable) with long_name and units, the global
   attributes; its numbers equal the JSON's; no temporary file is left beside it.
4. Bad input (unknown system or parameter, k outside [1, n], an optimisation time that is not
   a positive whole number of steps, dt <= 0, a bad spin-up or norm, an energy norm the system
   does not define, ...) exits 2 with one line on stderr naming the option, prints nothing on
   stdout and writes nothing.

The whole class is skipped while `butterfly svd --help` fails (the subcommand not wired yet).
Run by ctest with BUTTERFLY set; by hand:
  BUTTERFLY=build/butterfly /usr/bin/python3 tests/cli/test_svd_cli.py
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


def svd_available():
    try:
        return butterfly("svd", "--help").returncode == 0
    except OSError:
        return False


def lorenz96_propagator(x0, forcing, steps, dt):
    """M' of `steps` classic RK4 steps of Lorenz-96 from x0 (numpy, column j = M' e_j)."""
    def f(x):
        return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + forcing

    def jv(x, v):  # v: n x m, one tangent per column
        xs = x[:, None]
        return ((np.roll(v, -1, axis=0) - np.roll(v, 2, axis=0)) * np.roll(xs, 1, axis=0)
                + (np.roll(xs, -1, axis=0) - np.roll(xs, 2, axis=0)) * np.roll(v, 1, axis=0) - v)

    x = np.array(x0, dtype=float)
    m = np.eye(len(x))
    for _ in range(steps):
        k1, d1 = f(x), jv(x, m)
        y2, e2 = x + 0.5 * dt * k1, m + 0.5 * dt * d1
        k2, d2 = f(y2), jv(y2, e2)
        y3, e3 = x + 0.5 * dt * k2, m + 0.5 * dt * d2
        k3, d3 = f(y3), jv(y3, e3)
        y4, e4 = x + dt * k3, m + dt * d3
        k4, d4 = f(y4), jv(y4, e4)
        x = x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        m = m + dt / 6 * (d1 + 2 * d2 + 2 * d3 + d4)
    return x, m


def assert_same_up_to_sign(test, a, b, tol, what):
    a, b = np.asarray(a), np.asarray(b)
    sign = 1.0 if np.dot(a, b) >= 0 else -1.0
    test.assertLess(np.linalg.norm(a - sign * b), tol, what)


@unittest.skipUnless(svd_available(), "`butterfly svd --help` fails: svd is not wired in yet")
class SvdCliTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def run_json(self, *args):
        r = butterfly("svd", *args, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("\n"), 1, "one JSON object on one line")
        return json.loads(r.stdout)

    def test_lorenz96_json_matches_numpy_svd(self):
        s = self.run_json("--system", "lorenz96", "--set", "system.n=12", "--k", "4",
                          "--optimisation-time", "0.5", "--dt", "0.01", "--spinup", "5")
        self.assertEqual(s["system"], "lorenz96")
        self.assertEqual((s["dimension"], s["k"], s["steps"]), (12, 4, 50))
        self.assertEqual((s["scheme"], s["norm"]), ("rk4", "euclidean"))
        self.assertAlmostEqual(s["optimisation_time"], 0.5)
        self.assertAlmostEqual(s["spinup"], 5.0)
        self.assertTrue(s["converged"])
        self.assertLessEqual(s["iterations"], 12)
        self.assertEqual(s["tlm_products"], s["iterations"])
        self.assertEqual(np.array(s["initial_vectors"]).shape, (4, 12))
        self.assertEqual(np.array(s["final_vectors"]).shape, (4, 12))
        self.assertEqual(s["norm_weights"], [1.0] * 12)

        end, m = lorenz96_propagator(s["initial_state"], 8.0, 50, 0.01)
        np.testing.assert_allclose(s["final_state"], end, rtol=1e-10, atol=1e-10)
        u, sigma, vt = np.linalg.svd(m)
        np.testing.assert_allclose(s["singular_values"], sigma[:4], rtol=1e-8)
        np.testing.assert_allclose(s["growth_rates"], np.log(sigma[:4]) / 0.5, rtol=1e-8)
        for i in range(4):
            v, f = np.array(s["initial_vectors"][i]), np.array(s["final_vectors"][i])
            assert_same_up_to_sign(self, v, vt[i], 1e-7, f"initial vector {i + 1}")
            assert_same_up_to_sign(self, f, u[:, i], 1e-7, f"final vector {i + 1}")
            np.testing.assert_allclose(m @ v, s["singular_values"][i] * f, atol=1e-8 * sigma[0])
        self.assertTrue(np.all(np.diff(s["singular_values"]) <= 0), "descending")

    def test_lorenz63_singular_values_obey_liouville(self):
        # det M' = exp(div f T), div f = -(sigma + 1 + beta) for Lorenz (1963) (its eq. 1-3).
        s = self.run_json("--system", "lorenz63", "--k", "3", "--optimisation-time", "0.5",
                          "--dt", "0.001", "--spinup", "10")
        self.assertEqual(s["steps"], 500)
        expected = np.exp(-(10.0 + 1.0 + 8.0 / 3.0) * 0.5)
        self.assertAlmostEqual(np.prod(s["singular_values"]) / expected, 1.0, delta=1e-6)
        self.assertGreater(s["singular_values"][0], 1.0)

    def test_defaults_and_text_table(self):
        s = self.run_json()
        self.assertEqual((s["system"], s["dimension"], s["k"]), ("lorenz96", 40, 3))
        self.assertEqual(s["steps"], 100)
        self.assertAlmostEqual(s["dt"], 0.01)
        self.assertAlmostEqual(s["spinup"], 100.0)
        r = butterfly("svd", "--k", "2", "--optimisation-time", "0.2", "--spinup", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        for fragment in ("singular value", "growth rate", "residual", "Lanczos"):
            self.assertIn(fragment, r.stdout)
        # A system whose default scheme is not RK4 says that RK4 was used.
        r = butterfly("svd", "--system", "henon_heiles", "--k", "2", "--optimisation-time", "1",
                      "--spinup", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("yoshida4", r.stdout)

    def test_netcdf_output_reads_in_xarray(self):
        out = os.path.join(self.dir, "svd.nc")
        s = self.run_json("--system", "lorenz96", "--set", "system.n=10", "--k", "3",
                          "--optimisation-time", "0.3", "--spinup", "2", "-o", out)
        self.assertEqual(sorted(os.listdir(self.dir)), ["svd.nc"], "no temporary left")
        self.assertEqual(s["output"], out)
        with xr.open_dataset(out) as ds:
            ds = ds.load()
        self.assertEqual(dict(ds.sizes), {"k": 3, "variable": 10})
        self.assertEqual(ds.singular_value.dims, ("k",))
        self.assertEqual(ds.initial_vector.dims, ("k", "variable"))
        self.assertEqual(ds.final_vector.dims, ("k", "variable"))
        for name in ("singular_value", "growth_rate", "initial_vector", "final_vector",
                     "initial_state"):
            self.assertIn("long_name", ds[name].attrs, name)
            self.assertIn("units", ds[name].attrs, name)
        self.assertEqual(ds.growth_rate.attrs["units"], "1/time unit")
        self.assertEqual(list(ds.k.values), [1, 2, 3])
        self.assertEqual(list(ds.variable.values), list(range(10)))
        np.testing.assert_array_equal(ds.singular_value.values, s["singular_values"])
        np.testing.assert_array_equal(ds.initial_vector.values, s["initial_vectors"])
        np.testing.assert_array_equal(ds.final_vector.values, s["final_vectors"])
        np.testing.assert_array_equal(ds.initial_state.values, s["initial_state"])
        # Unit vectors, the initial ones orthonormal.
        v = ds.initial_vector.values
        np.testing.assert_allclose(v @ v.T, np.eye(3), atol=1e-12)
        np.testing.assert_allclose(np.linalg.norm(ds.final_vector.values, axis=1), 1.0,
                                   rtol=1e-12)
        self.assertEqual(ds.attrs["Conventions"], "CF-1.8")
        self.assertEqual(ds.attrs["system"], "lorenz96")
        self.assertEqual(ds.attrs["system_n"], 10.0)
        self.assertEqual(ds.attrs["norm"], "euclidean")
        self.assertEqual(int(ds.attrs["steps"]), 30)
        self.assertEqual(int(ds.attrs["iterations"]), s["iterations"])

    def test_energy_norm_of_a_system_with_norm_weights(self):
        # kuramoto_sivashinsky's energy norm is the integral of u^2, W = (L / nx) I: a multiple
        # of the identity leaves the singular values alone and scales the vectors by
        # 1 / sqrt(L / nx) (B = W^(1/2) M' W^(-1/2) = M'). RK4 needs dt < 2.8 / max|k^2 - k^4|
        # (0.0064 here), hence --dt 0.005.
        args = ["--system", "kuramoto_sivashinsky", "--set", "system.nx=32", "--set",
                "system.length=22", "--dt", "0.005", "--optimisation-time", "0.5", "--spinup",
                "20", "--k", "2"]
        r = butterfly("svd", *args, "--norm", "energy", "--json")
        if r.returncode == 2 and "unknown system" in r.stderr:
            self.skipTest("kuramoto_sivashinsky is not registered")
        self.assertEqual(r.returncode, 0, r.stderr)
        energy = json.loads(r.stdout)
        euclidean = self.run_json(*args)
        w = 22.0 / 32.0
        self.assertEqual(energy["norm"], "energy")
        np.testing.assert_allclose(energy["norm_weights"], [w] * 32, rtol=1e-15)
        np.testing.assert_allclose(energy["singular_values"], euclidean["singular_values"],
                                   rtol=1e-10)
        v = np.array(energy["initial_vectors"])
        np.testing.assert_allclose(w * v @ v.T, np.eye(2), atol=1e-12)
        for i in range(2):
            assert_same_up_to_sign(self, np.sqrt(w) * v[i], euclidean["initial_vectors"][i], 1e-8,
                                   f"initial vector {i + 1}")

    def assert_usage_error(self, args, fragments):
        out = os.path.join(self.dir, "out.nc")
        r = butterfly("svd", *args, "-o", out, cwd=self.dir)
        what = f"butterfly svd {' '.join(args)}\nstdout: {r.stdout!r}\nstderr: {r.stderr!r}"
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
            (["--set", "system.forcing=abc"], ["system.forcing", "abc"]),
            (["--set", "run.length=3"], ["run.length", "system.KEY=VALUE"]),
            (["--k", "0"], ["--k", "40"]),
            (["--k", "41"], ["--k", "40"]),
            (["--system", "lorenz63", "--k", "4"], ["--k", "3"]),
            (["--k", "two"], ["--k"]),
            (["--optimisation-time", "0"], ["--optimisation-time"]),
            (["--optimisation-time", "-1"], ["--optimisation-time"]),
            (["--optimisation-time", "0.015"], ["--optimisation-time", "--dt"]),
            (["--dt", "0"], ["--dt"]),
            (["--dt", "-0.01"], ["--dt"]),
            (["--spinup", "-1"], ["--spinup"]),
            (["--spinup", "0.015"], ["--spinup", "--dt"]),
            (["--norm", "l2"], ["--norm", "l2"]),
            # Lorenz-96 defines no norm_weights (no energy norm).
            (["--norm", "energy"], ["--norm", "lorenz96", "euclidean"]),
            (["--tolerance", "0"], ["--tolerance"]),
            (["--max-iterations", "-1"], ["--max-iterations"]),
            (["--max-iterations", "2"], ["--max-iterations", "--k"]),
            (["--seed", "-1"], ["--seed"]),
        ]
        for args, fragments in cases:
            with self.subTest(args=args):
                self.assert_usage_error(args, fragments)

    def test_missing_output_directory_is_a_runtime_error(self):
        out = os.path.join(self.dir, "missing", "svd.nc")
        r = butterfly("svd", "--k", "1", "--optimisation-time", "0.1", "--spinup", "0", "-o", out)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("missing", r.stderr)
        self.assertEqual(os.listdir(self.dir), [])


if __name__ == "__main__":
    unittest.main()
