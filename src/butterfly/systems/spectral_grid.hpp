// Real fields on a doubly (or singly) periodic grid and their Fourier transforms
// through FFTW, kSpectralLanes ensemble members at a time with members innermost,
// as the spectral systems and the exponential integrators use them.
#pragma once

#include <complex>
#include <cstddef>
#include <memory>
#include <vector>

#include "butterfly/core/simd_pack.hpp"

namespace butterfly {

using Complex = std::complex<double>;

// States transformed together: one Pack of members. Every transform is one fixed
// FFTW many-transform plan over exactly these lanes (howmany = kSpectralLanes,
// stride kSpectralLanes, distance 1), so a member's bits never depend on the
// size of its block or on which thread runs it (DESIGN invariant 3).
inline constexpr std::size_t kSpectralLanes = kPackWidth;

// An nx x ny grid on [0, lx) x [0, ly) (ny = 1: a 1-D grid on [0, lx)).
// Physical values are indexed p = y * nx + x; Fourier modes of the real-to-complex
// half spectrum q = j * (nx/2 + 1) + i with wavenumbers
//   kx = 2 pi i / lx (i = 0 .. nx/2),  ky = 2 pi j' / ly, j' = j if j <= ny/2 else j - ny.
// A lane-interleaved array of one field holds value (p, lane) at p * kSpectralLanes + lane.
class SpectralGrid {
 public:
  // Throws UsageError unless nx >= 4 is even, ny is 1 or even >= 4, lengths are positive.
  SpectralGrid(std::size_t nx, std::size_t ny, double lx, double ly);

  std::size_t nx() const { return nx_; }
  std::size_t ny() const { return ny_; }
  double lx() const { return lx_; }
  double ly() const { return ly_; }
  std::size_t dimensions() const { return ny_ == 1 ? 1 : 2; }
  std::size_t points() const { return nx_ * ny_; }
  std::size_t modes() const { return ny_ * (nx_ / 2 + 1); }

  double kx(std::size_t q) const { return kx_[q]; }
  double ky(std::size_t q) const { return ky_[q]; }
  double k2(std::size_t q) const { return kx_[q] * kx_[q] + ky_[q] * ky_[q]; }
  // Orszag's 2/3 rule: true for the modes a quadratic product keeps,
  // |i| < nx/3 and |j'| < ny/3 (this also drops the Nyquist modes).
  bool kept(std::size_t q) const { return kept_[q] != 0; }
  // Grid coordinates in physical units: x_i = i lx / nx, y_j = j ly / ny.
  double x(std::size_t i) const { return static_cast<double>(i) * lx_ / static_cast<double>(nx_); }
  double y(std::size_t j) const { return static_cast<double>(j) * ly_ / static_cast<double>(ny_); }

  // One field of kSpectralLanes states: in (points x lanes) -> out (modes x lanes),
  // u^_q = sum_p u_p exp(-i k_q . x_p) (unnormalised, FFTW's sign convention).
  void forward(const double* in, Complex* out) const;
  // The inverse, normalised: u_p = (1/points) sum over the full spectrum. `in` is
  // overwritten (FFTW's complex-to-real transforms destroy their input).
  void inverse(Complex* in, double* out) const;

 private:
  struct Plans;
  std::size_t nx_, ny_;
  double lx_, ly_;
  std::vector<double> kx_, ky_;
  std::vector<unsigned char> kept_;
  std::shared_ptr<const Plans> plans_;  // shared by copies; FFTW plans are immutable
};

}  // namespace butterfly
