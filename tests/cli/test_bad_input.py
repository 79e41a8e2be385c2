#!/usr/bin/python3
"""Bad input to `butterfly run` and `butterfly verify` (DESIGN "User-facing contract",
invariant 6).

Every case checks the whole error contract:
  * the exit status: 2 for usage errors (bad config, key, value, file or option),
    1 for run-time errors (unwritable output path, a run that blows up);
  * stderr is exactly one line, starting "butterfly: ", naming the key, file or value
    at fault (each case lists the fragments the line must contain);
  * nothing on stdout (no summary for a run that did not happen);
  * nothing left in the output directory: neither the output file nor a temporary
    `.NAME.tmp-*` beside it (inputs live in a separate directory).
Also: a failed run leaves an existing file at the output path untouched, and a run
interrupted with SIGINT (Ctrl-C) fails and removes its temporary.

Run by ctest with BUTTERFLY (the executable) and BUTTERFLY_SOURCE set; by hand:
  BUTTERFLY=build/butterfly BUTTERFLY_SOURCE=. /usr/bin/python3 tests/cli/test_bad_input.py
"""
import os
import signal
import subprocess
import tempfile
import time
import unittest
import warnings

import numpy as np
import xarray as xr

# Debian's netCDF4/cftime warn about numpy's ABI on import; harmless. Imported here, under
# the filter, because unittest resets the warning filters before running the tests.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="numpy.ndarray size changed")
    import netCDF4  # noqa: F401

BUTTERFLY = os.environ.get("BUTTERFLY", "build/butterfly")

# A small, fast, valid experiment; each case adds one bad setting to it.
SMALL = ["--set", "ensemble.members=20", "--set", "ensemble.starts=3", "--set", "run.length=2",
         "--set", "run.spinup=5", "--set", "output.every=0.5"]


def sets(*overrides):
    args = []
    for o in overrides:
        args += ["--set", o]
    return args


class ErrorContractCase(unittest.TestCase):
    """Helpers only: a scratch directory with in/ (inputs) and out/ (the output path)."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name
        self.inputs = os.path.join(self.dir, "in")
        self.outdir = os.path.join(self.dir, "out")
        os.mkdir(self.inputs)
        os.mkdir(self.outdir)
        self.out = os.path.join(self.outdir, "out.nc")

    def tearDown(self):
        self._tmp.cleanup()

    def input_file(self, name, text):
        path = os.path.join(self.inputs, name)
        mode = "wb" if isinstance(text, bytes) else "w"
        with open(path, mode) as f:
            f.write(text)
        return path

    def butterfly(self, args):
        return subprocess.run([BUTTERFLY] + args, cwd=self.dir, capture_output=True, text=True,
                              timeout=120)

    def assert_error(self, args, status, fragments, line_pattern=None):
        """Runs butterfly with `args`; checks status, the one-line message (which must contain
        every fragment, and match line_pattern if given) and that nothing was written."""
        before = sorted(os.listdir(self.inputs))
        r = self.butterfly(args)
        what = f"butterfly {' '.join(args)}\nstdout: {r.stdout!r}\nstderr: {r.stderr!r}"
        self.assertEqual(r.returncode, status, what)
        self.assertTrue(r.stderr.endswith("\n"), what)
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, "expected exactly one line on stderr\n" + what)
        line = lines[0]
        self.assertTrue(line.startswith("butterfly: "), what)
        for fragment in fragments:
            self.assertIn(fragment, line, what)
        if line_pattern is not None:
            self.assertRegex(line, line_pattern, what)
        self.assertEqual(r.stdout, "", "expected nothing on stdout\n" + what)
        self.assertEqual(os.listdir(self.outdir), [],
                         "output or temporary file left behind\n" + what)
        self.assertEqual(sorted(os.listdir(self.inputs)), before, "inputs changed\n" + what)
        return line


class RunBadInputTest(ErrorContractCase):
    def run_args(self, *more):
        return ["run"] + SMALL + list(more) + ["-o", self.out]

    # ---- sanity: the base experiment is valid, so each case fails for its own reason ----

    def test_base_experiment_succeeds(self):
        r = self.butterfly(self.run_args())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.listdir(self.outdir), ["out.nc"])

    # ---- config: names ----

    def test_unknown_system(self):
        self.assert_error(self.run_args(*sets("system.name=lorenz84")), 2,
                          ["system.name", "lorenz84"])

    def test_unknown_system_in_file(self):
        config = self.input_file("c.toml", '[system]\nname = "kuramoto"\n')
        self.assert_error(["run", config] + SMALL + ["-o", self.out], 2,
                          ["system.name", "kuramoto"])

    def test_unknown_section_override(self):
        self.assert_error(self.run_args(*sets("solver.dt=0.01")), 2, ["solver"])

    def test_unknown_section_in_file(self):
        config = self.input_file("c.toml", "[solver]\ndt = 0.01\n")
        self.assert_error(["run", config] + SMALL + ["-o", self.out], 2, ["c.toml", "solver"])

    def test_unknown_key_override(self):
        self.assert_error(self.run_args(*sets("run.lenght=2")), 2, ["run.lenght"])

    def test_unknown_key_in_file(self):
        config = self.input_file("c.toml", "[ensemble]\nmember = 20\n")
        self.assert_error(["run", config, "-o", self.out], 2, ["c.toml", "ensemble.member"])

    def test_unknown_system_parameter(self):
        self.assert_error(self.run_args(*sets("system.forcingg=8")), 2, ["system.forcingg"])

    def test_parameter_of_another_system(self):
        # forcing is a Lorenz-96 parameter, not a Lorenz-63 one.
        self.assert_error(self.run_args(*sets("system.name=lorenz63", "system.forcing=8")), 2,
                          ["system.forcing", "lorenz63"])

    # ---- config: types and values ----

    def test_wrong_value_type_in_file(self):
        config = self.input_file("c.toml", '[run]\nlength = "ten"\n')
        self.assert_error(["run", config, "-o", self.out], 2, ["c.toml", "run.length", "ten"])

    def test_wrong_value_type_override(self):
        self.assert_error(self.run_args(*sets("ensemble.members=many")), 2,
                          ["ensemble.members", "many"])

    def test_fractional_member_count(self):
        self.assert_error(self.run_args(*sets("ensemble.members=20.5")), 2,
                          ["ensemble.members", "20.5"])

    def test_one_member(self):
        self.assert_error(self.run_args(*sets("ensemble.members=1")), 2, ["ensemble.members", "1"])

    def test_zero_dt(self):
        self.assert_error(self.run_args(*sets("integrator.dt=0")), 2, ["integrator.dt", "0"])

    def test_negative_dt(self):
        self.assert_error(self.run_args(*sets("integrator.dt=-0.01")), 2,
                          ["integrator.dt", "-0.01"])

    def test_tiny_dt_is_refused_not_run(self):
        # 1e-300 would need ~1e299 steps: refused up front instead of hanging.
        self.assert_error(self.run_args(*sets("integrator.dt=1e-300")), 2,
                          ["integrator.dt", "steps"])

    def test_system_too_large(self):
        self.assert_error(self.run_args(*sets("system.n=1e9")), 2, ["system.n", "at most"])

    def test_ensemble_larger_than_memory(self):
        # The memory budget (80% of available memory by default), said before anything
        # runs, with the numbers: what the run needs and how many members would fit.
        self.assert_error(self.run_args(*sets("ensemble.members=1000000000")), 2,
                          ["1e9 members x 40 variables", "GiB", "default budget", "at most"])

    def test_unphysical_system_parameters(self):
        # One line naming the key and the allowed range (issue: chaotic ODE systems).
        cases = [
            (["system.name=henon_heiles", "system.energy=0.2"], ["system.energy", "1/6"]),
            (["system.name=shell_model", "system.nu=-1"], ["system.nu", "at least 0"]),
            (["system.name=double_pendulum", "system.m1=0"], ["system.m1"]),
            (["system.name=lorenz96_two_scale", "system.b=0"], ["system.b"]),
        ]
        for overrides, fragments in cases:
            with self.subTest(overrides=overrides):
                self.assert_error(self.run_args(*sets(*overrides)), 2, fragments)

    def test_tolerances_must_be_positive(self):
        self.assert_error(self.run_args(*sets("integrator.rtol=0")), 2, ["integrator.rtol", "> 0"])
        self.assert_error(self.run_args(*sets("integrator.atol=-1e-9")), 2,
                          ["integrator.atol", "> 0"])

    def test_scheme_that_does_not_apply(self):
        self.assert_error(self.run_args(*sets("integrator.scheme=yoshida4")), 2,
                          ["integrator.scheme", "yoshida4", "Hamiltonian"])
        self.assert_error(self.run_args(*sets("integrator.scheme=milstein")), 2,
                          ["integrator.scheme", "milstein", "stochastic"])
        self.assert_error(self.run_args(*sets("integrator.scheme=euler")), 2,
                          ["integrator.scheme", "euler", "expected one of"])

    def test_every_not_multiple_of_dt(self):
        self.assert_error(self.run_args(*sets("output.every=0.015", "run.length=0.03")), 2,
                          ["output.every", "0.015", "integrator.dt"])

    def test_length_not_multiple_of_every(self):
        self.assert_error(self.run_args(*sets("run.length=2.25")), 2,
                          ["run.length", "2.25", "output.every"])

    def test_members_saved_exceeds_members(self):
        self.assert_error(self.run_args(*sets("output.members_saved=21")), 2,
                          ["output.members_saved", "21"])

    def test_pairs_with_odd_members(self):
        self.assert_error(self.run_args(*sets("perturbation.pairs=true", "ensemble.members=21")), 2,
                          ["perturbation.pairs", "21"])

    # ---- config: files ----

    def test_missing_config_file(self):
        missing = os.path.join(self.inputs, "nowhere.toml")
        self.assert_error(["run", missing, "-o", self.out], 2, ["nowhere.toml"])

    def test_malformed_toml_names_line(self):
        config = self.input_file("bad.toml", "[run]\nlength = 2\nspinup = = 5\n")
        # The file and the line of the error (3), as file:line[:column] or "line 3".
        self.assert_error(["run", config, "-o", self.out], 2, ["bad.toml"],
                          line_pattern=r"bad\.toml:3\b|line 3\b")

    def test_initial_ensemble_wrong_var_length(self):
        # Lorenz-63 has 3 variables; the file has 4.
        path = os.path.join(self.inputs, "init.nc")
        rng = np.random.default_rng(3)
        xr.Dataset({
            "members": (("start", "member", "var"), rng.standard_normal((2, 10, 4))),
            "truth": (("start", "var"), rng.standard_normal((2, 4))),
        }).to_netcdf(path)
        self.assert_error(self.run_args(*sets("system.name=lorenz63", f"ensemble.initial={path}")),
                          2, ["init.nc", "var", "4", "3"])

    def test_initial_ensemble_missing_file(self):
        path = os.path.join(self.inputs, "absent.nc")
        self.assert_error(self.run_args(*sets(f"ensemble.initial={path}")), 2, ["absent.nc"])

    # ---- command line ----

    def test_unknown_cli_option(self):
        self.assert_error(self.run_args("--frobnicate"), 2, ["--frobnicate"])

    def test_bad_threads_value(self):
        self.assert_error(self.run_args("--threads", "0"), 2, ["threads"])

    def test_unknown_subcommand(self):
        r = self.butterfly(["frobnicate"])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertTrue(r.stderr.startswith("butterfly: "), r.stderr)
        self.assertIn("frobnicate", r.stderr)

    # ---- run-time errors (exit 1) ----

    def test_output_in_nonexistent_directory(self):
        missing_dir = os.path.join(self.outdir, "no", "such")
        self.assert_error(["run"] + SMALL + ["-o", os.path.join(missing_dir, "x.nc")], 1,
                          [os.path.join("no", "such")])
        self.assertFalse(os.path.exists(os.path.join(self.outdir, "no")))

    def test_run_that_blows_up_leaves_no_temporary(self):
        # dt = 0.5 makes RK4 on Lorenz-96 diverge during the spin-up, after the output's
        # temporary file was created: it must be removed.
        self.assert_error(self.run_args(*sets("integrator.dt=0.5")), 1, ["dt"])

    def test_interrupted_run_leaves_no_temporary(self):
        # Ctrl-C during a long run (DESIGN invariant 6: nothing half-written is left behind):
        # once the temporary output exists, SIGINT must end the run with a failure status
        # and remove the temporary; no output file appears.
        args = [BUTTERFLY, "run", "--set", "ensemble.members=100000", "--set", "ensemble.starts=1",
                "--set", "run.spinup=1", "--set", "run.length=20", "--set", "output.every=1",
                "--threads", "2", "-o", self.out]
        p = subprocess.Popen(args, cwd=self.dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        try:
            deadline = time.monotonic() + 30
            while not os.listdir(self.outdir) and time.monotonic() < deadline:
                if p.poll() is not None:
                    self.fail(f"the run ended before it could be interrupted: {p.stderr.read()}")
                time.sleep(0.01)
            self.assertTrue(os.listdir(self.outdir), "no temporary output appeared")
            self.assertFalse(os.path.exists(self.out), "output committed before the run ended")
            time.sleep(0.2)  # well into the integration
            p.send_signal(signal.SIGINT)
            _, stderr = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertNotEqual(p.returncode, 0, "an interrupted run reported success")
        self.assertEqual(os.listdir(self.outdir), [],
                         f"left behind after SIGINT (status {p.returncode}, stderr {stderr!r})")

    def test_failed_run_keeps_existing_output(self):
        # "nothing is written in its place": an existing file at the output path survives.
        with open(self.out, "wb") as f:
            f.write(b"previous results")
        r = self.butterfly(self.run_args(*sets("integrator.dt=0")))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(os.listdir(self.outdir), ["out.nc"])
        with open(self.out, "rb") as f:
            self.assertEqual(f.read(), b"previous results")
        r = self.butterfly(self.run_args(*sets("integrator.dt=0.5")))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(os.listdir(self.outdir), ["out.nc"])
        with open(self.out, "rb") as f:
            self.assertEqual(f.read(), b"previous results")


class VerifyBadInputTest(ErrorContractCase):
    """verify: the inputs are a forecast/truth pair written with xarray."""

    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(5)
        self.forecast = os.path.join(self.inputs, "fc.nc")
        self.truth = os.path.join(self.inputs, "obs.nc")
        xr.Dataset({
            "x": (("time", "member", "point"), rng.standard_normal((3, 8, 5))),
            "x_mean": (("time", "point"), rng.standard_normal((3, 5))),
        }).to_netcdf(self.forecast)
        xr.Dataset({
            "x": (("time", "point"), rng.standard_normal((3, 5))),
            "x_transposed": (("point", "time"), rng.standard_normal((5, 3))),
        }).to_netcdf(self.truth)
        # Same dimension names as the forecast's, one of them shorter.
        self.short_truth = os.path.join(self.inputs, "obs_short.nc")
        xr.Dataset({"x": (("time", "point"), rng.standard_normal((3, 4)))}).to_netcdf(
            self.short_truth)

    def verify(self, forecast=None, truth=None, var="x", *more):
        return ["verify", "--forecast", forecast or self.forecast, "--truth", truth or self.truth,
                "--var", var] + list(more) + ["-o", self.out]

    def test_base_verify_succeeds(self):
        r = self.butterfly(self.verify())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.listdir(self.outdir), ["out.nc"])

    def test_missing_forecast_file(self):
        self.assert_error(self.verify(forecast=os.path.join(self.inputs, "gone.nc")), 2,
                          ["gone.nc"])

    def test_missing_truth_file(self):
        self.assert_error(self.verify(truth=os.path.join(self.inputs, "gone.nc")), 2, ["gone.nc"])

    def test_forecast_not_netcdf(self):
        garbage = self.input_file("garbage.nc", bytes(np.random.default_rng(7).integers(
            0, 256, 4096, dtype=np.uint8)))
        self.assert_error(self.verify(forecast=garbage), 2, ["garbage.nc"])

    def test_forecast_is_a_text_file(self):
        text = self.input_file("notes.nc", "time,member,x\n0,0,1.5\n")
        self.assert_error(self.verify(forecast=text), 2, ["notes.nc"])

    def test_missing_forecast_variable(self):
        self.assert_error(self.verify(var="y"), 2, ["fc.nc", "'y'"])

    def test_missing_truth_variable(self):
        self.assert_error(self.verify(None, None, "x", "--truth-var", "obs"), 2,
                          ["obs.nc", "'obs'"])

    def test_forecast_without_member_dim(self):
        self.assert_error(self.verify(None, None, "x_mean", "--truth-var", "x"), 2,
                          ["fc.nc", "x_mean", "member"])

    def test_truth_with_transposed_dims(self):
        self.assert_error(self.verify(None, None, "x", "--truth-var", "x_transposed"), 2,
                          ["obs.nc", "x_transposed"])

    def test_truth_with_wrong_length(self):
        self.assert_error(self.verify(truth=self.short_truth), 2, ["obs_short.nc", "point=4"])

    def test_verify_missing_required_option(self):
        self.assert_error(["verify", "--forecast", self.forecast, "--var", "x", "-o", self.out], 2,
                          ["--truth"])

    def test_verify_output_in_nonexistent_directory(self):
        args = self.verify()[:-2] + ["-o", os.path.join(self.outdir, "nodir", "s.nc")]
        self.assert_error(args, 1, ["nodir"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
