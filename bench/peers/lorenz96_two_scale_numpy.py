#!/usr/bin/python3
"""The numpy baseline a scientist would write (DAPPER LorenzUV style) for the two-scale
Lorenz-96 model: state shape (members, K + K J) = (X, Y) with Y[k J + j] = Y_{j,k},
vectorised over members with np.roll, classic RK4 at the system's default step.
  dX_k/dt = -X_{k-1} (X_{k-2} - X_{k+1}) - X_k + F - (h c / b) sum_j Y_{j,k}
  dY_i/dt = -c b Y_{i+1} (Y_{i+2} - Y_{i-1}) - c Y_i + (h c / b) X_{i // J}
Prints member-steps per second as one JSON line."""
import argparse
import json
import time

import numpy as np
from numpy_rk4 import rk4_step


def rhs(x, k, j, h, c, b, forcing):
    X, Y = x[:, :k], x[:, k:]
    hcb = h * c / b
    dX = (np.roll(X, 1, axis=-1) * (np.roll(X, -1, axis=-1) - np.roll(X, 2, axis=-1)) - X + forcing
          - hcb * Y.reshape(-1, k, j).sum(axis=-1))
    dY = (-c * b * np.roll(Y, -1, axis=-1) * (np.roll(Y, -2, axis=-1) - np.roll(Y, 1, axis=-1))
          - c * Y + hcb * np.repeat(X, j, axis=-1))
    return np.concatenate([dX, dY], axis=-1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--dt", type=float, default=0.005)
    args = parser.parse_args()
    k, j, h, c, b, forcing = 36, 10, 1.0, 10.0, 10.0, 10.0
    rng = np.random.default_rng(1)
    x = np.concatenate([forcing + rng.standard_normal((args.members, k)),
                        0.1 * rng.standard_normal((args.members, k * j))], axis=-1)
    p = (k, j, h, c, b, forcing)
    x = rk4_step(rhs, x, args.dt, *p)  # warm-up
    begin = time.perf_counter()
    for _ in range(args.steps):
        x = rk4_step(rhs, x, args.dt, *p)
    seconds = time.perf_counter() - begin
    assert np.all(np.isfinite(x))
    print(json.dumps({"system": "lorenz96_two_scale", "members": args.members, "steps": args.steps,
                      "member_steps_per_second": args.members * args.steps / seconds}))


if __name__ == "__main__":
    main()
