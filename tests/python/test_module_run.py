"""pytest: butterfly.systems() against the registry as `butterfly systems --json` prints it, and
butterfly.run() against the CLI's output file for the same config (same variables, same values
bit for bit), plus its error mapping (ValueError with the CLI's one-line message)."""
import json
import os
import subprocess

import numpy as np
import pytest
import xarray as xr

import butterfly

BUTTERFLY = os.environ.get("BUTTERFLY", "build/butterfly")
SMALL = {"system": {"name": "lorenz63"},
         "run": {"spinup": 1.0, "length": 1.0, "seed": 3},
         "ensemble": {"members": 16, "starts": 2, "start_interval": 1.0},
         "output": {"every": 0.1, "members_saved": 2}}


def test_systems_lists_registry():
    systems = {s["name"]: s for s in butterfly.systems()}
    assert {"lorenz63", "lorenz96"} <= set(systems)
    l63 = systems["lorenz63"]
    # Lorenz 1963 (J. Atmos. Sci. 20, 130-141): sigma = 10, rho = 28, beta = 8/3.
    defaults = {p["name"]: p["default"] for p in l63["parameters"]}
    assert defaults["sigma"] == 10 and defaults["rho"] == 28
    assert defaults["beta"] == pytest.approx(8 / 3, rel=1e-15)
    for s in systems.values():
        assert s["summary"] and s["default_scheme"] and s["default_dt"] > 0
        for p in s["parameters"]:
            assert {"name", "default", "meaning", "units"} <= set(p)


def test_run_matches_cli(tmp_path):
    ds = butterfly.run(SMALL, threads=2)
    for name in ("rmse", "spread", "crps", "ssr"):
        assert name in ds.variables, name
    assert ds.sizes["member"] == 2
    overrides = [a for sec, kv in SMALL.items() for k, v in kv.items()
                 for a in ("--set", f"{sec}.{k}={v}")]
    out = tmp_path / "cli.nc"
    subprocess.run([BUTTERFLY, "run", *overrides, "-o", str(out), "--threads", "1"],
                   check=True, capture_output=True)
    with xr.open_dataset(out) as cli:
        assert set(cli.variables) == set(ds.variables)
        for name in cli.variables:
            np.testing.assert_array_equal(ds[name].values, cli[name].values, err_msg=name)
        assert ds.attrs["config"] == cli.attrs["config"]


def test_run_keyword_overrides_and_toml_path(tmp_path):
    config = tmp_path / "small.toml"
    config.write_text('[system]\nname = "lorenz63"\n[run]\nspinup = 1.0\nlength = 0.5\n'
                      '[ensemble]\nmembers = 8\nstarts = 1\n')
    ds = butterfly.run(str(config), ensemble={"members": 6})
    assert ds.sizes["rank"] == 7  # M + 1 bins with M from the keyword override


def test_run_errors_match_cli():
    bad = {"ensemble": {"members": 1}, "run": {"spinup": 0.0, "length": 0.5}}
    with pytest.raises(ValueError) as info:
        butterfly.run(bad)
    cli = subprocess.run([BUTTERFLY, "run", "--set", "ensemble.members=1", "--set",
                          "run.spinup=0.0", "--set", "run.length=0.5", "-o", os.devnull],
                         capture_output=True, text=True)
    assert cli.returncode == 2
    assert cli.stderr.strip() == f"butterfly: {info.value}"
    with pytest.raises(ValueError, match="nosuchkey"):
        butterfly.run({"run": {"nosuchkey": 1}})
    with pytest.raises(TypeError, match="config"):
        butterfly.run(42)


def test_run_replays_members_of_the_full_run():
    # `butterfly run --members` from Python: the replayed trajectories are those members of
    # the full run, bit for bit (the full run saves its first members to compare against).
    config = {**SMALL, "output": {**SMALL.get("output", {}), "members_saved": 12}}
    full = butterfly.run(config)
    replay = butterfly.run(config, members=[3, 11])
    assert replay["member"].values.tolist() == [3, 11]
    np.testing.assert_array_equal(replay["members"].values,
                                  full["members"].sel(member=[3, 11]).values)
    np.testing.assert_array_equal(replay["truth"].values, full["truth"].values)
    assert butterfly.run(config, members="10-11")["member"].values.tolist() == [10, 11]
    with pytest.raises(ValueError, match="--members: member 99 does not exist"):
        butterfly.run(config, members=[99])
