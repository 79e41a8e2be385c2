"""butterfly in Python: ensemble scores on numpy arrays, the system registry, and
`butterfly run` returning an xarray.Dataset.

Scores take an ensemble with the member axis at `axis` and a truth of the ensemble's shape
without that axis; they run in C++ (butterfly's score_point, the same code as the command's
output) without Python loops and with the GIL released. Usage errors raise ValueError,
wrong dtypes TypeError, run-time failures RuntimeError, with the command's one-line messages.
"""
import os
import tempfile

import numpy as np

from . import _butterfly

__all__ = ["crps", "rank_histogram", "spread_skill", "outlier_rate", "systems", "run",
           "lyapunov"]


def _points(ensemble, truth, axis):
    """(points, members) and (points,) C-contiguous float64 views (copies only when the layout
    or dtype needs it), and the truth's shape; ValueError/TypeError naming the argument."""
    ensemble = np.asarray(ensemble)
    truth = np.asarray(truth)
    for name, a in (("ensemble", ensemble), ("truth", truth)):
        if a.dtype.kind not in "fiu":
            raise TypeError(f"{name}: expected a real (float or integer) array, got dtype {a.dtype}")
    if ensemble.ndim < 1:
        raise ValueError("ensemble: expected at least 1 dimension (the members), got a scalar")
    if not -ensemble.ndim <= axis < ensemble.ndim:
        raise ValueError(f"axis: {axis} is out of range for ensemble of shape {ensemble.shape}")
    ensemble = np.moveaxis(ensemble, axis, -1)
    expected = ensemble.shape[:-1]
    if truth.shape != expected:
        raise ValueError(f"truth: expected shape {expected} (ensemble's shape {ensemble.shape} "
                         f"without axis {axis}), got {truth.shape}")
    members = ensemble.shape[-1]
    if members < 2:
        raise ValueError(f"ensemble: expected at least 2 members along axis {axis}, got {members}")
    ens2 = np.ascontiguousarray(ensemble, dtype=np.float64).reshape(-1, members)
    truth1 = np.ascontiguousarray(truth, dtype=np.float64).reshape(-1)
    return ens2, truth1, expected


def crps(ensemble, truth, fair=False, axis=-1):
    """Per-point CRPS of the ensemble against the truth: the empirical-CDF form
    E|X - y| - E|X - X'|/2 (Gneiting & Raftery 2007; equal to properscoring.crps_ensemble), or
    with fair=True the fair form A/M - D/(2M(M-1)) (Ferro 2014). Returns an array of the truth's
    shape (a float for scalar truth)."""
    ens2, truth1, shape = _points(ensemble, truth, axis)
    out = _butterfly.crps(ens2, truth1, bool(fair)).reshape(shape)
    return out[()] if out.ndim == 0 else out


def rank_histogram(ensemble, truth, axis=-1):
    """M + 1 bins of counts over every point: bin k counts truths with k members below; a truth
    tied with t members adds 1/(t + 1) to each of bins k .. k + t (as scores.rank_histogram)."""
    ens2, truth1, _ = _points(ensemble, truth, axis)
    return _butterfly.rank_histogram(ens2, truth1)


def spread_skill(ensemble, truth, axis=-1):
    """Spread-skill ratio over every point, sqrt(mean_p (M+1)/M var_p) / rmse of the ensemble
    mean (var with ddof=1; Fortin et al. 2014): 1 in expectation for a reliable ensemble."""
    ens2, truth1, _ = _points(ensemble, truth, axis)
    return _butterfly.spread_skill(ens2, truth1)


def outlier_rate(ensemble, truth, axis=-1):
    """Fraction of points whose truth lies strictly outside the member range; 2/(M+1) for a
    reliable M-member ensemble."""
    ens2, truth1, _ = _points(ensemble, truth, axis)
    return _butterfly.outlier_rate(ens2, truth1)


def systems():
    """The registered systems as `butterfly systems` lists them: dicts with name, summary,
    time_units, parameters (name, default, meaning, units, integer, minimum, maximum),
    default_scheme and default_dt."""
    return _butterfly.systems()


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return repr(value.item() if isinstance(value, np.generic) else value)
    return str(value)


def _overrides(sections):
    out = []
    for section, keys in sections.items():
        if not isinstance(keys, dict):
            raise ValueError(f"config: section '{section}' must be a dict of key: value, "
                             f"got {type(keys).__name__}")
        for key, value in keys.items():
            out.append(f"{section}.{key}={_toml_value(value)}")
    return out


def run(config=None, threads=0, members=None, **overrides):
    """Runs `butterfly run` and returns its output as an xarray.Dataset (loaded into memory).

    config: None (the built-in default experiment), a TOML file path, or a dict
    {"section": {"key": value}} (each entry becomes the override section.key=value).
    overrides: more sections as keyword arguments, applied last, e.g.
    run(ensemble={"members": 50}, run={"length": 1.0}). threads: 0 for one per hardware thread.
    members: None for the whole experiment, or global member ids (ints, or a string such as
    "17,4242,100-103") to replay only those members, as `butterfly run --members`: the dataset
    then holds their trajectories (members, with member = the ids) and the truth, bit for bit
    those of the full run.
    The command's summary goes to stdout. ValueError for usage errors (bad key or value),
    RuntimeError for run-time failures, with the command's one-line messages."""
    import warnings

    with warnings.catch_warnings():  # Debian's netCDF4 warns about numpy's ABI on import
        warnings.filterwarnings("ignore", message="numpy.ndarray size changed")
        import xarray as xr  # imported here: the scores need only numpy

        try:
            import netCDF4  # noqa: F401  (xarray's default NetCDF-4 backend)
        except ImportError:
            pass

    path = ""
    sets = []
    if isinstance(config, dict):
        sets += _overrides(config)
    elif isinstance(config, (str, os.PathLike)):
        path = os.fspath(config)
    elif config is not None:
        raise TypeError(f"config: expected None, a dict or a TOML path, got {type(config).__name__}")
    sets += _overrides(overrides)
    with tempfile.TemporaryDirectory(prefix="butterfly-") as tmp:
        output = os.path.join(tmp, "run.nc")
        if members is None:
            _butterfly.run(path, sets, output, int(threads), False)
        else:
            ids = members if isinstance(members, str) else ",".join(str(int(m)) for m in members)
            _butterfly.run(path, sets, output, int(threads), False, True, ids)
        with xr.open_dataset(output) as ds:
            return ds.load()


def lyapunov(system="lorenz63", k=0, dt=0.01, transient=100.0, length=1000.0,
             renormalise_every=10, replicas=8, seed=1, threads=0, **parameters):
    """The k leading Lyapunov exponents (k=0: all) of a registered system by the Benettin/QR
    method, as `butterfly lyapunov` computes them: a dict with exponents, standard_error,
    by_replica (replicas x k), kaplan_yorke_dimension and ks_entropy. System parameters are
    keyword arguments, e.g. lyapunov("lorenz96", n=40, forcing=8)."""
    return _butterfly.lyapunov(system, [(key, float(value)) for key, value in parameters.items()],
                               int(k), float(dt), float(transient), float(length),
                               int(renormalise_every), int(replicas), int(seed), int(threads))
