#!/usr/bin/python3
"""The numpy baseline for the lambda-omega reaction-diffusion system on a periodic square
(src/butterfly/systems/reaction_diffusion_2d.hpp; the reaction_diffusion.m of PDE-FIND, Rudy
et al. 2017): u_t = (1 - A^2) u + beta A^2 v + d1 Lap u, v_t = -beta A^2 u + (1 - A^2) v +
d2 Lap v, pseudo-spectral with the 2/3 rule, the spectral states of all members in one array
of shape (members, 2, ny, nx/2 + 1), integrated with classic RK4 at the system's default step
from perturbed copies of the one-armed spiral. Prints member-steps per second as JSON."""
import argparse
import json
import time

import numpy as np
from numpy_rk4 import rk4_step


def spiral_period(n=64, length=20.0, d=0.1, beta=1.0, dt=0.2, t_end=100.0):
    """An independent check of the spiral preset's rotation period (tests/systems/
    reaction_diffusion_2d_test.cpp): one state, integrating-factor RK4 (Kassam & Trefethen
    2005, sec. 2) on the complex field A = u + i v, up-crossings of u at (n/4, n/4); returns
    the mean periods over t in [30, 65) and [65, 100)."""
    k = 2.0 * np.pi * np.fft.fftfreq(n, length / n)
    KX, KY = np.meshgrid(k, k)
    modes = np.abs(np.fft.fftfreq(n) * n) < n / 3.0
    kept = np.outer(modes, modes)
    half = np.exp(-d * (KX**2 + KY**2) * dt / 2.0)

    def nonlinear(a_hat):
        a = np.fft.ifft2(kept * a_hat)
        return kept * np.fft.fft2(a - (1.0 + 1j * beta) * np.abs(a) ** 2 * a)

    u0 = spiral(n, length)
    a_hat = np.fft.fft2(u0[0] + 1j * u0[1])
    previous, crossings = u0[0][n // 4, n // 4], []
    for step in range(1, int(round(t_end / dt)) + 1):
        k1 = nonlinear(a_hat)
        k2 = nonlinear(half * (a_hat + dt / 2.0 * k1))
        k3 = nonlinear(half * a_hat + dt / 2.0 * k2)
        k4 = nonlinear(half**2 * a_hat + dt * half * k3)
        a_hat = half**2 * a_hat + dt / 6.0 * (half**2 * k1 + 2.0 * half * (k2 + k3) + k4)
        value = np.fft.ifft2(a_hat).real[n // 4, n // 4]
        if previous < 0.0 <= value:
            crossings.append(step * dt - dt * value / (value - previous))
        previous = value
    crossings = np.array(crossings)

    def mean_period(t0, t1):
        c = crossings[(crossings >= t0) & (crossings < t1)]
        return (c[-1] - c[0]) / (len(c) - 1)

    return mean_period(30.0, 65.0), mean_period(65.0, 100.0)


def make_rhs(n, length, d1, d2, beta):
    k = 2.0 * np.pi * np.fft.fftfreq(n, length / n)
    kx = 2.0 * np.pi * np.fft.rfftfreq(n, length / n)
    KX, KY = np.meshgrid(kx, k)
    k2 = KX**2 + KY**2
    i = np.arange(n // 2 + 1)
    j = np.abs(np.fft.fftfreq(n) * n)
    kept = np.outer(3 * j < n, 3 * i < n)  # Orszag's 2/3 rule, as SpectralGrid::kept
    linear = np.stack([-d1 * k2, -d2 * k2])
    shape = (n, n)

    def rhs(s):
        u = np.fft.irfft2(kept * s[:, 0], s=shape)
        v = np.fft.irfft2(kept * s[:, 1], s=shape)
        a2 = u * u + v * v
        fu = (1.0 - a2) * u + beta * a2 * v
        fv = -beta * a2 * u + (1.0 - a2) * v
        reaction = np.stack([np.fft.rfft2(fu), np.fft.rfft2(fv)], axis=1)
        return linear * s + kept * reaction

    return rhs


def spiral(n, length):
    """u + i v = tanh(r) exp(i (theta - r)) about the centre of [0, length)^2."""
    x = np.arange(n) * length / n - length / 2.0
    X, Y = np.meshgrid(x, x)
    r = np.hypot(X, Y)
    phase = np.arctan2(Y, X) - r
    return np.stack([np.tanh(r) * np.cos(phase), np.tanh(r) * np.sin(phase)])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--length", type=float, default=20.0)
    parser.add_argument("--d", type=float, default=0.1)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--dt", type=float, default=0.05)
    parser.add_argument("--period", action="store_true",
                        help="print the spiral's rotation period instead of timing")
    args = parser.parse_args()
    if args.period:
        first, second = spiral_period()
        print(json.dumps({"system": "reaction_diffusion_2d", "period_30_65": first,
                          "period_65_100": second}))
        return
    rhs = make_rhs(args.n, args.length, args.d, args.d, args.beta)
    rng = np.random.default_rng(1)
    members = spiral(args.n, args.length) + 1e-3 * rng.standard_normal(
        (args.members, 2, args.n, args.n))
    s = np.fft.rfft2(members)
    s = rk4_step(rhs, s, args.dt)  # warm-up
    begin, cpu_begin = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        s = rk4_step(rhs, s, args.dt)
    seconds = time.perf_counter() - begin
    cpu_seconds = time.process_time() - cpu_begin
    assert np.all(np.isfinite(s))
    print(json.dumps({"system": "reaction_diffusion_2d", "members": args.members,
                      "steps": args.steps, "nx": args.n, "ny": args.n, "seconds": seconds,
                      "cpu_seconds": cpu_seconds,
                      "member_steps_per_second": args.members * args.steps / seconds}))


if __name__ == "__main__":
    main()
