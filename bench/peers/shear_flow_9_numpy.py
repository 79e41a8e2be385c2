#!/usr/bin/python3
"""The numpy baseline a scientist would write for the nine-mode shear-flow model of
Moehlis, Faisst & Eckhardt (2004), New J. Phys. 6, 56, eqs. (21)-(29): state shape
(members, 9), vectorised over members, classic RK4 at dt = 0.25 (the default step),
Re = 400, Lx = 4 pi, Lz = 2 pi. Prints member-steps per second as one JSON line."""
import argparse
import json
import time

import numpy as np
from numpy_rk4 import rk4_step


def coefficients(re, lx, lz):
    al, be, ga = 2 * np.pi / lx, np.pi / 2, 2 * np.pi / lz
    kag, kbg = np.sqrt(al**2 + ga**2), np.sqrt(be**2 + ga**2)
    kabg = np.sqrt(al**2 + be**2 + ga**2)
    zeta = np.array([be**2, 4 * be**2 / 3 + ga**2, be**2 + ga**2, (3 * al**2 + 4 * be**2) / 3,
                     al**2 + be**2, (3 * al**2 + 4 * be**2 + 3 * ga**2) / 3,
                     al**2 + be**2 + ga**2, al**2 + be**2 + ga**2, 9 * be**2]) / re
    return dict(al=al, be=be, ga=ga, kag=kag, kbg=kbg, kabg=kabg, zeta=zeta, re=re)


def rhs(u, q):
    al, be, ga, kag, kbg, kabg = q["al"], q["be"], q["ga"], q["kag"], q["kbg"], q["kabg"]
    a1, a2, a3, a4, a5, a6, a7, a8, a9 = (u[:, i] for i in range(9))
    s6, s32 = np.sqrt(6), np.sqrt(1.5)
    abg = al * be * ga
    n = np.stack([
        -s32 * be * ga / kabg * a6 * a8 + s32 * be * ga / kbg * a2 * a3,
        5 * np.sqrt(2) / (3 * np.sqrt(3)) * ga**2 / kag * a4 * a6 - ga**2 / (s6 * kag) * a5 * a7
        - abg / (s6 * kag * kabg) * a5 * a8 - s32 * be * ga / kbg * (a1 * a3 + a3 * a9),
        2 / s6 * abg / (kag * kbg) * (a4 * a7 + a5 * a6)
        + (be**2 * (3 * al**2 + ga**2) - 3 * ga**2 * (al**2 + ga**2)) / (s6 * kag * kbg * kabg) * a4 * a8,
        -al / s6 * (a1 * a5 + a5 * a9) - 10 / (3 * s6) * al**2 / kag * a2 * a6
        - s32 * abg / (kag * kbg) * a3 * a7 - s32 * al**2 * be**2 / (kag * kbg * kabg) * a3 * a8,
        al / s6 * (a1 * a4 + a4 * a9) + al**2 / (s6 * kag) * a2 * a7
        - abg / (s6 * kag * kabg) * a2 * a8 + 2 / s6 * abg / (kag * kbg) * a3 * a6,
        al / s6 * (a1 * a7 + a7 * a9) + s32 * be * ga / kabg * (a1 * a8 + a8 * a9)
        + 10 / (3 * s6) * (al**2 - ga**2) / kag * a2 * a4 - 2 * np.sqrt(2 / 3) * abg / (kag * kbg) * a3 * a5,
        -al / s6 * (a1 * a6 + a6 * a9) + (ga**2 - al**2) / (s6 * kag) * a2 * a5
        + abg / (s6 * kag * kbg) * a3 * a4,
        2 / s6 * abg / (kag * kabg) * a2 * a5
        + ga**2 * (3 * al**2 - be**2 + 3 * ga**2) / (s6 * kag * kbg * kabg) * a3 * a4,
        s32 * be * ga / kbg * a2 * a3 - s32 * be * ga / kabg * a6 * a8,
    ], axis=-1)
    f = n - q["zeta"] * u
    f[:, 0] += be**2 / q["re"]
    return f


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--dt", type=float, default=0.25)
    args = parser.parse_args()
    q = coefficients(400.0, 4 * np.pi, 2 * np.pi)
    rng = np.random.default_rng(1)
    u = np.zeros((args.members, 9))
    u[:, :4] = [1.0, 0.07066, -0.07076, 0.05]
    u += 0.01 * rng.standard_normal(u.shape)
    u = rk4_step(rhs, u, args.dt, q)  # warm-up
    begin = time.perf_counter()
    for _ in range(args.steps):
        u = rk4_step(rhs, u, args.dt, q)
    seconds = time.perf_counter() - begin
    assert np.all(np.isfinite(u))
    print(json.dumps({"system": "shear_flow_9", "members": args.members, "steps": args.steps,
                      "member_steps_per_second": args.members * args.steps / seconds}))


if __name__ == "__main__":
    main()
