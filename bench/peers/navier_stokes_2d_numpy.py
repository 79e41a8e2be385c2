#!/usr/bin/python3
"""The numpy baseline for 2-D incompressible Navier-Stokes in vorticity form on a doubly
periodic box (src/butterfly/systems/navier_stokes_2d.hpp): pseudo-spectral with the 2/3 rule,
Lap psi = w, u = -psi_y, v = psi_x, dw/dt = -nu k^2 w^ - P[u . grad w], the spectral states of
all members in one array of shape (members, ny, nx/2 + 1), integrated with classic RK4 at the
system's default step from perturbed copies of a band-limited turbulent field. Prints
member-steps per second as JSON."""
import argparse
import json
import time

import numpy as np
from numpy_rk4 import rk4_step


def make_rhs(nx, ny, lx, ly, nu):
    kx = 2.0 * np.pi * np.fft.rfftfreq(nx, lx / nx)
    ky = 2.0 * np.pi * np.fft.fftfreq(ny, ly / ny)
    KX, KY = np.meshgrid(kx, ky)  # shape (ny, nx/2 + 1)
    k2 = KX**2 + KY**2
    inverse_k2 = np.where(k2 > 0, 1.0 / np.where(k2 > 0, k2, 1.0), 0.0)
    i = np.arange(nx // 2 + 1)
    j = np.abs(np.fft.fftfreq(ny) * ny)
    kept = np.outer(3 * j < ny, 3 * i < nx)  # Orszag's 2/3 rule, as SpectralGrid::kept
    to_u, to_v = 1j * KY * inverse_k2 * kept, -1j * KX * inverse_k2 * kept
    to_wx, to_wy = 1j * KX * kept, 1j * KY * kept
    linear = -nu * k2
    shape = (ny, nx)

    def rhs(w):
        u = np.fft.irfft2(to_u * w, s=shape)
        v = np.fft.irfft2(to_v * w, s=shape)
        wx = np.fft.irfft2(to_wx * w, s=shape)
        wy = np.fft.irfft2(to_wy * w, s=shape)
        return linear * w - kept * np.fft.rfft2(u * wx + v * wy)

    return rhs, k2


def turbulent_field(nx, ny, k2, rng):
    """Random amplitudes on the modes 3 <= |k| <= 5 (2 pi box), unit mean square speed."""
    i = np.fft.rfftfreq(nx) * nx
    j = np.fft.fftfreq(ny) * ny
    I, J = np.meshgrid(i, j)
    band = (I**2 + J**2 >= 9) & (I**2 + J**2 <= 25)
    w = np.where(band, rng.standard_normal(band.shape) + 1j * rng.standard_normal(band.shape), 0)
    w = np.fft.rfft2(np.fft.irfft2(w, s=(ny, nx)))  # a real field
    weight = np.where((I == 0) | (I == nx // 2), 1.0, 2.0)
    speed2 = np.sum(weight * np.abs(w / (nx * ny)) ** 2 / np.where(k2 > 0, k2, np.inf))
    return np.fft.irfft2(w / np.sqrt(speed2), s=(ny, nx))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--nx", type=int, default=64)
    parser.add_argument("--ny", type=int, default=64)
    parser.add_argument("--nu", type=float, default=5e-3)
    parser.add_argument("--dt", type=float, default=0.01)
    args = parser.parse_args()
    lx = ly = 2.0 * np.pi
    rhs, k2 = make_rhs(args.nx, args.ny, lx, ly, args.nu)
    rng = np.random.default_rng(1)
    w0 = turbulent_field(args.nx, args.ny, k2, rng)
    members = w0 + 1e-3 * rng.standard_normal((args.members, args.ny, args.nx))
    w = np.fft.rfft2(members)
    w = rk4_step(rhs, w, args.dt)  # warm-up
    begin, cpu_begin = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        w = rk4_step(rhs, w, args.dt)
    seconds = time.perf_counter() - begin
    cpu_seconds = time.process_time() - cpu_begin
    assert np.all(np.isfinite(w))
    print(json.dumps({"system": "navier_stokes_2d", "members": args.members, "steps": args.steps,
                      "nx": args.nx, "ny": args.ny, "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "member_steps_per_second": args.members * args.steps / seconds}))


if __name__ == "__main__":
    main()
