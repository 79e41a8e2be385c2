#!/usr/bin/python3
"""The numpy baseline for the Sabra shell model (L'vov et al. 1998, Phys. Rev. E 58, 1811):
complex shell velocities u of shape (members, N), vectorised over members with slices of a
zero-padded copy, integrated with classic RK4 at the system's default step. Same model and
defaults as src/butterfly/systems/shell_model.hpp. Prints member-steps per second as JSON."""
import argparse
import json
import time

import numpy as np
from numpy_rk4 import rk4_step

A, B, C = 1.0, -0.5, -0.5  # a + b + c = 0: the nonlinear terms conserve energy


def make_rhs(shells, k0, lam, nu, forcing, forcing_shell):
    k = k0 * lam ** np.arange(1, shells + 1)
    damping = nu * k**2
    f = np.zeros(shells, dtype=complex)
    f[forcing_shell - 1] = forcing * (1 + 1j)
    # Coefficients of the three couplings for shells n = 1..N, with k_{n+1}, k_{n-1}
    # taken from a padded wavenumber array (their partner shells are zero at the ends).
    kp = np.concatenate(([0.0, 0.0], k, [0.0, 0.0]))  # kp[n + 1] = k_n
    wa = A * kp[3:shells + 3]   # a k_{n+1}
    wb = B * k                  # b k_n
    wc = -C * kp[1:shells + 1]  # -c k_{n-1}
    padded = None

    def rhs(u):
        nonlocal padded
        if padded is None or padded.shape[0] != u.shape[0]:
            padded = np.zeros((u.shape[0], shells + 4), dtype=complex)
        padded[:, 2:-2] = u  # padded[:, n + 1] = u_n, zeros at n = -1, 0, N+1, N+2
        up2, up1 = padded[:, 4:], padded[:, 3:-1]
        um1, um2 = padded[:, 1:-3], padded[:, :-4]
        nonlinear = 1j * (wa * up2 * np.conj(up1) + wb * up1 * np.conj(um1) + wc * um1 * um2)
        return nonlinear - damping * u + f

    return rhs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--shells", type=int, default=20)
    parser.add_argument("--k0", type=float, default=1.0)
    parser.add_argument("--lam", type=float, default=2.0)
    parser.add_argument("--nu", type=float, default=1e-7)
    parser.add_argument("--forcing", type=float, default=1.0)
    parser.add_argument("--forcing-shell", type=int, default=1)
    parser.add_argument("--dt", type=float, default=2e-5)
    args = parser.parse_args()
    rhs = make_rhs(args.shells, args.k0, args.lam, args.nu, args.forcing, args.forcing_shell)
    # The default state of shell_model.hpp (u_n = u_1 (k_n/k_1)^(-1/3) e^{i n}), perturbed.
    k = args.k0 * args.lam ** np.arange(1, args.shells + 1)
    n = np.arange(1, args.shells + 1)
    u1 = np.sqrt(abs(args.forcing) / k[0]) or 1.0
    u0 = u1 * (k[0] / k) ** (1.0 / 3.0) * np.exp(1j * n)
    rng = np.random.default_rng(1)
    u = u0 * (1 + 1e-3 * rng.standard_normal((args.members, args.shells)))
    u = rk4_step(rhs, u, args.dt)  # warm-up
    begin = time.perf_counter()
    for _ in range(args.steps):
        u = rk4_step(rhs, u, args.dt)
    seconds = time.perf_counter() - begin
    assert np.all(np.isfinite(u))
    print(json.dumps({"system": "shell_model", "members": args.members, "steps": args.steps,
                      "seconds": seconds,
                      "member_steps_per_second": args.members * args.steps / seconds}))


if __name__ == "__main__":
    main()
