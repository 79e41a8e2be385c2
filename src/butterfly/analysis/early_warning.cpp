// Early-warning indicators: detrending (Gaussian kernel, moving mean), O(n) rolling moments by
// block prefix/suffix merges, and Kendall's tau-b with SciPy's p-value.
#include "butterfly/analysis/early_warning.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdint>
#include <string>
#include <unsupported/Eigen/FFT>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr std::array<EwsIndicatorInfo, 7> kIndicators = {{
    {EwsIndicator::variance, "variance", "rolling variance (ddof = 1)", 2, 2},
    {EwsIndicator::std, "std", "rolling standard deviation (ddof = 1)", 1, 2},
    {EwsIndicator::autocorrelation, "autocorrelation", "rolling lag-1 autocorrelation", 0, 3},
    {EwsIndicator::ar1, "ar1", "rolling AR(1) coefficient (OLS, demeaned, no intercept)", 0, 3},
    {EwsIndicator::skewness, "skewness", "rolling skewness", 0, 3},
    {EwsIndicator::kurtosis, "kurtosis", "rolling kurtosis", 0, 4},
    {EwsIndicator::cv, "cv", "rolling coefficient of variation", 0, 2},
}};

// Defaults of each convention (ewstools TimeSeries.detrend / compute_*; generic_ews winsize).
constexpr double kEwstoolsWindow = 0.25;
constexpr double kEarlywarningsWindow = 0.5;
constexpr double kDefaultBandwidth = 0.2;
// ewstools detrend(): sigma = (0.25 / 0.675) bw, so the quartiles sit at +-bw/4.
constexpr double kEwstoolsSigmaPerBandwidth = 0.25 / 0.675;
// R ksmooth (BDRksmooth): "bandwidth is in units of half inter-quartile range".
constexpr double kKsmoothSigmaPerBandwidth = 0.3706506;
constexpr double kKsmoothCutoffSigmas = 4.0;
// A Gaussian bandwidth (in points) beyond this many series lengths is refused: the trend is
// then the mean to all digits, and the kernel's taps would still have to be summed.
constexpr double kMaxBandwidthLengths = 10.0;
// Kernels with at most this many taps each side are summed directly, longer ones by FFT.
constexpr std::size_t kDirectTaps = 48;
// scipy.stats.kendalltau(method='auto') uses the exact null distribution up to this size.
constexpr std::int64_t kExactKendallMax = 33;

std::string values_list() {
  std::string out;
  for (const auto& info : kIndicators) out += (out.empty() ? "" : ", ") + std::string(info.name);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Correlation with a symmetric kernel.

// Smallest 4 * 2^a 3^b 5^c >= n: sizes Eigen's kissfft handles with small radices.
std::size_t fft_size(std::size_t n) {
  std::size_t best = std::numeric_limits<std::size_t>::max();
  const std::size_t quarter = (n + 3) / 4;
  for (std::size_t p5 = 1; p5 < 2 * quarter + 2; p5 *= 5) {
    for (std::size_t p35 = p5; p35 < 2 * quarter + 2; p35 *= 3) {
      std::size_t m = p35;
      while (m < quarter) m *= 2;
      best = std::min(best, m);
    }
  }
  return 4 * best;
}

// out[i] = sum_{k=-h}^{h} w[|k|] e[i + h + k] for i < n, where e.size() == n + 2h and
// w.size() == h + 1. A circular correlation of length L >= n + 2h never wraps onto these
// outputs, so the FFT result is the linear one.
std::vector<double> correlate_symmetric(std::span<const double> e, std::span<const double> w,
                                        std::size_t n) {
  const std::size_t h = w.size() - 1;
  std::vector<double> out(n);
  if (h <= kDirectTaps) {
    for (std::size_t i = 0; i < n; ++i) {
      double sum = w[0] * e[i + h];
      for (std::size_t k = 1; k <= h; ++k) sum += w[k] * (e[i + h - k] + e[i + h + k]);
      out[i] = sum;
    }
    return out;
  }
  const std::size_t size = fft_size(e.size());
  std::vector<double> a(size, 0.0), g(size, 0.0);
  std::copy(e.begin(), e.end(), a.begin());
  g[0] = w[0];
  for (std::size_t k = 1; k <= h; ++k) g[k] = g[size - k] = w[k];
  Eigen::FFT<double> fft;
  fft.SetFlag(Eigen::FFT<double>::HalfSpectrum);
  std::vector<std::complex<double>> spectrum(size / 2 + 1), kernel(size / 2 + 1);
  fft.fwd(spectrum.data(), a.data(), static_cast<Eigen::Index>(size));
  fft.fwd(kernel.data(), g.data(), static_cast<Eigen::Index>(size));
  // The kernel is even, so its transform is real: a product, no conjugate needed.
  for (std::size_t j = 0; j < spectrum.size(); ++j) spectrum[j] *= kernel[j].real();
  fft.inv(a.data(), spectrum.data(), static_cast<Eigen::Index>(size));
  std::copy(a.begin() + static_cast<std::ptrdiff_t>(h),
            a.begin() + static_cast<std::ptrdiff_t>(h + n), out.begin());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mergeable window summaries.

// Count, mean and central sums S_2..S_4 of a set of values.
struct Moments {
  double n = 0, mean = 0, m2 = 0, m3 = 0, m4 = 0;
};

// One-point update (Welford 1962; Pebay 2008, Sandia report SAND2008-6212, with n_B = 1).
void add(Moments& a, double x) {
  const double n1 = a.n;
  a.n += 1.0;
  const double n = a.n;
  const double delta = x - a.mean;
  const double dn = delta / n;
  const double dn2 = dn * dn;
  const double term = delta * dn * n1;
  a.mean += dn;
  a.m4 += term * dn2 * (n * n - 3.0 * n + 3.0) + 6.0 * dn2 * a.m2 - 4.0 * dn * a.m3;
  a.m3 += term * dn * (n - 2.0) - 3.0 * dn * a.m2;
  a.m2 += term;
}

// Pairwise merge (Chan, Golub & LeVeque 1979; Pebay 2008, Sandia report SAND2008-6212).
Moments merge(const Moments& a, const Moments& b) {
  if (a.n == 0) return b;
  if (b.n == 0) return a;
  Moments out;
  out.n = a.n + b.n;
  const double n = out.n, na = a.n, nb = b.n;
  const double d = b.mean - a.mean, d2 = d * d;
  out.mean = a.mean + d * nb / n;
  out.m2 = a.m2 + b.m2 + d2 * na * nb / n;
  out.m3 =
      a.m3 + b.m3 + d * d2 * na * nb * (na - nb) / (n * n) + 3.0 * d * (na * b.m2 - nb * a.m2) / n;
  out.m4 = a.m4 + b.m4 + d2 * d2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
           6.0 * d2 * (na * na * b.m2 + nb * nb * a.m2) / (n * n) +
           4.0 * d * (na * b.m3 - nb * a.m3) / n;
  return out;
}

// Count, means and co-moment sums of pairs (a, b).
struct Pairs {
  double n = 0, ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
};

void add(Pairs& p, double a, double b) {
  p.n += 1.0;
  const double da = a - p.ma, db = b - p.mb;
  p.ma += da / p.n;
  p.mb += db / p.n;
  p.saa += da * (a - p.ma);
  p.sbb += db * (b - p.mb);
  p.sab += da * (b - p.mb);
}

Pairs merge(const Pairs& x, const Pairs& y) {
  if (x.n == 0) return y;
  if (y.n == 0) return x;
  Pairs out;
  out.n = x.n + y.n;
  const double da = y.ma - x.ma, db = y.mb - x.mb, f = x.n * y.n / out.n;
  out.ma = x.ma + da * y.n / out.n;
  out.mb = x.mb + db * y.n / out.n;
  out.saa = x.saa + y.saa + da * da * f;
  out.sbb = x.sbb + y.sbb + db * db * f;
  out.sab = x.sab + y.sab + da * db * f;
  return out;
}

struct Mean {
  double n = 0, mean = 0;
};

void add(Mean& m, double x) {
  m.n += 1.0;
  m.mean += (x - m.mean) / m.n;
}

Mean merge(const Mean& a, const Mean& b) {
  if (a.n == 0) return b;
  if (b.n == 0) return a;
  const double n = a.n + b.n;
  return {n, a.mean + (b.mean - a.mean) * b.n / n};
}

// Calls emit(s, summary of items s .. s+w-1, b) for every s in [0, count - w], in order. Items
// are cut into blocks of w; a window starting at s in block b (starting at item b) is the
// suffix of block b from s merged with the prefix of the next block up to s + w - 1. Suffixes
// are built right to left and the prefix left to right by one-point updates
// add_item(summary, index, b), so each item is added twice and each window costs one merge:
// O(count) for any w, with additions only. The callers subtract item b from every item they add
// for block b (exact for nearby values, Sterbenz): the sums then see deviations of order the
// local spread, however large the series' offset.
template <class Summary, class AddItem, class Emit>
void sliding_windows(std::size_t count, std::size_t w, AddItem add_item, Emit emit) {
  if (w == 0 || w > count) return;
  std::vector<Summary> suffix(w);
  for (std::size_t b = 0; b + w <= count; b += w) {
    Summary acc{};
    for (std::size_t j = b + w; j-- > b;) {
      add_item(acc, j, b);
      suffix[j - b] = acc;
    }
    emit(b, suffix[0], b);
    Summary prefix{};
    for (std::size_t s = b + 1; s < b + w && s + w <= count; ++s) {
      add_item(prefix, s + w - 1, b);
      emit(s, merge(suffix[s - b], prefix), b);
    }
  }
}

double clip_correlation(double r) { return std::isnan(r) ? r : std::clamp(r, -1.0, 1.0); }

// ---------------------------------------------------------------------------------------------
// Kendall's tau.

// Tie statistics of one ranking, as scipy's count_rank_tie: sum t(t-1)/2, t(t-1)(t-2),
// t(t-1)(2t+5) over groups of t equal values.
struct Ties {
  std::int64_t pairs = 0;
  double v0 = 0, v1 = 0;
  void group(std::int64_t t) {
    if (t < 2) return;
    const double d = static_cast<double>(t);
    pairs += t * (t - 1) / 2;
    v0 += d * (d - 1.0) * (d - 2.0);
    v1 += d * (d - 1.0) * (2.0 * d + 5.0);
  }
};

// Sorts v and returns the number of pairs i < j with v[i] > v[j] (strict inversions), by a
// natural merge sort: runs that are already non-decreasing cost nothing, strictly decreasing
// runs are reversed (L (L - 1) / 2 inversions), short runs are extended by insertion sort
// (each shift one inversion), then neighbouring runs are merged pairwise between two buffers,
// adding the left elements still waiting whenever a right one goes first. Rolling indicators
// are smooth, so they have long runs and few merge passes.
std::int64_t sort_count_inversions(std::vector<double>& v) {
  constexpr std::size_t kMinRun = 32;
  const std::size_t n = v.size();
  std::int64_t count = 0;
  std::vector<std::size_t> starts;  // run boundaries, then n
  for (std::size_t lo = 0; lo < n;) {
    std::size_t hi = lo + 1;
    if (hi < n && v[hi] < v[lo]) {
      while (hi < n && v[hi] < v[hi - 1]) ++hi;
      std::reverse(v.begin() + static_cast<std::ptrdiff_t>(lo),
                   v.begin() + static_cast<std::ptrdiff_t>(hi));
      const auto length = static_cast<std::int64_t>(hi - lo);
      count += length * (length - 1) / 2;
    } else {
      while (hi < n && v[hi] >= v[hi - 1]) ++hi;
    }
    const std::size_t end = std::max(hi, std::min(lo + kMinRun, n));
    for (std::size_t i = hi; i < end; ++i) {
      const double x = v[i];
      std::size_t j = i;
      while (j > lo && v[j - 1] > x) {
        v[j] = v[j - 1];
        --j;
      }
      v[j] = x;
      count += static_cast<std::int64_t>(i - j);
    }
    starts.push_back(lo);
    lo = end;
  }
  starts.push_back(n);
  std::vector<double> buffer(n);
  double* src = v.data();
  double* dst = buffer.data();
  while (starts.size() > 2) {
    std::vector<std::size_t> merged;
    for (std::size_t r = 0; r + 1 < starts.size(); r += 2) {
      const std::size_t lo = starts[r], mid = starts[r + 1];
      const std::size_t hi = r + 2 < starts.size() ? starts[r + 2] : mid;
      merged.push_back(lo);
      if (mid == hi || src[mid - 1] <= src[mid]) {
        std::copy(src + lo, src + hi, dst + lo);
        continue;
      }
      std::size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        if (src[i] <= src[j]) {
          dst[k++] = src[i++];
        } else {
          count += static_cast<std::int64_t>(mid - i);
          dst[k++] = src[j++];
        }
      }
      std::copy(src + i, src + mid, dst + k);
      std::copy(src + j, src + hi, dst + k + (mid - i));
    }
    merged.push_back(n);
    starts = std::move(merged);
    std::swap(src, dst);
  }
  if (src != v.data()) std::copy(src, src + n, v.data());
  return count;
}

double factorial(std::int64_t n) {
  double f = 1.0;
  for (std::int64_t k = 2; k <= n; ++k) f *= static_cast<double>(k);
  return f;
}

// Two-sided exact p-value for c concordant pairs among n untied values: scipy 1.10
// scipy/stats/_mstats_basic.py _kendall_p_exact (Kendall, Rank Correlation Methods, 1970),
// the number of permutations with at most c inversions by the cumulative-sum recursion.
double kendall_p_exact(std::int64_t n, std::int64_t c) {
  const std::int64_t total = n * (n - 1) / 2;
  c = std::min(c, total - c);
  double p = 1.0;
  if (n <= 2) {
    p = 1.0;
  } else if (c == 0) {
    p = n < 171 ? 2.0 / factorial(n) : 0.0;
  } else if (c == 1) {
    p = n < 172 ? 2.0 / factorial(n - 1) : 0.0;
  } else if (4 * c == n * (n - 1)) {
    p = 1.0;
  } else {
    std::vector<double> counts(static_cast<std::size_t>(c) + 1, 0.0);
    counts[0] = counts[1] = 1.0;
    for (std::int64_t j = 3; j <= n; ++j) {
      for (std::size_t k = 1; k < counts.size(); ++k) counts[k] += counts[k - 1];
      if (j <= c) {
        for (std::size_t k = counts.size(); k-- > static_cast<std::size_t>(j);) {
          counts[k] -= counts[k - static_cast<std::size_t>(j)];
        }
      }
    }
    double sum = 0.0;
    for (double v : counts) sum += v;
    p = 2.0 * sum / factorial(n);
  }
  return std::clamp(p, 0.0, 1.0);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Tables and names.

std::span<const EwsIndicatorInfo> ews_indicator_table() { return kIndicators; }

const EwsIndicatorInfo& ews_indicator_info(EwsIndicator indicator) {
  return kIndicators[static_cast<std::size_t>(indicator)];
}

EwsConvention parse_ews_convention(std::string_view text) {
  if (text == "ewstools") return EwsConvention::ewstools;
  if (text == "earlywarnings") return EwsConvention::earlywarnings;
  throw UsageError(
      fmt::format("--convention: expected ewstools or earlywarnings, got '{}'", std::string(text)));
}

EwsDetrend parse_ews_detrend(std::string_view text) {
  if (text == "none") return EwsDetrend::none;
  if (text == "gaussian") return EwsDetrend::gaussian;
  if (text == "moving_mean") return EwsDetrend::moving_mean;
  throw UsageError(fmt::format("--detrend: expected gaussian, moving_mean or none, got '{}'",
                               std::string(text)));
}

EwsIndicator parse_ews_indicator(std::string_view text) {
  for (const auto& info : kIndicators) {
    if (info.name == text) return info.indicator;
  }
  throw UsageError(fmt::format("--indicators: unknown indicator '{}'; expected some of {}",
                               std::string(text), values_list()));
}

std::string_view ews_convention_name(EwsConvention convention) {
  return convention == EwsConvention::ewstools ? "ewstools" : "earlywarnings";
}

std::string_view ews_detrend_name(EwsDetrend detrend) {
  switch (detrend) {
    case EwsDetrend::gaussian:
      return "gaussian";
    case EwsDetrend::moving_mean:
      return "moving_mean";
    case EwsDetrend::none:
      break;
  }
  return "none";
}

// ---------------------------------------------------------------------------------------------
// Plan.

EwsPlan plan_early_warning(std::size_t length, const EwsOptions& o) {
  constexpr std::size_t kMinLength = 4;
  if (length < kMinLength) {
    throw UsageError(fmt::format("--input: the series has {} point{}; expected at least {}", length,
                                 length == 1 ? "" : "s", kMinLength));
  }
  EwsPlan plan;
  plan.length = length;
  plan.convention = o.convention;
  plan.detrend = o.detrend;
  const bool ewstools = o.convention == EwsConvention::ewstools;
  const double n = static_cast<double>(length);

  plan.indicators = o.indicators;
  if (plan.indicators.empty()) {
    for (const auto& info : kIndicators) plan.indicators.push_back(info.indicator);
  }
  std::size_t needed = 2;
  std::string needs = "variance";
  for (std::size_t i = 0; i < plan.indicators.size(); ++i) {
    const EwsIndicatorInfo& info = ews_indicator_info(plan.indicators[i]);
    for (std::size_t j = 0; j < i; ++j) {
      if (plan.indicators[j] == plan.indicators[i]) {
        throw UsageError(fmt::format("--indicators: '{}' is listed twice", info.name));
      }
    }
    if (info.min_window > needed) {
      needed = info.min_window;
      needs = info.name;
    }
  }

  // Rolling window: a fraction of the series or a whole number of points.
  const double window = o.window.value_or(ewstools ? kEwstoolsWindow : kEarlywarningsWindow);
  if (!std::isfinite(window) || window <= 0.0) {
    throw UsageError(fmt::format(
        "--window: expected a fraction in (0, 1] or a number of points >= 2, got {}", window));
  }
  double points = window;
  if (window <= 1.0) {
    points = ewstools ? std::floor(window * n) : std::nearbyint(window * n);
  } else if (window != std::floor(window)) {
    throw UsageError(
        fmt::format("--window: a number of points must be a whole number, got {}", window));
  }
  if (points > n) {
    throw UsageError(
        fmt::format("--window: {} points is longer than the series ({} points)", points, length));
  }
  plan.window = static_cast<std::size_t>(points);
  if (plan.window < needed) {
    throw UsageError(fmt::format("--window: {} gives {} point{} per window; {} needs at least {}",
                                 window, plan.window, plan.window == 1 ? "" : "s", needs, needed));
  }

  if (o.detrend == EwsDetrend::none) {
    if (o.bandwidth) throw UsageError("--bandwidth: needs --detrend gaussian or moving_mean");
    return plan;
  }
  const bool given = o.bandwidth.has_value();
  const double bandwidth = o.bandwidth.value_or(kDefaultBandwidth);
  if (given && (!std::isfinite(bandwidth) || bandwidth <= 0.0)) {
    throw UsageError(fmt::format(
        "--bandwidth: expected a fraction in (0, 1] or a number of points > 1, got {}", bandwidth));
  }
  const bool fraction = bandwidth <= 1.0;
  if (o.detrend == EwsDetrend::moving_mean) {
    double width = bandwidth;
    if (fraction) {
      width = ewstools ? std::floor(bandwidth * n) : std::nearbyint(bandwidth * n);
    } else if (bandwidth != std::floor(bandwidth)) {
      throw UsageError(fmt::format(
          "--bandwidth: a moving-mean width in points must be a whole number, got {}", bandwidth));
    }
    if (width < 1.0 || width > n) {
      throw UsageError(fmt::format(
          "--bandwidth: {} gives a moving-mean width of {} points; expected 1 to {} (the series)",
          bandwidth, width, length));
    }
    plan.moving_mean_width = static_cast<std::size_t>(width);
    plan.bandwidth = width;
    return plan;
  }
  if (ewstools) {
    // ewstools TimeSeries.detrend: bw_num = bandwidth * len if 0 < bandwidth <= 1.
    plan.bandwidth = fraction ? bandwidth * n : bandwidth;
    if (plan.bandwidth > kMaxBandwidthLengths * n) {
      throw UsageError(
          fmt::format("--bandwidth: {} points is more than {:g} times the series ({} points)",
                      bandwidth, kMaxBandwidthLengths, length));
    }
    plan.kernel_sigma = kEwstoolsSigmaPerBandwidth * plan.bandwidth;
    // scipy gaussian_filter1d: lw = int(truncate * sd + 0.5), truncate = 4.
    plan.kernel_radius = static_cast<std::size_t>(4.0 * plan.kernel_sigma + 0.5);
  } else {
    double bw = 0.0;
    if (!given) {
      // generic_ews with bandwidth = NULL: round(bw.nrd0(timeindex)), timeindex = 1..n:
      // 0.9 min(sd, IQR / 1.34) n^-0.2 with sd = sqrt(n (n + 1) / 12), IQR = (n - 1) / 2.
      const double sd = std::sqrt(n * (n + 1.0) / 12.0);
      const double iqr = (n - 1.0) / 2.0;
      bw = std::nearbyint(0.9 * std::min(sd, iqr / 1.34) * std::pow(n, -0.2));
    } else {
      // generic_ews: bw = round(length(Y) * bandwidth / 100), bandwidth in percent.
      bw = fraction ? std::nearbyint(bandwidth * n) : bandwidth;
    }
    if (bw > kMaxBandwidthLengths * n) {
      throw UsageError(
          fmt::format("--bandwidth: {} points is more than {:g} times the series ({} points)",
                      bandwidth, kMaxBandwidthLengths, length));
    }
    if (bw < 1.0) {
      throw UsageError(fmt::format(
          "--bandwidth: {} rounds to a ksmooth bandwidth of {} points; expected at least 1",
          bandwidth, bw));
    }
    plan.bandwidth = bw;
    plan.kernel_sigma = kKsmoothSigmaPerBandwidth * bw;
    plan.kernel_radius =
        static_cast<std::size_t>(std::floor(kKsmoothCutoffSigmas * plan.kernel_sigma));
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Detrending.

std::vector<double> gaussian_filter_reflect(std::span<const double> x, double sigma,
                                            double truncate) {
  const std::size_t n = x.size();
  if (n == 0) return {};
  const auto radius = static_cast<std::size_t>(truncate * sigma + 0.5);
  // scipy _gaussian_kernel1d: exp(-0.5 / sigma^2 * k^2), normalised over -radius..radius.
  const double scale = -0.5 / (sigma * sigma);
  auto phi = [scale](std::size_t k) {
    const double kk = static_cast<double>(k);
    return std::exp(scale * kk * kk);
  };
  double total = phi(0);
  for (std::size_t k = 1; k <= radius; ++k) total += 2.0 * phi(k);
  // Reflection makes the extended series 2n-periodic: offsets beyond n fold onto 0..n (the
  // taps are computed twice rather than stored, so a radius of many periods costs no memory).
  const std::size_t period = 2 * n;
  const std::size_t h = std::min(radius, n);
  std::vector<double> w(h + 1, 0.0);
  w[0] = phi(0) / total;
  for (std::size_t k = 1; k <= radius; ++k) {
    std::size_t d = k % period;
    if (d > n) d = period - d;
    // The two sides +-k land on +-d; at d = 0 both land on the centre tap.
    w[d] += (d == 0 ? 2.0 : 1.0) * phi(k) / total;
  }
  std::vector<double> e(n + 2 * h);
  for (std::size_t j = 0; j < e.size(); ++j) {
    // (j - h) mod 2n, kept non-negative by adding a multiple of the period first.
    const std::size_t m = (j + period * (h / period + 1) - h) % period;
    e[j] = m < n ? x[m] : x[period - 1 - m];
  }
  return correlate_symmetric(e, w, n);
}

std::vector<double> ksmooth_normal(std::span<const double> y, double bandwidth) {
  const std::size_t n = y.size();
  if (n == 0) return {};
  const double s = kKsmoothSigmaPerBandwidth * bandwidth;
  const double cutoff = kKsmoothCutoffSigmas * s;
  const std::size_t h = std::min(static_cast<std::size_t>(std::floor(cutoff)), n - 1);
  std::vector<double> w(h + 1), cumulative(h + 1);
  for (std::size_t k = 0; k <= h; ++k) {
    const double u = static_cast<double>(k) / s;  // BDRksmooth: fabs(x[i] - x0) / bw
    w[k] = std::exp(-0.5 * u * u);
    cumulative[k] = (k ? cumulative[k - 1] : 0.0) + w[k];
  }
  std::vector<double> e(n + 2 * h, 0.0);
  std::copy(y.begin(), y.end(), e.begin() + static_cast<std::ptrdiff_t>(h));
  std::vector<double> out = correlate_symmetric(e, w, n);
  for (std::size_t i = 0; i < n; ++i) {
    const double den = cumulative[std::min(h, i)] + cumulative[std::min(h, n - 1 - i)] - w[0];
    out[i] /= den;
  }
  return out;
}

std::vector<double> centred_moving_mean(std::span<const double> x, std::size_t width) {
  const std::size_t n = x.size();
  std::vector<double> out(n, kNaN);
  if (width == 0 || width > n) return out;
  const std::size_t before = width / 2, after = (width - 1) / 2;
  sliding_windows<Mean>(
      n, width, [&](Mean& m, std::size_t i, std::size_t b) { add(m, x[i] - x[b]); },
      [&](std::size_t s, const Mean& m, std::size_t b) { out[s + before] = m.mean + x[b]; });
  Mean head;  // windows clipped at the start: x[0 .. i + after]
  for (std::size_t i = 0; i < before; ++i) {
    if (i == 0) {
      for (std::size_t j = 0; j <= after; ++j) add(head, x[j]);
    } else {
      add(head, x[i + after]);
    }
    out[i] = head.mean;
  }
  Mean tail;  // windows clipped at the end: x[i - before .. n - 1]
  for (std::size_t i = n; i-- > n - after;) {
    if (i == n - 1) {
      for (std::size_t j = n; j-- > n - 1 - before;) add(tail, x[j]);
    } else {
      add(tail, x[i - before]);
    }
    out[i] = tail.mean;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rolling indicators.

std::vector<std::vector<double>> rolling_indicators(std::span<const double> residuals,
                                                    std::span<const double> state,
                                                    std::size_t window,
                                                    std::span<const EwsIndicator> indicators,
                                                    EwsConvention convention) {
  const std::size_t n = residuals.size();
  const std::size_t w = window;
  const bool ewstools = convention == EwsConvention::ewstools;
  std::vector<std::vector<double>> out(indicators.size(), std::vector<double>(n, kNaN));
  if (w < 2 || w > n) return out;
  auto slot = [&](EwsIndicator which) -> std::vector<double>* {
    for (std::size_t i = 0; i < indicators.size(); ++i) {
      if (indicators[i] == which) return &out[i];
    }
    return nullptr;
  };
  std::vector<double>* variance = slot(EwsIndicator::variance);
  std::vector<double>* sd = slot(EwsIndicator::std);
  std::vector<double>* ac = slot(EwsIndicator::autocorrelation);
  std::vector<double>* ar1 = slot(EwsIndicator::ar1);
  std::vector<double>* skew = slot(EwsIndicator::skewness);
  std::vector<double>* kurt = slot(EwsIndicator::kurtosis);
  std::vector<double>* cv = slot(EwsIndicator::cv);
  const std::size_t windows = n - w + 1;
  const double dw = static_cast<double>(w);

  // Window moments; the pair pass and ewstools' cv need the window's std, mean and S_2.
  const bool need_pairs = ar1 != nullptr || (ac != nullptr && !ewstools);
  std::vector<double> window_m2(need_pairs ? windows : 0);
  std::vector<double> window_sd(cv != nullptr && ewstools ? windows : 0);
  sliding_windows<Moments>(
      n, w, [&](Moments& m, std::size_t i, std::size_t b) { add(m, residuals[i] - residuals[b]); },
      [&](std::size_t s, const Moments& m, std::size_t b) {
        const std::size_t at = s + w - 1;
        const double var = m.m2 / (dw - 1.0);
        if (variance) (*variance)[at] = var;
        if (sd) (*sd)[at] = std::sqrt(var);
        if (!window_m2.empty()) window_m2[s] = m.m2;
        if (!window_sd.empty()) window_sd[s] = std::sqrt(var);
        if (cv && !ewstools) (*cv)[at] = std::sqrt(var) / (m.mean + residuals[b]);
        // g1 = (S3/w) / (S2/w)^1.5 and b2 = w S4 / S2^2, the population (moments::) forms.
        const double m2 = m.m2 / dw;
        const double g1 = (m.m3 / dw) / (m2 * std::sqrt(m2));
        const double b2 = dw * m.m4 / (m.m2 * m.m2);
        if (skew) {
          if (!ewstools) {
            (*skew)[at] = m.m2 > 0.0 ? std::fabs(g1) : kNaN;
          } else if (w >= 3) {
            (*skew)[at] = m.m2 > 0.0 ? std::sqrt(dw * (dw - 1.0)) / (dw - 2.0) * g1 : 0.0;
          }
        }
        if (kurt) {
          if (!ewstools) {
            (*kurt)[at] = m.m2 > 0.0 ? b2 : kNaN;
          } else if (w >= 4) {
            (*kurt)[at] = m.m2 > 0.0 ? ((dw * dw - 1.0) * b2 - 3.0 * (dw - 1.0) * (dw - 1.0)) /
                                           ((dw - 2.0) * (dw - 3.0))
                                     : -3.0;
          }
        }
      });

  if (cv && ewstools) {
    sliding_windows<Mean>(
        n, w, [&](Mean& m, std::size_t i, std::size_t b) { add(m, state[i] - state[b]); },
        [&](std::size_t s, const Mean& m, std::size_t b) {
          (*cv)[s + w - 1] = window_sd[s] / (m.mean + state[b]);
        });
  }

  if (ac || ar1) {
    // Pairs (x_t, x_{t+1}), t = s .. s+w-2, for the window starting at s.
    const double np = dw - 1.0;
    sliding_windows<Pairs>(
        n - 1, w - 1,
        [&](Pairs& p, std::size_t t, std::size_t b) {
          add(p, residuals[t] - residuals[b], residuals[t + 1] - residuals[b]);
        },
        [&](std::size_t s, const Pairs& p, std::size_t b) {
          const std::size_t at = s + w - 1;
          if (ac && ewstools) {
            const double divisor = std::sqrt(p.saa * p.sbb);
            (*ac)[at] = divisor != 0.0 ? clip_correlation(p.sab / divisor) : kNaN;
          }
          if (!need_pairs) return;
          // Deviations from the whole window's mean m: with x_first = x_s, x_last = x_{s+w-1},
          // m = (np ma + x_last) / w = (x_first + np mb) / w, so ma - m and mb - m come
          // from differences of nearby values (no cancellation against m itself).
          const double da = (p.ma - (residuals[at] - residuals[b])) / dw;
          const double db = (p.mb - (residuals[s] - residuals[b])) / dw;
          const double lag1 = p.sab + np * da * db;
          if (ac && !ewstools) {
            (*ac)[at] = window_m2[s] > 0.0 ? clip_correlation(lag1 / window_m2[s]) : kNaN;
          }
          if (ar1) {
            const double den = p.saa + np * da * da;
            (*ar1)[at] = den > 0.0 ? lag1 / den : kNaN;
          }
        });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kendall's tau.

KendallTau kendall_tau(std::span<const double> x_in, std::span<const double> y_in) {
  const std::size_t size = std::min(x_in.size(), y_in.size());
  std::vector<std::pair<double, double>> xy;
  xy.reserve(size);
  bool sorted = true;
  for (std::size_t i = 0; i < size; ++i) {
    if (!std::isfinite(x_in[i]) || !std::isfinite(y_in[i])) continue;
    if (!xy.empty() && !(xy.back() < std::pair(x_in[i], y_in[i]))) sorted = false;
    xy.emplace_back(x_in[i], y_in[i]);
  }
  KendallTau out;
  out.count = xy.size();
  const auto n = static_cast<std::int64_t>(xy.size());
  if (n < 2) return out;
  if (!sorted) std::sort(xy.begin(), xy.end());

  Ties xties, yties;
  std::int64_t joint = 0;  // pairs tied in both x and y
  std::int64_t xrun = 1, xyrun = 1;
  std::vector<double> y(xy.size());
  y[0] = xy[0].second;
  for (std::size_t i = 1; i < xy.size(); ++i) {
    y[i] = xy[i].second;
    if (xy[i].first == xy[i - 1].first) {
      ++xrun;
    } else {
      xties.group(xrun);
      xrun = 1;
    }
    if (xy[i] == xy[i - 1]) {
      ++xyrun;
    } else {
      joint += xyrun * (xyrun - 1) / 2;
      xyrun = 1;
    }
  }
  xties.group(xrun);
  joint += xyrun * (xyrun - 1) / 2;
  const std::int64_t discordant = sort_count_inversions(y);
  std::int64_t yrun = 1;
  for (std::size_t i = 1; i < y.size(); ++i) {
    if (y[i] == y[i - 1]) {
      ++yrun;
    } else {
      yties.group(yrun);
      yrun = 1;
    }
  }
  yties.group(yrun);

  const std::int64_t total = n * (n - 1) / 2;
  if (xties.pairs == total || yties.pairs == total) return out;
  // total = C + D + (T_x - T_xy) + (T_y - T_xy) + T_xy (scipy kendalltau's identity).
  const std::int64_t c_minus_d = total - xties.pairs - yties.pairs + joint - 2 * discordant;
  const double tau = static_cast<double>(c_minus_d) /
                     std::sqrt(static_cast<double>(total - xties.pairs)) /
                     std::sqrt(static_cast<double>(total - yties.pairs));
  out.tau = std::clamp(tau, -1.0, 1.0);
  const bool untied = xties.pairs == 0 && yties.pairs == 0;
  if (untied && (n <= kExactKendallMax || std::min(discordant, total - discordant) <= 1)) {
    out.p_value = kendall_p_exact(n, total - discordant);
  } else {
    const double dn = static_cast<double>(n), m = dn * (dn - 1.0);
    const double var =
        (m * (2.0 * dn + 5.0) - xties.v1 - yties.v1) / 18.0 +
        2.0 * static_cast<double>(xties.pairs) * static_cast<double>(yties.pairs) / m +
        xties.v0 * yties.v0 / (9.0 * m * (dn - 2.0));
    const double z = static_cast<double>(c_minus_d) / std::sqrt(var);
    out.p_value = std::erfc(std::fabs(z) / std::sqrt(2.0));  // 2 * norm.sf(|z|)
  }
  return out;
}

KendallTau kendall_tau_against_time(std::span<const double> y) {
  std::vector<double> t(y.size());
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<double>(i);
  return kendall_tau(t, y);
}

// ---------------------------------------------------------------------------------------------
// Everything.

EwsResult early_warning_signals(std::span<const double> series, const EwsOptions& options,
                                ThreadPool* pool) {
  EwsResult result;
  result.plan = plan_early_warning(series.size(), options);
  const EwsPlan& plan = result.plan;
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (!std::isfinite(series[i])) {
      throw UsageError(
          fmt::format("--input: value {} of the series is not finite ({})", i, series[i]));
    }
  }
  switch (plan.detrend) {
    case EwsDetrend::gaussian:
      result.trend = plan.convention == EwsConvention::ewstools
                         ? gaussian_filter_reflect(series, plan.kernel_sigma)
                         : ksmooth_normal(series, plan.bandwidth);
      break;
    case EwsDetrend::moving_mean:
      result.trend = centred_moving_mean(series, plan.moving_mean_width);
      break;
    case EwsDetrend::none:
      break;
  }
  result.residuals.assign(series.begin(), series.end());
  for (std::size_t i = 0; i < result.trend.size(); ++i) result.residuals[i] -= result.trend[i];
  result.values =
      rolling_indicators(result.residuals, series, plan.window, plan.indicators, plan.convention);
  result.kendall.resize(plan.indicators.size());
  auto tau = [&](std::size_t i, std::size_t) {
    result.kendall[i] = kendall_tau_against_time(result.values[i]);
  };
  if (pool != nullptr) {
    pool->parallel_for(plan.indicators.size(), tau);
  } else {
    for (std::size_t i = 0; i < plan.indicators.size(); ++i) tau(i, 0);
  }
  return result;
}

}  // namespace butterfly
