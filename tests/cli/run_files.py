"""Helpers shared by the CLI tests of issue 6 (MPI, checkpoints, replay, failures): run the
command, read every variable of an output raw, and compare two outputs bit for bit.

Not a test itself (ctest globs test_*.py only)."""
import os
import shlex
import signal
import subprocess
import time
import warnings

import numpy as np

with warnings.catch_warnings():  # Debian's netCDF4 warns about numpy's ABI on import
    warnings.filterwarnings("ignore", message="numpy.ndarray size changed")
    import netCDF4

BUTTERFLY = os.environ.get("BUTTERFLY", "build/butterfly")
# The MPI launcher with the flags a root user in a container needs (set by ctest from
# tests/dist/mpi_tests.cmake); by hand, e.g. "mpirun --allow-run-as-root --oversubscribe".
MPIRUN = shlex.split(os.environ.get("BUTTERFLY_MPIRUN", ""))

# Run-derived global attributes that must match too (not the config text, which names the
# block size).
RUN_ATTRIBUTES = ["saturation_rmse", "climatological_std", "half_saturation_lead",
                  "integrator_accepted_steps", "integrator_rejected_steps",
                  "integrator_failed_members"]


def command(*args, ranks=None):
    """The butterfly command line, under the MPI launcher with `ranks` processes if given."""
    prefix = [*MPIRUN, "-n", str(ranks)] if ranks else []
    return [*prefix, BUTTERFLY, *args]


def run(*args, ranks=None, check=True):
    result = subprocess.run(command(*args, ranks=ranks), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command(*args, ranks=ranks))}\n{result.stderr}")
    return result


def read_all(path):
    """Every variable as a raw numpy array (no masking), and the run-derived attributes."""
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_maskandscale(False)
        variables = {name: np.array(v[...]) for name, v in ds.variables.items()}
        attributes = {a: ds.getncattr(a) for a in RUN_ATTRIBUTES if a in ds.ncattrs()}
    return variables, attributes


def assert_identical(test, expected_path, actual_path):
    """Every variable has the same dtype, shape and bytes (so NaN == NaN and -0.0 != 0.0),
    and the run attributes are equal."""
    expected, expected_attributes = read_all(expected_path)
    actual, actual_attributes = read_all(actual_path)
    test.assertEqual(sorted(expected), sorted(actual), actual_path)
    for name, array in expected.items():
        other = actual[name]
        test.assertEqual((array.dtype, array.shape), (other.dtype, other.shape),
                         f"{actual_path}: {name}")
        test.assertEqual(array.tobytes(), other.tobytes(), f"{actual_path}: {name} differs")
    test.assertEqual(set(expected_attributes), set(actual_attributes), actual_path)
    for name, value in expected_attributes.items():
        test.assertEqual(np.asarray(value).tobytes(), np.asarray(actual_attributes[name]).tobytes(),
                         f"{actual_path}: attribute {name} differs")


def wait_for(path, process, timeout=60.0):
    """Waits until `path` exists while `process` runs; False if the process ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        if process.poll() is not None:
            return os.path.exists(path)
        time.sleep(0.01)
    return False


def stop(process, sig=signal.SIGKILL):
    process.send_signal(sig)
    return process.communicate(timeout=120)
