#!/usr/bin/python3
"""The numpy baseline a scientist would write for the Rossler (1976) system: state shape
(members, 3), vectorised over members, classic RK4 at dt = 0.01 (the default step).
  dx/dt = -y - z,  dy/dt = x + a y,  dz/dt = b + z (x - c),  a = b = 0.2, c = 5.7
Prints member-steps per second as one JSON line."""
import argparse
import json
import time

import numpy as np
from numpy_rk4 import rk4_step


def rhs(u, a, b, c):
    x, y, z = u[:, 0], u[:, 1], u[:, 2]
    return np.stack([-y - z, x + a * y, b + z * (x - c)], axis=-1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--dt", type=float, default=0.01)
    args = parser.parse_args()
    p = (0.2, 0.2, 5.7)
    rng = np.random.default_rng(1)
    u = np.array([1.0, 1.0, 1.0]) + 0.1 * rng.standard_normal((args.members, 3))
    u = rk4_step(rhs, u, args.dt, *p)  # warm-up
    begin = time.perf_counter()
    for _ in range(args.steps):
        u = rk4_step(rhs, u, args.dt, *p)
    seconds = time.perf_counter() - begin
    assert np.all(np.isfinite(u))
    print(json.dumps({"system": "rossler", "members": args.members, "steps": args.steps,
                      "member_steps_per_second": args.members * args.steps / seconds}))


if __name__ == "__main__":
    main()
