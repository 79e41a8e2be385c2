#!/usr/bin/python3
"""numpy peer: an ensemble of planar three-body problems (G = 1), state (members, 12) =
(x1, y1, x2, y2, x3, y3, vx1, vy1, vx2, vy2, vx3, vy3), started from Burrau's Pythagorean
problem (masses 3, 4, 5 at rest at (1, 3), (-2, -1), (1, -1)) with positions perturbed by
1e-3.

What a scientist would write with numpy: fixed-step classic RK4 vectorised over members,
dt = 0.01 (butterfly's default_dt for three_body). An adaptive per-member DOPRI5, which is
butterfly's default scheme for this system, does not vectorise over members in numpy
(every member needs its own step sequence), so the peer uses the fixed step; it is the
same amount of model time, not the same accuracy: RK4 at dt = 0.01 does not resolve the
close encounters (distance ~1e-2 by t = 2, ~1e-4 later), which DOPRI5 does by shrinking
its steps there. Prints member-steps per second (steps of dt) as one JSON line."""
import argparse
import json
import time

import numpy as np
from numpy_rk4 import rk4_step

MASSES = np.array([3.0, 4.0, 5.0])
PYTHAGOREAN = np.array([1.0, 3.0, -2.0, -1.0, 1.0, -1.0, 0, 0, 0, 0, 0, 0])


def rhs(x):
    q = x[:, :6].reshape(-1, 3, 2)  # (members, body, xy)
    a = np.zeros_like(q)
    for i in range(3):
        for j in range(i + 1, 3):
            d = q[:, j] - q[:, i]
            r2 = np.einsum("mk,mk->m", d, d)
            inv_r3 = (1.0 / (r2 * np.sqrt(r2)))[:, None]
            a[:, i] += MASSES[j] * inv_r3 * d
            a[:, j] -= MASSES[i] * inv_r3 * d
    return np.concatenate([x[:, 6:], a.reshape(-1, 6)], axis=1)


def rk4(x, dt):
    return rk4_step(rhs, x, dt)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--dt", type=float, default=0.01)
    args = parser.parse_args()
    x = np.tile(PYTHAGOREAN, (args.members, 1))
    x[:, :6] += 1e-3 * np.random.default_rng(1).standard_normal((args.members, 6))
    begin = time.perf_counter()
    for _ in range(args.steps):
        x = rk4(x, args.dt)
    seconds = time.perf_counter() - begin
    assert np.isfinite(x).all()
    print(json.dumps({"system": "three_body", "members": args.members, "steps": args.steps,
                      "member_steps_per_second": args.members * args.steps / seconds}))


if __name__ == "__main__":
    main()
