#!/usr/bin/python3
"""numpy peer: a double-pendulum ensemble, state (members, 4) = (theta1, theta2, omega1, omega2),
RK4 vectorised over members, with the equations of src/butterfly/systems/double_pendulum.hpp."""
import argparse
import json
import time

import numpy as np
from numpy_rk4 import rk4_step


def rhs(x, m1=1.0, m2=1.0, l1=1.0, l2=1.0, g=9.81):
    t1, t2, w1, w2 = x[:, 0], x[:, 1], x[:, 2], x[:, 3]
    s = np.sin(t1 - t2)
    c = np.cos(t1 - t2)
    sin1 = np.sin(t1)
    sin2 = np.sin(t2)
    den = m1 + m2 * s * s
    f = np.empty_like(x)
    f[:, 0] = w1
    f[:, 1] = w2
    f[:, 2] = (m2 * g * sin2 * c - m2 * s * (l1 * w1 * w1 * c + l2 * w2 * w2)
               - (m1 + m2) * g * sin1) / (l1 * den)
    f[:, 3] = ((m1 + m2) * (l1 * w1 * w1 * s - g * sin2 + g * sin1 * c)
               + m2 * l2 * w2 * w2 * s * c) / (l2 * den)
    return f


def rk4(x, dt):
    return rk4_step(rhs, x, dt)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--dt", type=float, default=0.001)
    args = parser.parse_args()
    # butterfly's default state (2 pi/3, 2 pi/3, 0, 0), angles perturbed.
    x = np.zeros((args.members, 4))
    x[:, :2] = 2.0 * np.pi / 3.0
    x[:, :2] += 1e-3 * np.random.default_rng(1).standard_normal((args.members, 2))
    begin = time.perf_counter()
    for _ in range(args.steps):
        x = rk4(x, args.dt)
    seconds = time.perf_counter() - begin
    assert np.isfinite(x).all()
    print(json.dumps({"system": "double_pendulum", "members": args.members, "steps": args.steps,
                      "member_steps_per_second": args.members * args.steps / seconds}))


if __name__ == "__main__":
    main()
