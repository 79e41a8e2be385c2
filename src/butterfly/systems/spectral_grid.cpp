// FFTW plans of SpectralGrid. Planning is serialised (FFTW's planner is not
// thread-safe); executing a plan on new arrays is, so one plan serves every thread.
#include "butterfly/systems/spectral_grid.hpp"

#include <fftw3.h>

#include <cmath>
#include <mutex>
#include <numbers>
#include <string>

#include "butterfly/core/error.hpp"

namespace butterfly {

namespace {

std::mutex& planner_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

struct SpectralGrid::Plans {
  fftw_plan forward = nullptr;
  fftw_plan inverse = nullptr;
  double scale = 1.0;

  Plans(std::size_t nx, std::size_t ny) : scale(1.0 / static_cast<double>(nx * ny)) {
    const int lanes = static_cast<int>(kSpectralLanes);
    int n[2] = {static_cast<int>(ny), static_cast<int>(nx)};
    const int rank = ny == 1 ? 1 : 2;
    int* shape = ny == 1 ? n + 1 : n;
    const std::size_t points = nx * ny, modes = ny * (nx / 2 + 1);
    // Planning arrays only: FFTW_ESTIMATE does not touch them, and FFTW_UNALIGNED
    // lets execution run on any caller's arrays.
    double* real = fftw_alloc_real(points * kSpectralLanes);
    fftw_complex* spectral = fftw_alloc_complex(modes * kSpectralLanes);
    const unsigned flags = FFTW_ESTIMATE | FFTW_UNALIGNED;
    std::lock_guard lock(planner_mutex());
    forward = fftw_plan_many_dft_r2c(rank, shape, lanes, real, nullptr, lanes, 1, spectral, nullptr,
                                     lanes, 1, flags);
    inverse = fftw_plan_many_dft_c2r(rank, shape, lanes, spectral, nullptr, lanes, 1, real, nullptr,
                                     lanes, 1, flags | FFTW_DESTROY_INPUT);
    fftw_free(real);
    fftw_free(spectral);
    if (forward == nullptr || inverse == nullptr) {
      throw RuntimeError("FFTW could not plan a " + std::to_string(nx) + " x " +
                         std::to_string(ny) + " transform");
    }
  }
  ~Plans() {
    std::lock_guard lock(planner_mutex());
    fftw_destroy_plan(forward);
    fftw_destroy_plan(inverse);
  }
  Plans(const Plans&) = delete;
  Plans& operator=(const Plans&) = delete;
};

SpectralGrid::SpectralGrid(std::size_t nx, std::size_t ny, double lx, double ly)
    : nx_(nx), ny_(ny), lx_(lx), ly_(ly) {
  if (nx < 4 || nx % 2 != 0) {
    throw UsageError("grid: nx must be an even number >= 4, got " + std::to_string(nx));
  }
  if (ny != 1 && (ny < 4 || ny % 2 != 0)) {
    throw UsageError("grid: ny must be 1 or an even number >= 4, got " + std::to_string(ny));
  }
  if (!(lx > 0.0) || !std::isfinite(lx) || (ny > 1 && (!(ly > 0.0) || !std::isfinite(ly)))) {
    throw UsageError("grid: the domain lengths must be finite and positive");
  }
  const std::size_t half = nx / 2 + 1;
  kx_.resize(modes());
  ky_.resize(modes());
  kept_.resize(modes());
  const double two_pi = 2.0 * std::numbers::pi;
  for (std::size_t j = 0; j < ny; ++j) {
    const long jj =
        j <= ny / 2 ? static_cast<long>(j) : static_cast<long>(j) - static_cast<long>(ny);
    for (std::size_t i = 0; i < half; ++i) {
      const std::size_t q = j * half + i;
      kx_[q] = two_pi * static_cast<double>(i) / lx;
      ky_[q] = ny == 1 ? 0.0 : two_pi * static_cast<double>(jj) / ly;
      const bool keep_x = 3 * i < nx;
      const bool keep_y = ny == 1 || 3 * static_cast<std::size_t>(std::labs(jj)) < ny;
      kept_[q] = keep_x && keep_y ? 1 : 0;
    }
  }
  plans_ = std::make_shared<const Plans>(nx, ny);
}

void SpectralGrid::forward(const double* in, Complex* out) const {
  fftw_execute_dft_r2c(plans_->forward, const_cast<double*>(in),
                       reinterpret_cast<fftw_complex*>(out));
}

void SpectralGrid::inverse(Complex* in, double* out) const {
  fftw_execute_dft_c2r(plans_->inverse, reinterpret_cast<fftw_complex*>(in), out);
  const std::size_t n = points() * kSpectralLanes;
  const double scale = plans_->scale;
  for (std::size_t i = 0; i < n; ++i) out[i] *= scale;
}

}  // namespace butterfly
