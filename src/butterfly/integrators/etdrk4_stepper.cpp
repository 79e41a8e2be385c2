// ETDRK4 coefficients by the contour-integral means of Kassam & Trefethen (2005).
#include "butterfly/integrators/etdrk4_stepper.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "butterfly/core/error.hpp"

namespace butterfly {

Etdrk4Coefficients etdrk4_coefficients(std::span<const Complex> symbol, double h,
                                       std::size_t contour_points) {
  if (!(std::isfinite(h) && h > 0.0)) {
    throw UsageError(fmt::format("integrator.dt: etdrk4 needs a finite step > 0, got {}", h));
  }
  const std::size_t m = contour_points < 1 ? 1 : contour_points;
  std::vector<Complex> roots(m);
  for (std::size_t j = 0; j < m; ++j) {
    const double angle =
        2.0 * std::numbers::pi * (static_cast<double>(j) + 0.5) / static_cast<double>(m);
    roots[j] = Complex(std::cos(angle), std::sin(angle));
  }
  Etdrk4Coefficients out;
  out.h = h;
  out.real = true;
  out.modes.resize(symbol.size());
  for (std::size_t i = 0; i < symbol.size(); ++i) {
    const Complex z = symbol[i] * h;
    Complex q{}, f1{}, f2{}, f3{};
    for (const Complex& r : roots) {
      const Complex w = z + r;
      const Complex ew = std::exp(w), ew2 = std::exp(0.5 * w), w2 = w * w, w3 = w2 * w;
      q += (ew2 - 1.0) / w;
      f1 += (-4.0 - w + ew * (4.0 - 3.0 * w + w2)) / w3;
      f2 += (2.0 + w + ew * (w - 2.0)) / w3;
      f3 += (-4.0 - 3.0 * w - w2 + ew * (4.0 - w)) / w3;
    }
    const double scale = h / static_cast<double>(m);
    Etdrk4Coefficients::Mode& c = out.modes[i];
    c = {std::exp(z), std::exp(0.5 * z), q * scale, f1 * scale, f2 * scale, f3 * scale};
    if (symbol[i].imag() == 0.0) {
      // Real L: the points come in conjugate pairs, so the means are real up to rounding.
      c = {std::exp(z.real()), std::exp(0.5 * z.real()), c.q.real(), c.f1.real(), c.f2.real(),
           c.f3.real()};
    } else {
      out.real = false;
    }
    for (const Complex& value : {c.e, c.e2, c.q, c.f1, c.f2, c.f3}) {
      if (!std::isfinite(value.real()) || !std::isfinite(value.imag())) {
        throw UsageError(fmt::format(
            "integrator.dt: etdrk4 coefficients overflow at dt = {} (exp(L dt) with L = {}{:+}i); "
            "take a smaller step",
            h, symbol[i].real(), symbol[i].imag()));
      }
    }
  }
  return out;
}

}  // namespace butterfly
