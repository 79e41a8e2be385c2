// Early-warning indicators of a critical transition (critical slowing down): detrend an equally
// spaced series, compute variance, autocorrelation, skewness, ... over a rolling window, and the
// Kendall tau of each indicator against time, in the conventions of ewstools or earlywarnings.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "butterfly/core/thread_pool.hpp"

namespace butterfly {

// Whose definitions to follow (window length, detrending bandwidth, moment estimators):
//  ewstools:      Python ewstools (T. M. Bury), ewstools/core.py class TimeSeries: detrend(),
//                 compute_var/std/cv/auto/skew/kurt(), compute_ktau(); pandas 1.5 rolling
//                 aggregations (pandas/_libs/window/aggregations.pyx roll_var/skew/kurt).
//  earlywarnings: R package earlywarnings (V. Dakos), earlywarnings/R/generic_ews.R generic_ews(),
//                 with R's ksmooth (stats/src/ksmooth.c BDRksmooth), acf (stats/src/filter.c
//                 acf0), ar.ols (stats/R/ar.R) and moments::skewness/kurtosis.
enum class EwsConvention { ewstools, earlywarnings };

// How the trend is removed before the rolling statistics (residual = series - trend).
enum class EwsDetrend { none, gaussian, moving_mean };

// The rolling indicators, in table (and output) order.
enum class EwsIndicator { variance, std, autocorrelation, ar1, skewness, kurtosis, cv };

// One row of the indicator table: name (CLI and NetCDF variable), CF long_name, the power of the
// series' units it carries (0: dimensionless) and the smallest window on which it is defined.
struct EwsIndicatorInfo {
  EwsIndicator indicator;
  std::string_view name;
  std::string_view long_name;
  int units_power;
  std::size_t min_window;
};

// Every indicator, in order. Definitions over a window x_1..x_w with mean m and central sums
// S_k = sum (x_i - m)^k, for the pairs (x_i, x_{i+1}) of the window:
//  variance  S_2 / (w - 1)                    (pandas var, R sd^2; both ddof = 1)
//  std       sqrt(variance)
//  autocorrelation  ewstools: Pearson r of (x_1..x_{w-1}) and (x_2..x_w) (pandas
//            Series.autocorr(lag=1)); earlywarnings: acf lag 1 = sum (x_i - m)(x_{i+1} - m) / S_2
//  ar1       OLS AR(1) coefficient without intercept on the demeaned window (R ar.ols(x,
//            order.max = 1, aic = FALSE, intercept = FALSE); generic_ews's 'dmean = FALSE' is not
//            an argument of ar.ols, so demean stays TRUE): sum (x_{i+1} - m)(x_i - m) /
//            sum_{i<w} (x_i - m)^2; the same in both conventions
//  skewness  ewstools: pandas rolling skew, G1 = sqrt(w(w-1))/(w-2) g1, g1 = (S_3/w)/(S_2/w)^1.5;
//            earlywarnings: |g1| (generic_ews takes abs(moments::skewness))
//  kurtosis  ewstools: pandas rolling kurt, excess and bias corrected,
//            ((w^2 - 1) b2 - 3 (w - 1)^2) / ((w - 2)(w - 3)), b2 = w S_4 / S_2^2;
//            earlywarnings: moments::kurtosis = b2 (not excess, not corrected)
//  cv        ewstools: std of the residuals / mean of the series (not detrended) over the
//            window (compute_cv); earlywarnings: std / mean of the residuals (generic_ews nCV)
// A window of identical values has variance 0; ewstools then gives skewness 0 and kurtosis -3
// (pandas' rule), earlywarnings NaN; correlations of a constant window are NaN.
std::span<const EwsIndicatorInfo> ews_indicator_table();
const EwsIndicatorInfo& ews_indicator_info(EwsIndicator indicator);

// Parse the names above; UsageError naming --convention, --detrend or --indicators otherwise.
EwsConvention parse_ews_convention(std::string_view text);
EwsDetrend parse_ews_detrend(std::string_view text);
EwsIndicator parse_ews_indicator(std::string_view text);
std::string_view ews_convention_name(EwsConvention convention);
std::string_view ews_detrend_name(EwsDetrend detrend);

// What to compute. A length given as a number v is a fraction of the series when 0 < v <= 1,
// otherwise a number of points (as ewstools reads its rolling_window and bandwidth).
struct EwsOptions {
  EwsConvention convention = EwsConvention::ewstools;
  EwsDetrend detrend = EwsDetrend::none;
  // gaussian: ewstools' bandwidth bw (kernel sd 0.25/0.675 bw, quartiles at +-bw/4; default 0.2)
  //           or earlywarnings' ksmooth bandwidth (kernel sd 0.3706506 bw; a fraction f gives
  //           round(n f) points as generic_ews's 'bandwidth' percentage does; default
  //           round(bw.nrd0(1..n)) as generic_ews with bandwidth = NULL);
  // moving_mean: the width of the centred moving mean (default 0.2).
  std::optional<double> bandwidth;
  // Rolling window: default 0.25 (ewstools) or 0.5 (earlywarnings' winsize = 50%); a fraction f
  // gives floor(n f) points (ewstools) or round(n f) (earlywarnings, R's round half to even).
  std::optional<double> window;
  std::vector<EwsIndicator> indicators;  // empty: every indicator, table order
};

// The options resolved against a series of `length` points (see plan_early_warning).
struct EwsPlan {
  std::size_t length = 0;
  std::size_t window = 0;  // points per rolling window
  EwsConvention convention = EwsConvention::ewstools;
  EwsDetrend detrend = EwsDetrend::none;
  double bandwidth = std::numeric_limits<double>::quiet_NaN();     // in points (see EwsOptions)
  double kernel_sigma = std::numeric_limits<double>::quiet_NaN();  // gaussian: kernel sd, points
  std::size_t kernel_radius = 0;                                   // gaussian: taps each side
  std::size_t moving_mean_width = 0;                               // moving_mean
  std::vector<EwsIndicator> indicators;
};

// Resolves and checks the options for a series of `length` points; UsageError naming --window,
// --bandwidth or --indicators (one line) when they are malformed or do not fit the series.
EwsPlan plan_early_warning(std::size_t length, const EwsOptions& options);

// Kendall's tau-b of paired samples and its two-sided p-value exactly as
// scipy.stats.kendalltau (SciPy 1.10, method 'auto'): the exact null distribution (Kendall
// 1970, via _kendall_p_exact) when there are no ties and n <= 33 or at most one pair is
// discordant (or concordant), otherwise the normal approximation with the tie-corrected
// variance. tau_b = (C - D) / sqrt((N0 - T_x)(N0 - T_y)), N0 = n(n-1)/2. Knight's (1966)
// O(n log n) algorithm: sort by (x, y), count the discordant pairs by merge sort.
struct KendallTau {
  double tau = std::numeric_limits<double>::quiet_NaN();
  double p_value = std::numeric_limits<double>::quiet_NaN();
  std::size_t count = 0;  // pairs used
};
// Pairs with a non-finite member are left out (nan_policy='omit'); NaN when fewer than 2 remain
// or either sample is constant.
KendallTau kendall_tau(std::span<const double> x, std::span<const double> y);
// Tau of y against its index (time), over the finite entries of y (ewstools compute_ktau via
// pandas corrwith, generic_ews cor.test against 1..n: both tau-b).
KendallTau kendall_tau_against_time(std::span<const double> y);

// scipy.ndimage.gaussian_filter1d(x, sigma, mode='reflect', truncate): weights
// exp(-x^2 / (2 sigma^2)) on the taps |k| <= int(truncate sigma + 0.5), normalised to sum 1, the
// series extended by half-sample reflection (period 2n, so any radius is exact). Direct sums for
// short kernels, FFT correlation (Eigen's FFT) for long ones.
std::vector<double> gaussian_filter_reflect(std::span<const double> x, double sigma,
                                            double truncate = 4.0);

// R's ksmooth(1:n, y, kernel = "normal", bandwidth, x.points = 1:n): the Nadaraya-Watson mean
// with weights exp(-k^2 / (2 s^2)), s = 0.3706506 bandwidth, over the points within 4 s that
// exist (no reflection: the weights are renormalised at the ends). bandwidth > 0.
std::vector<double> ksmooth_normal(std::span<const double> y, double bandwidth);

// Centred moving mean of `width` points, shrinking at the ends: pandas
// x.rolling(width, center=True, min_periods=1).mean(), i.e. the mean of
// x[i - width/2 .. i + (width-1)/2] (integer division) clipped to the series.
std::vector<double> centred_moving_mean(std::span<const double> x, std::size_t width);

// The rolling indicators of `residuals` (and, for ewstools' cv, the undetrended `state`), one
// vector of residuals.size() values per indicator, right aligned (index i holds the window
// ending at i; NaN for i < window - 1). O(n) whatever the window: each window is the merge of a
// suffix and a prefix of two fixed blocks, each built by Welford-style one-point updates
// and merged by Chan/Pebay's formulas, so no sum is ever subtracted (no cancellation, no drift).
std::vector<std::vector<double>> rolling_indicators(std::span<const double> residuals,
                                                    std::span<const double> state,
                                                    std::size_t window,
                                                    std::span<const EwsIndicator> indicators,
                                                    EwsConvention convention);

struct EwsResult {
  EwsPlan plan;
  std::vector<double> trend;                // empty with detrend none
  std::vector<double> residuals;            // series - trend (the series itself with none)
  std::vector<std::vector<double>> values;  // per plan.indicators, as rolling_indicators
  std::vector<KendallTau> kendall;          // per plan.indicators, against time
};

// Detrend, roll, and take each indicator's Kendall tau. UsageError for bad options (see
// plan_early_warning) or a non-finite value in the series. The taus run on `pool` if given.
EwsResult early_warning_signals(std::span<const double> series, const EwsOptions& options,
                                ThreadPool* pool = nullptr);

}  // namespace butterfly
