#!/usr/bin/python3
"""The numpy baseline a scientist would write (DAPPER-style): a Lorenz-96 ensemble
with state shape (members, N), vectorised over members with np.roll, integrated
with classic RK4. Prints member-steps per second as JSON."""
import argparse
import json
import time

import numpy as np
from numpy_rk4 import rk4_step


def l96_rhs(x, forcing):
    # dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F, along the last axis.
    return (np.roll(x, -1, axis=-1) - np.roll(x, 2, axis=-1)) * np.roll(x, 1, axis=-1) - x + forcing


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--dt", type=float, default=0.01)
    parser.add_argument("--forcing", type=float, default=8.0)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    x = args.forcing + rng.standard_normal((args.members, args.n))
    x = rk4_step(l96_rhs, x, args.dt, args.forcing)  # warm-up
    begin = time.perf_counter()
    for _ in range(args.steps):
        x = rk4_step(l96_rhs, x, args.dt, args.forcing)
    seconds = time.perf_counter() - begin
    assert np.all(np.isfinite(x))
    print(json.dumps({"system": "lorenz96", "members": args.members, "steps": args.steps,
                      "seconds": seconds, "member_steps_per_second": args.members * args.steps / seconds}))


if __name__ == "__main__":
    main()
