#!/usr/bin/python3
"""numpy peer: the full Lyapunov spectrum of Lorenz-96 by the Benettin/QR method, as a
scientist would write it. The state x (N,) steps with classic RK4; the tangent frame V
(N x N) steps with the same RK4 applied to the variational equation dV/dt = J(x) V, with the
Jacobian J built as an (N x N) matrix at every stage state (this is the tangent-linear model
of the RK4 step, what `butterfly lyapunov` propagates); numpy.linalg.qr re-orthonormalises V
every `--every` steps and the exponents are the time averages of log |R_ii|.

Run: the default state x_i = F, x_0 += 0.01 carried over --transient (state only), then
--transient again with the frame (aligning it), then --length averaged: the same schedule as
`butterfly lyapunov --replicas 1` (analysis/lyapunov_spectrum.cpp). Prints JSON: exponents,
wall and CPU seconds of the whole computation, steps."""
import argparse
import json
import time

import numpy as np


def l96_rhs(x, forcing):
    # dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F
    return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + forcing


def l96_jacobian(x, rows, ip1, im1, im2):
    n = x.size
    jac = -np.eye(n)
    jac[rows, ip1] = x[im1]             # d/dx_{i+1}
    jac[rows, im2] = -x[im1]            # d/dx_{i-2}
    jac[rows, im1] = x[ip1] - x[im2]    # d/dx_{i-1}
    return jac


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--forcing", type=float, default=8.0)
    parser.add_argument("--dt", type=float, default=0.01)
    parser.add_argument("--transient", type=float, default=50.0)
    parser.add_argument("--length", type=float, default=500.0)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n, forcing, dt = args.n, args.forcing, args.dt
    transient_steps = round(args.transient / dt)
    intervals = round(args.length / (args.every * dt))
    rows = np.arange(n)
    ip1, im1, im2 = (rows + 1) % n, (rows - 1) % n, (rows - 2) % n

    begin, cpu_begin = time.perf_counter(), time.process_time()
    x = np.full(n, forcing)
    x[0] += 0.01
    for _ in range(transient_steps):  # state only
        k1 = l96_rhs(x, forcing)
        k2 = l96_rhs(x + 0.5 * dt * k1, forcing)
        k3 = l96_rhs(x + 0.5 * dt * k2, forcing)
        k4 = l96_rhs(x + dt * k3, forcing)
        x = x + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    x = x + 1e-6 * np.sqrt(np.mean(x * x)) * np.random.default_rng(args.seed).standard_normal(n)
    v, _ = np.linalg.qr(np.random.default_rng(args.seed + 1).standard_normal((n, n)))

    def step(x, v):
        k1 = l96_rhs(x, forcing)
        m1 = l96_jacobian(x, rows, ip1, im1, im2) @ v
        x2, v2 = x + 0.5 * dt * k1, v + 0.5 * dt * m1
        k2 = l96_rhs(x2, forcing)
        m2 = l96_jacobian(x2, rows, ip1, im1, im2) @ v2
        x3, v3 = x + 0.5 * dt * k2, v + 0.5 * dt * m2
        k3 = l96_rhs(x3, forcing)
        m3 = l96_jacobian(x3, rows, ip1, im1, im2) @ v3
        x4, v4 = x + dt * k3, v + dt * m3
        k4 = l96_rhs(x4, forcing)
        m4 = l96_jacobian(x4, rows, ip1, im1, im2) @ v4
        return (x + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4),
                v + dt / 6.0 * (m1 + 2.0 * m2 + 2.0 * m3 + m4))

    for done in range(0, transient_steps, args.every):  # frame alignment
        for _ in range(min(args.every, transient_steps - done)):
            x, v = step(x, v)
        v, _ = np.linalg.qr(v)
    sums = np.zeros(n)
    for _ in range(intervals):
        for _ in range(args.every):
            x, v = step(x, v)
        v, r = np.linalg.qr(v)
        sums += np.log(np.abs(np.diag(r)))
    seconds, cpu_seconds = time.perf_counter() - begin, time.process_time() - cpu_begin
    exponents = sums / (intervals * args.every * dt)
    assert np.all(np.isfinite(exponents))
    print(json.dumps({"system": "lorenz96", "n": n, "dt": dt, "transient": args.transient,
                      "length": args.length, "every": args.every,
                      "steps": 2 * transient_steps + intervals * args.every,
                      "seconds": seconds, "cpu_seconds": cpu_seconds, "exponents": sorted(exponents.tolist(), reverse=True)}))


if __name__ == "__main__":
    main()
