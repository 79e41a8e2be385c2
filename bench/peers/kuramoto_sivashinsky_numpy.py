#!/usr/bin/python3
"""The numpy baseline for the Kuramoto-Sivashinsky equation u_t = -u u_x - u_xx - u_xxxx on
[0, L) periodic (Kassam & Trefethen 2005, SIAM J. Sci. Comput. 26, 1214, kursiv.m): ETDRK4
batched over members, the ensemble a (members, N) array transformed with numpy.fft.rfft over
axis -1, 2/3 dealiasing, and the coefficients by Kassam & Trefethen's contour means (32 points
on the circle of radius 1 around each L h). Same model, defaults and scheme as
src/butterfly/systems/kuramoto_sivashinsky.hpp with integrator etdrk4. Prints member-steps per
second as JSON (--check also prints the ensemble mean at the end, for comparisons)."""
import argparse
import json
import time

import numpy as np


def etdrk4_stepper(n, length, h, contour_points=32):
    """One ETDRK4 step v -> v(t + h) of the spectral ensemble v (members, n // 2 + 1)."""
    k = 2 * np.pi * np.fft.rfftfreq(n, 1.0 / n) / length
    lin = k**2 - k**4
    keep = 3 * np.arange(n // 2 + 1) < n  # Orszag's 2/3 rule, as SpectralGrid::kept
    r = np.exp(2j * np.pi * (np.arange(contour_points) + 0.5) / contour_points)
    z = h * lin[:, None] + r[None, :]
    ez = np.exp(z)
    q = h * np.real(np.mean((np.exp(z / 2) - 1) / z, axis=1))
    f1 = h * np.real(np.mean((-4 - z + ez * (4 - 3 * z + z**2)) / z**3, axis=1))
    f2 = h * np.real(np.mean((2 + z + ez * (z - 2)) / z**3, axis=1))
    f3 = h * np.real(np.mean((-4 - 3 * z - z**2 + ez * (4 - z)) / z**3, axis=1))
    e, e2 = np.exp(h * lin), np.exp(h * lin / 2)
    g = np.where(keep, -0.5j * k, 0)

    def nonlinear(v):
        u = np.fft.irfft(v * keep, n, axis=-1)
        return g * np.fft.rfft(u * u, axis=-1)

    def step(v):
        nv = nonlinear(v)
        a = e2 * v + q * nv
        na = nonlinear(a)
        b = e2 * v + q * na
        nb = nonlinear(b)
        c = e2 * a + q * (2 * nb - nv)
        nc = nonlinear(c)
        return e * v + f1 * nv + 2 * f2 * (na + nb) + f3 * nc

    return step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--length", type=float, default=32 * np.pi)
    parser.add_argument("--dt", type=float, default=0.25)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    x = args.length * np.arange(args.n) / args.n
    s = 2 * np.pi * x / args.length
    u0 = np.cos(s) * (1 + np.sin(s))  # Kassam & Trefethen's cos(x/16)(1 + sin(x/16)) for L = 32 pi
    rng = np.random.default_rng(1)
    u = u0 + 1e-3 * rng.standard_normal((args.members, args.n))
    step = etdrk4_stepper(args.n, args.length, args.dt)
    v = step(np.fft.rfft(u, axis=-1))  # warm-up
    begin = time.perf_counter()
    for _ in range(args.steps):
        v = step(v)
    seconds = time.perf_counter() - begin
    u = np.fft.irfft(v, args.n, axis=-1)
    assert np.all(np.isfinite(u))
    out = {"system": "kuramoto_sivashinsky", "members": args.members, "steps": args.steps,
           "seconds": seconds, "member_steps_per_second": args.members * args.steps / seconds}
    if args.check:
        out["mean_rms"] = float(np.sqrt(np.mean(u**2)))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
