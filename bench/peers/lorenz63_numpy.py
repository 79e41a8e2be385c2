#!/usr/bin/python3
"""numpy peer: a Lorenz-63 ensemble, state (members, 3), RK4 vectorised over members."""
import argparse
import json
import time

import numpy as np
from numpy_rk4 import rk4_step


def rhs(x, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    f = np.empty_like(x)
    f[:, 0] = sigma * (x[:, 1] - x[:, 0])
    f[:, 1] = x[:, 0] * (rho - x[:, 2]) - x[:, 1]
    f[:, 2] = x[:, 0] * x[:, 1] - beta * x[:, 2]
    return f


def rk4(x, dt):
    return rk4_step(rhs, x, dt)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--dt", type=float, default=0.01)
    args = parser.parse_args()
    x = np.array([1.0, 1.0, 20.0]) + np.random.default_rng(1).standard_normal((args.members, 3))
    begin = time.perf_counter()
    for _ in range(args.steps):
        x = rk4(x, args.dt)
    seconds = time.perf_counter() - begin
    assert np.isfinite(x).all()
    print(json.dumps({"system": "lorenz63", "members": args.members, "steps": args.steps,
                      "member_steps_per_second": args.members * args.steps / seconds}))


if __name__ == "__main__":
    main()
