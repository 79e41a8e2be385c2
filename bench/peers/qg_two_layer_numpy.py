#!/ usr / bin / python3
"""The numpy baseline for the two-layer quasi-geostrophic model (pyqg's QGModel setup:
Abernathey et al., pyqg, github.com/pyqg/pyqg, pyqg/qg_model.py and pyqg/model.py), written
the way pyqg's own kernel works (spectral PV, flux-form advection, numpy.fft.rfft2) but
vectorised over members: the state is qh of shape (members, 2, ny, nx/2 + 1). Same model,
defaults, 2/3-rule dealiasing and damping symbol as src/butterfly/systems/qg_two_layer.hpp,
integrated with classic RK4 at the default step. Prints member-steps per second (wall and process
CPU time) as JSON."""
import argparse
import json
import time

import numpy as np
from numpy_rk4 import rk4_step

CPHI = 0.65 * np.pi          # pyqg's filter: exp(-filterfac (wvx - cphi)^4) for wvx > cphi
FILTER_EXPONENT_CAP = 2.0    # qg_two_layer.hpp: damping exponent per filter_time, at most 2


class QGTwoLayer:
    """dq_i/dt = -J(psi_i, q_i) - U_i dq_i/dx - Qy_i dpsi_i/dx (- rek lap psi_2 on layer 2)
    + L q_i, with q = lap psi + F (psi_other - psi), on an nx x ny doubly periodic grid."""

    def __init__(self, nx=64, ny=None, L=1e6, W=None, beta=1.5e-11, rd=15000.0, delta=0.25,
                 U1=0.025, U2=0.0, rek=5.787e-7, filterfac=23.6, filter_time=7200.0):
        ny = ny or nx
        W = W or L
        self.nx, self.ny, self.L, self.W = nx, ny, L, W
        self.rek, self.U = rek, np.array([U1, U2])
        self.F1 = rd**-2 / (1.0 + delta)
        self.F2 = delta * self.F1
        self.Qy = np.array([beta + self.F1 * (U1 - U2), beta - self.F2 * (U1 - U2)])
        self.del1, self.del2 = delta / (1.0 + delta), 1.0 / (1.0 + delta)
        i = np.arange(nx // 2 + 1)
        j = np.fft.fftfreq(ny, 1.0 / ny)
        self.kx = (2 * np.pi / L * i)[np.newaxis, :] * np.ones((ny, 1))
        self.ky = (2 * np.pi / W * j)[:, np.newaxis] * np.ones((1, nx // 2 + 1))
        self.kept = ((3 * i[np.newaxis, :] < nx)
                     & (3 * np.abs(j)[:, np.newaxis] < ny)).astype(float)
        self.k2 = self.kx**2 + self.ky**2
        det = self.k2 * (self.k2 + self.F1 + self.F2)
        inv = np.where(det > 0, 1.0 / np.where(det > 0, det, 1.0), 0.0) * self.kept
#psi = a q per mode(pyqg's inversion matrix), zero outside the 2/3-rule square
        self.a = np.array([[-(self.k2 + self.F2) * inv, -self.F1 * inv],
                           [-self.F2 * inv, -(self.k2 + self.F1) * inv]])
        wvx = np.sqrt((self.kx * L / nx)**2 + (self.ky * W / ny)**2)
        exponent = np.where(wvx > CPHI, filterfac * (wvx - CPHI)**4, 0.0)
        self.linear = -np.minimum(exponent, FILTER_EXPONENT_CAP) / filter_time
        self.ikU = 1j * self.kx * self.U[:, np.newaxis, np.newaxis]
        self.ikQy = 1j * self.kx * self.Qy[:, np.newaxis, np.newaxis]
        self.shape = (ny, nx)

    def psi(self, qh):
        return np.einsum("ijyx,...jyx->...iyx", self.a, qh)

    def nonlinear(self, qh):
        qh = qh * self.kept
        ph = self.psi(qh)
#u, v and q of both layers in one batched inverse transform
        fields = np.fft.irfft2(np.stack([-1j * self.ky * ph, 1j * self.kx * ph, qh], axis=-4),
                               s=self.shape)
        u, v, q = fields[..., 0, :, :, :], fields[..., 1, :, :, :], fields[..., 2, :, :, :]
        flux = np.fft.rfft2(np.stack([u * q, v * q], axis=-4))
        n = -(1j * self.kx * flux[..., 0, :, :, :] + 1j * self.ky * flux[..., 1, :, :, :])
        n -= self.ikU * qh + self.ikQy * ph
        n[..., 1, :, :] += self.rek * self.k2 * ph[..., 1, :, :]
        return n * self.kept

    def rhs(self, qh):
        return self.linear * qh + self.nonlinear(qh)

    def default_qh(self, members, seed=1):
        """pyqg's QGModel start (1e-7 noise + 1e-6 meridionally uniform noise in q1, q2 = 0),
        normal draws with zero mean, restricted to the 2/3-rule square."""
        rng = np.random.default_rng(seed)
        ny, nx = self.shape
        q = np.zeros((members, 2, ny, nx))
        q[:, 0] = 1e-7 * rng.standard_normal((members, ny, nx)) + \
            1e-6 * rng.standard_normal((members, 1, nx))
        q -= q.mean(axis=(-2, -1), keepdims=True)
        return np.fft.rfft2(q) * self.kept


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--nx", type=int, default=64)
    parser.add_argument("--dt", type=float, default=7200.0)
    parser.add_argument("--chunk", type=int, default=64,
                        help="members stepped together (bounds memory: 64^2 x 2 x 64 members "
                             "is 4 MB per array)")
    args = parser.parse_args()
    model = QGTwoLayer(nx=args.nx)
    qh = model.default_qh(args.members)
    chunks = [slice(c, min(c + args.chunk, args.members))
              for c in range(0, args.members, args.chunk)]
    qh[chunks[0]] = rk4_step(model.rhs, qh[chunks[0]], args.dt)  # warm-up
    begin, cpu_begin = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        for c in chunks:
            qh[c] = rk4_step(model.rhs, qh[c], args.dt)
    seconds, cpu_seconds = time.perf_counter() - begin, time.process_time() - cpu_begin
    assert np.all(np.isfinite(qh))
    print(json.dumps({"system": "qg_two_layer", "members": args.members, "steps": args.steps,
                      "nx": args.nx, "seconds": seconds,
                      "member_steps_per_second": args.members * args.steps / seconds,
                      "cpu_seconds": cpu_seconds,
                      "member_steps_per_cpu_second": args.members * args.steps / cpu_seconds}))


if __name__ == "__main__":
    main()
