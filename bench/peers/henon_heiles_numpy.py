#!/usr/bin/python3
"""numpy peer: a Henon-Heiles ensemble, state (members, 4) = (x, y, px, py), stepped with
Yoshida's (1990) 4th-order leapfrog composition (drift-kick-drift) vectorised over members."""
import argparse
import json
import time

import numpy as np

CBRT2 = 2.0 ** (1.0 / 3.0)
W1 = 1.0 / (2.0 - CBRT2)
W0 = -CBRT2 * W1
DRIFT = (W1 / 2, (W0 + W1) / 2, (W0 + W1) / 2, W1 / 2)
KICK = (W1, W0, W1)


def potential(x, y):
    return 0.5 * (x * x + y * y) + x * x * y - y ** 3 / 3.0


def yoshida4(q, p, dt):
    """One step; q = (x, y) and p = (px, py), each of shape (members, 2), updated in place."""
    for c, d in zip(DRIFT, KICK):
        q += (c * dt) * p
        x, y = q[:, 0], q[:, 1]
        p[:, 0] += (d * dt) * (-x - 2.0 * x * y)
        p[:, 1] += (d * dt) * (-y - x * x + y * y)
    q += (DRIFT[-1] * dt) * p


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--dt", type=float, default=0.01)
    parser.add_argument("--energy", type=float, default=0.125)
    args = parser.parse_args()
    # butterfly's default state (x0, y0, py0) = (0, -0.2, 0) on H = E, positions perturbed.
    rng = np.random.default_rng(1)
    q = np.array([0.0, -0.2]) + 1e-3 * rng.standard_normal((args.members, 2))
    p = np.zeros((args.members, 2))
    p[:, 0] = np.sqrt(2.0 * (args.energy - potential(q[:, 0], q[:, 1])))
    begin = time.perf_counter()
    for _ in range(args.steps):
        yoshida4(q, p, args.dt)
    seconds = time.perf_counter() - begin
    assert np.isfinite(q).all() and np.isfinite(p).all()
    print(json.dumps({"system": "henon_heiles", "members": args.members, "steps": args.steps,
                      "member_steps_per_second": args.members * args.steps / seconds}))


if __name__ == "__main__":
    main()
