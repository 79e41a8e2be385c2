// Tests of the early-warning indicators: hand-worked windows, both conventions against
// independent pandas / numpy / scipy computations (values pasted with the generating code),
// detrending filters, Kendall's tau, an AR(1) approaching a tipping point, and the accuracy of
// the rolling sums on a series with a large offset.
#include "butterfly/analysis/early_warning.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

using Values = std::vector<double>;

// The series of the pasted examples below.
const Values kTen = {1.0, 3.0, 2.0, 5.0, 4.0, 6.0, 8.0, 7.0, 9.0, 12.0};

std::vector<double> values_of(const EwsResult& r, EwsIndicator which) {
  for (std::size_t i = 0; i < r.plan.indicators.size(); ++i) {
    if (r.plan.indicators[i] == which) return r.values[i];
  }
  ADD_FAILURE() << "indicator not computed";
  return {};
}

// expected[k] is the window ending at index first + k; everything before first is NaN.
void expect_tail(const Values& got, std::size_t first, const Values& expected, double tol,
                 const std::string& what) {
  ASSERT_EQ(got.size(), first + expected.size()) << what;
  for (std::size_t i = 0; i < first; ++i) EXPECT_TRUE(std::isnan(got[i])) << what << " at " << i;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    EXPECT_NEAR(got[first + k], expected[k], tol) << what << " at " << first + k;
  }
}

EwsResult run(const Values& x, EwsConvention convention, double window,
              EwsDetrend detrend = EwsDetrend::none) {
  EwsOptions o;
  o.convention = convention;
  o.window = window;
  o.detrend = detrend;
  return early_warning_signals(x, o);
}

// x = 1, 2, 3, 4 as one window, by hand: mean 2.5, deviations -1.5 -0.5 0.5 1.5, S2 = 5,
// S3 = 0, S4 = 10.25. variance 5/3; the pairs (1,2,3) and (2,3,4) are exactly linear, so the
// Pearson (ewstools) autocorrelation is 1; acf lag 1 = (0.75 - 0.25 + 0.75) / 5 = 0.25; ar.ols
// = 1.25 / (2.25 + 0.25 + 0.25) = 5/11; b2 = 4 * 10.25 / 25 = 1.64, pandas' excess kurtosis
// (15 * 1.64 - 27) / (2 * 1) = -1.2; cv = sqrt(5/3) / 2.5.
TEST(EarlyWarning, HandWorkedWindowOfFourPoints) {
  const Values x = {1.0, 2.0, 3.0, 4.0};
  const double sd = std::sqrt(5.0 / 3.0);
  const EwsResult e = run(x, EwsConvention::ewstools, 4);
  EXPECT_EQ(e.plan.window, 4u);
  expect_tail(values_of(e, EwsIndicator::variance), 3, {5.0 / 3.0}, 1e-15, "variance");
  expect_tail(values_of(e, EwsIndicator::std), 3, {sd}, 1e-15, "std");
  expect_tail(values_of(e, EwsIndicator::autocorrelation), 3, {1.0}, 1e-15, "ewstools ac");
  expect_tail(values_of(e, EwsIndicator::ar1), 3, {5.0 / 11.0}, 1e-15, "ar1");
  expect_tail(values_of(e, EwsIndicator::skewness), 3, {0.0}, 1e-15, "ewstools skew");
  expect_tail(values_of(e, EwsIndicator::kurtosis), 3, {-1.2}, 1e-14, "ewstools kurt");
  expect_tail(values_of(e, EwsIndicator::cv), 3, {sd / 2.5}, 1e-15, "ewstools cv");
  const EwsResult r = run(x, EwsConvention::earlywarnings, 4);
  expect_tail(values_of(r, EwsIndicator::autocorrelation), 3, {0.25}, 1e-15, "acf");
  expect_tail(values_of(r, EwsIndicator::ar1), 3, {5.0 / 11.0}, 1e-15, "ar1");
  expect_tail(values_of(r, EwsIndicator::skewness), 3, {0.0}, 1e-15, "moments skew");
  expect_tail(values_of(r, EwsIndicator::kurtosis), 3, {1.64}, 1e-14, "moments kurt");
  expect_tail(values_of(r, EwsIndicator::cv), 3, {sd / 2.5}, 1e-15, "earlywarnings cv");
}

// ewstools convention against pandas 1.5.3 (ewstools' own calls, core.py compute_*):
//   s = pd.Series([1, 3, 2, 5, 4, 6, 8, 7, 9, 12.]); r = s.rolling(5)
//   r.var(); r.apply(lambda v: pd.Series(v).autocorr(lag=1), raw=True); r.skew(); r.kurt();
//   r.std() / r.mean()
// pandas' skew/kurt come from raw power sums (errors ~1e-14, e.g. -1.1999999999999886 for -1.2),
// hence the tolerance; ar1 against the numpy form of R's ar.ols (next test).
TEST(EarlyWarning, EwstoolsConventionMatchesPandas) {
  const EwsResult e = run(kTen, EwsConvention::ewstools, 5);
  EXPECT_EQ(e.plan.window, 5u);
  expect_tail(values_of(e, EwsIndicator::variance), 4, {2.5, 2.5, 5.0, 2.5, 3.7, 5.3}, 1e-13,
              "variance");
  expect_tail(values_of(e, EwsIndicator::autocorrelation), 4,
              {0.07559289460184544, 0.07559289460184544, 0.4857142857142857, 0.4857142857142857,
               0.5291502622129182, 0.5976143046671969},
              1e-13, "autocorrelation");
  expect_tail(values_of(e, EwsIndicator::skewness), 4,
              {0.0, 0.0, 0.0, 0.0, -0.5901286563843663, 1.0326585393989955}, 1e-12, "skew");
  expect_tail(values_of(e, EwsIndicator::kurtosis), 4,
              {-1.2, -1.2, 0.2, -1.2, -0.021913805697585314, 1.1285154859380633}, 1e-12, "kurt");
  expect_tail(values_of(e, EwsIndicator::cv), 4,
              {0.5270462766947299, 0.39528470752104744, 0.447213595499958, 0.26352313834736496,
               0.28287329502457864, 0.27406820079098426},
              1e-13, "cv");
}

// earlywarnings convention (window 0.5 -> round(10 * 50 / 100) = 5) against numpy
// re-implementations of generic_ews's calls, for each window v (m = v.mean(), d = v - m):
//   sd = v.std(ddof=1); acf = (d[:-1]*d[1:]).sum() / (d*d).sum();
//   ar1 = (d[1:]*d[:-1]).sum() / (d[:-1]**2).sum();            # ar.ols, demean, no intercept
//   skew = abs((d**3).mean() / (d**2).mean()**1.5);  kurt = n*(d**4).sum() / ((d**2).sum())**2
//   cv = sd / m
TEST(EarlyWarning, EarlywarningsConventionMatchesNumpyForms) {
  const EwsResult r = run(kTen, EwsConvention::earlywarnings, 0.5);
  EXPECT_EQ(r.plan.window, 5u);
  expect_tail(values_of(r, EwsIndicator::std), 4,
              {1.5811388300841898, 1.5811388300841898, 2.23606797749979, 1.5811388300841898,
               1.9235384061671346, 2.3021728866442674},
              1e-14, "sd");
  expect_tail(values_of(r, EwsIndicator::autocorrelation), 4,
              {0.0, 0.0, 0.1, 0.4, 0.1324324324324324, 0.13396226415094342}, 1e-14, "acf");
  expect_tail(
      values_of(r, EwsIndicator::ar1), 4,
      {0.0, 0.0, 0.18181818181818182, 0.4444444444444444, 0.19678714859437751, 0.34466019417475724},
      1e-14, "ar1");
  expect_tail(values_of(r, EwsIndicator::skewness), 4,
              {0.0, 0.0, 0.0, 0.0, 0.3958703373438167, 0.6927284074925387}, 1e-14, "skew");
  expect_tail(values_of(r, EwsIndicator::kurtosis), 4,
              {1.7, 1.7, 2.05, 1.7, 1.9945215485756023, 2.2821288714845136}, 1e-13, "kurt");
  expect_tail(values_of(r, EwsIndicator::cv), 4,
              {0.5270462766947299, 0.39528470752104744, 0.447213595499958, 0.26352313834736496,
               0.28287329502457864, 0.2740682007909842},
              1e-14, "cv");
}

// scipy 1.10: gaussian_filter1d(x, sigma, mode='reflect') for sigma 1.3 (radius 5, direct sums)
// and 20 (radius 80 > n = 10: the reflected series wraps several times); with
// t = arange(200.); y = sin(t/7) + 0.01 t**1.5 + cos(1.3 t), sigma 30 (radius 120: FFT path)
// at indices 0, 57, 199.
TEST(EarlyWarning, GaussianFilterMatchesScipyReflect) {
  const Values g13 = gaussian_filter_reflect(kTen, 1.3);
  const Values s13 = {1.8659377377017972, 2.34325764967521,  3.091183189608079, 3.9664428252900237,
                      4.921969825866309,  5.986876514246735, 7.048465569305655, 8.102641325550826,
                      9.332185209944562,  10.341040152810802};
  const Values g20 = gaussian_filter_reflect(kTen, 20.0);
  const Values s20 = {5.700053057366201, 5.700056796049253, 5.700035857947927, 5.700033884809912,
                      5.700004633522139, 5.699991446259616, 5.699978684836099, 5.699950727896983,
                      5.699944276681913, 5.699950634629965};
  for (std::size_t i = 0; i < kTen.size(); ++i) {
    EXPECT_NEAR(g13[i], s13[i], 1e-14) << i;
    EXPECT_NEAR(g20[i], s20[i], 1e-14) << i;
  }
  Values y(200);
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double t = static_cast<double>(i);
    y[i] = std::sin(t / 7.0) + 0.01 * std::pow(t, 1.5) + std::cos(1.3 * t);
  }
  const Values g30 = gaussian_filter_reflect(y, 30.0);
  EXPECT_NEAR(g30[0], 1.5909864955995976, 1e-13);
  EXPECT_NEAR(g30[57], 4.822604126454416, 1e-13);
  EXPECT_NEAR(g30[199], 23.572360747612727, 1e-13);
}

// The FFT path against a direct reflected sum written here (long kernel, odd length).
TEST(EarlyWarning, GaussianFilterFftEqualsDirectSum) {
  const std::size_t n = 501;
  Values x(n);
  CounterRng(7, 0, Purpose::test, 0).normals(x.data(), n);
  const double sigma = 17.0;
  const auto radius = static_cast<long>(4.0 * sigma + 0.5);
  const Values fast = gaussian_filter_reflect(x, sigma);
  double total = 0.0;
  for (long k = -radius; k <= radius; ++k) total += std::exp(-0.5 * k * k / (sigma * sigma));
  for (std::size_t i = 0; i < n; i += 25) {
    double sum = 0.0;
    for (long k = -radius; k <= radius; ++k) {
      long j = static_cast<long>(i) + k;
      if (j < 0) j = -j - 1;  // reflect: d c b a | a b c d
      if (j >= static_cast<long>(n)) j = 2 * static_cast<long>(n) - 1 - j;
      sum += std::exp(-0.5 * k * k / (sigma * sigma)) / total * x[static_cast<std::size_t>(j)];
    }
    EXPECT_NEAR(fast[i], sum, 1e-13) << i;
  }
}

// R ksmooth(1:n, y, "normal", bandwidth, x.points = 1:n) against a numpy transcription of
// BDRksmooth (stats/src/ksmooth.c): b = 0.3706506 bw, cut = 4 b; for each x0,
//   sel = (x >= x0 - cut) & (x <= x0 + cut); w = exp(-0.5 * (abs(x[sel] - x0) / b)**2)
//   out = (w * y[sel]).sum() / w.sum()
// bandwidth 3 on the ten points (direct), 40 on the 200-point y above (59 taps: FFT).
TEST(EarlyWarning, KsmoothMatchesBdrKsmooth) {
  const Values k3 = ksmooth_normal(kTen, 3.0);
  const Values r3 = {1.8675950941508552, 2.3852032136289933, 3.080790066206376, 3.962136184968021,
                     4.880662083330735,  5.992243379671892,  7.073694048767116, 7.983490108865853,
                     9.149341772678149,  10.358439938010623};
  for (std::size_t i = 0; i < kTen.size(); ++i) EXPECT_NEAR(k3[i], r3[i], 1e-14) << i;
  Values y(200);
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double t = static_cast<double>(i);
    y[i] = std::sin(t / 7.0) + 0.01 * std::pow(t, 1.5) + std::cos(1.3 * t);
  }
  const Values k40 = ksmooth_normal(y, 40.0);
  EXPECT_NEAR(k40[0], 0.9747263504216902, 1e-13);
  EXPECT_NEAR(k40[57], 4.515939323873628, 1e-13);
  EXPECT_NEAR(k40[199], 26.182425192700634, 1e-13);
}

// pandas: s.rolling(4, center=True, min_periods=1).mean() and the same with 3.
TEST(EarlyWarning, CentredMovingMeanMatchesPandas) {
  const Values m4 = centred_moving_mean(kTen, 4);
  const Values p4 = {2.0, 2.0, 2.75, 3.5, 4.25, 5.75, 6.25, 7.5, 9.0, 9.333333333333334};
  const Values m3 = centred_moving_mean(kTen, 3);
  const Values p3 = {
      2.0, 2.0, 3.3333333333333335, 3.6666666666666665, 5.0, 6.0, 7.0, 8.0, 9.333333333333334,
      10.5};
  for (std::size_t i = 0; i < kTen.size(); ++i) {
    EXPECT_NEAR(m4[i], p4[i], 1e-14) << i;
    EXPECT_NEAR(m3[i], p3[i], 1e-14) << i;
  }
}

// scipy.stats.kendalltau (1.10):
//   kendalltau(arange(10), [1,3,2,5,4,6,8,7,9,12])                  -> 0.8666..., 1.1519e-4 exact
//   kendalltau([1,1,2,3,3,4,5,6,6,7], [1,2,2,3,1,4,4,4,5,0])         -> ties: asymptotic
//   kendalltau(arange(40), cos(arange(40)*2.1) + arange(40)*0.02)    -> n > 33: asymptotic
//   v = arange(100.); v[[10,11]] = v[[11,10]]; kendalltau(arange(100), v)  -> one discordant
//   kendalltau(arange(200), arange(200.))                            -> 1, 0 (2/200! underflows)
TEST(EarlyWarning, KendallTauMatchesScipy) {
  Values t(10);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<double>(i);
  KendallTau k = kendall_tau(t, kTen);
  EXPECT_NEAR(k.tau, 0.8666666666666666, 1e-15);
  EXPECT_NEAR(k.p_value, 0.00011518959435626102, 1e-18);
  EXPECT_EQ(k.count, 10u);
  k = kendall_tau(Values{1, 1, 2, 3, 3, 4, 5, 6, 6, 7}, Values{1, 2, 2, 3, 1, 4, 4, 4, 5, 0});
  EXPECT_NEAR(k.tau, 0.36596252735569995, 1e-15);
  EXPECT_NEAR(k.p_value, 0.16491482255330148, 1e-14);
  Values z(40);
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = std::cos(2.1 * i) + 0.02 * i;
  k = kendall_tau_against_time(z);
  EXPECT_NEAR(k.tau, 0.45641025641025645, 1e-15);
  EXPECT_NEAR(k.p_value, 3.3573190987247934e-05, 1e-17);
  Values v(100);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  std::swap(v[10], v[11]);
  k = kendall_tau_against_time(v);
  EXPECT_NEAR(k.tau, 0.9995959595959597, 1e-15);
  EXPECT_NEAR(k.p_value / 2.1430205762509337e-156, 1.0, 1e-12);
  Values u(200);
  for (std::size_t i = 0; i < u.size(); ++i) u[i] = static_cast<double>(i);
  k = kendall_tau_against_time(u);
  EXPECT_EQ(k.tau, 1.0);
  EXPECT_EQ(k.p_value, 0.0);
  // Non-finite entries are left out; a constant sample has no tau.
  k = kendall_tau_against_time(Values{NAN, 1.0, 2.0, INFINITY, 3.0});
  EXPECT_EQ(k.count, 3u);
  EXPECT_EQ(k.tau, 1.0);
  EXPECT_TRUE(std::isnan(kendall_tau_against_time(Values{2.0, 2.0, 2.0}).tau));
}

// Knight's algorithm on 2000 pairs with many ties in x, in y and in both, against scipy:
//   i = arange(2000); x = (i % 37).astype(float); y = ((i*7919 + (i*i) % 101) % 613).astype(float)
//   kendalltau(x, y) -> 0.016752846991787137, 0.26816689916262115
//   kendalltau(x, y + 0.001*i) -> 0.016725193184136507, 0.2685456202559583
//   kendalltau(i, y) -> -0.017577965321430213, 0.23914713669874232
TEST(EarlyWarning, KendallTauWithManyTiesMatchesScipy) {
  Values x(2000), y(2000), y2(2000), t(2000);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<double>(i % 37);
    y[i] = static_cast<double>((i * 7919 + (i * i) % 101) % 613);
    y2[i] = y[i] + 0.001 * static_cast<double>(i);
    t[i] = static_cast<double>(i);
  }
  KendallTau k = kendall_tau(x, y);
  EXPECT_NEAR(k.tau, 0.016752846991787137, 1e-15);
  EXPECT_NEAR(k.p_value, 0.26816689916262115, 1e-13);
  k = kendall_tau(x, y2);
  EXPECT_NEAR(k.tau, 0.016725193184136507, 1e-15);
  EXPECT_NEAR(k.p_value, 0.2685456202559583, 1e-13);
  k = kendall_tau(t, y);
  EXPECT_NEAR(k.tau, -0.017577965321430213, 1e-15);
  EXPECT_NEAR(k.p_value, 0.23914713669874232, 1e-13);
}

// ewstools end to end on y = sin(t/5) + 0.05 t + 0.3 cos(1.7 t), t = 0..59 (ewstools
// core.py: detrend('Gaussian', bandwidth=0.2), compute_*(rolling_window=0.25), compute_ktau):
//   sm = gaussian_filter(y, sigma=(0.25/0.675)*12, mode='reflect'); res = pd.Series(y - sm)
//   rw = int(0.25*60) = 15; ews = {variance: res.rolling(15).var(),
//   ac1: res.rolling(15).apply(lambda v: pd.Series(v).autocorr(lag=1), raw=True),
//   skew: ...skew(), kurt: ...kurt()}; ews.corrwith(pd.Series(arange(60.)), method='kendall')
// -> variance -0.07632850241545895 (p 0.45446981266527), ac1 -0.07632850241545895,
//    skew 0.10917874396135266, kurt -0.0106280193236715; rows 14, 30, 59 as pasted.
TEST(EarlyWarning, EwstoolsPipelineMatchesPython) {
  Values y(60);
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double t = static_cast<double>(i);
    y[i] = std::sin(t / 5.0) + 0.05 * t + 0.3 * std::cos(1.7 * t);
  }
  EwsOptions o;
  o.detrend = EwsDetrend::gaussian;
  o.bandwidth = 0.2;
  o.indicators = {EwsIndicator::variance, EwsIndicator::autocorrelation, EwsIndicator::skewness,
                  EwsIndicator::kurtosis};
  const EwsResult e = early_warning_signals(y, o);
  EXPECT_EQ(e.plan.window, 15u);
  EXPECT_NEAR(e.plan.kernel_sigma, 0.25 / 0.675 * 12.0, 1e-15);
  const Values tau = {-0.07632850241545895, -0.07632850241545895, 0.10917874396135266,
                      -0.0106280193236715};
  for (std::size_t i = 0; i < tau.size(); ++i) EXPECT_NEAR(e.kendall[i].tau, tau[i], 1e-15) << i;
  EXPECT_NEAR(e.kendall[0].p_value, 0.45446981266527, 1e-13);
  const std::vector<Values> rows = {
      {0.11415365146892195, 0.05538208408573221, 0.08454207242348877},
      {0.5211603999007145, 0.043475946183066924, 0.05817381189532708},
      {-0.3769644015529628, -0.12083329657624625, 0.49570707260449615},
      {-0.6001999538186581, -1.2609499210345751, 0.3146569952068472}};
  const std::size_t at[] = {14, 30, 59};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t k = 0; k < 3; ++k) {
      EXPECT_NEAR(e.values[i][at[k]], rows[i][k], 1e-12) << i << " at " << at[k];
    }
  }
}

// Critical slowing down (Scheffer et al. 2009, Nature 461, 53; Dakos et al. 2012, PLoS ONE 7,
// e41010): x_t = phi_t x_{t-1} + eps_t with phi rising from 0.1 to 0.95, so the lag-1
// autocorrelation (= phi for a stationary AR(1)) and the variance 1/(1 - phi^2) grow: every
// such indicator has a Kendall tau near 1, in both conventions.
TEST(EarlyWarning, RisingAr1CoefficientGivesPositiveTau) {
  const std::size_t n = 4000;
  Values eps(n), x(n, 0.0);
  CounterRng(11, 0, Purpose::test, 1).normals(eps.data(), n);
  for (std::size_t t = 1; t < n; ++t) {
    const double phi = 0.1 + 0.85 * static_cast<double>(t) / static_cast<double>(n);
    x[t] = phi * x[t - 1] + eps[t];
  }
  for (EwsConvention c : {EwsConvention::ewstools, EwsConvention::earlywarnings}) {
    EwsOptions o;
    o.convention = c;
    o.window = 0.25;
    o.indicators = {EwsIndicator::autocorrelation, EwsIndicator::ar1, EwsIndicator::variance};
    const EwsResult e = early_warning_signals(x, o);
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_GT(e.kendall[i].tau, 0.7) << ews_convention_name(c) << " indicator " << i;
      EXPECT_LT(e.kendall[i].p_value, 1e-10);
      EXPECT_EQ(e.kendall[i].count, n - e.plan.window + 1);
    }
  }
}

// Rolling sums on 1e8 + N(0, 1): a naive sum of x^2 loses every digit of the variance (x^2 ~
// 1e16, ulp 2). Here each window must agree with a direct two-pass computation in long double
// on the same doubles (the closed-form definitions in early_warning.hpp).
TEST(EarlyWarning, RollingSumsAreAccurateWithALargeOffset) {
  const std::size_t n = 6000, w = 1000;
  Values x(n);
  CounterRng(3, 0, Purpose::test, 2).normals(x.data(), n);
  for (double& v : x) v += 1e8;
  EwsOptions o;
  o.window = static_cast<double>(w);
  const EwsResult e = early_warning_signals(x, o);
  const EwsResult r = [&] {
    EwsOptions q = o;
    q.convention = EwsConvention::earlywarnings;
    return early_warning_signals(x, q);
  }();
  for (std::size_t end = w - 1; end < n; end += 97) {
    const std::size_t s = end + 1 - w;
    // y = x - x[s] is exact (Sterbenz): the long double sums then see values of order 1.
    std::vector<long double> y(w);
    for (std::size_t i = 0; i < w; ++i) y[i] = x[s + i] - x[s];
    long double mean = 0, s2 = 0, s3 = 0, s4 = 0, lag = 0, head = 0, ma = 0, mb = 0;
    for (std::size_t i = 0; i < w; ++i) mean += y[i];
    mean /= w;
    for (std::size_t i = 0; i + 1 < w; ++i) ma += y[i], mb += y[i + 1];
    ma /= (w - 1);
    mb /= (w - 1);
    long double saa = 0, sbb = 0, sab = 0;
    for (std::size_t i = 0; i < w; ++i) {
      const long double d = y[i] - mean;
      s2 += d * d;
      s3 += d * d * d;
      s4 += d * d * d * d;
      if (i + 1 < w) {
        lag += d * (y[i + 1] - mean);
        head += d * d;
        saa += (y[i] - ma) * (y[i] - ma);
        sbb += (y[i + 1] - mb) * (y[i + 1] - mb);
        sab += (y[i] - ma) * (y[i + 1] - mb);
      }
    }
    const long double W = w, b2 = W * s4 / (s2 * s2);
    const auto g1 = static_cast<double>((s3 / W) / std::pow(s2 / W, 1.5L));
    const auto var = static_cast<double>(s2 / (W - 1));
    EXPECT_NEAR(e.values[0][end] / var, 1.0, 1e-12) << end;
    EXPECT_NEAR(e.values[2][end], static_cast<double>(sab / std::sqrt(saa * sbb)), 1e-12) << end;
    EXPECT_NEAR(e.values[3][end], static_cast<double>(lag / head), 1e-12) << end;
    EXPECT_NEAR(e.values[4][end], std::sqrt(W * (W - 1)) / (W - 2) * g1, 1e-12) << end;
    const auto kurt =
        static_cast<double>(((W * W - 1) * b2 - 3 * (W - 1) * (W - 1)) / ((W - 2) * (W - 3)));
    EXPECT_NEAR(e.values[5][end], kurt, 1e-12) << end;
    EXPECT_NEAR(r.values[2][end], static_cast<double>(lag / s2), 1e-12) << end;
    EXPECT_NEAR(r.values[5][end], static_cast<double>(b2), 1e-12) << end;
    EXPECT_NEAR(r.values[6][end] / static_cast<double>(std::sqrt(s2 / (W - 1)) / (mean + x[s])),
                1.0, 1e-12)
        << end;
  }
}

// Window and bandwidth conventions: ewstools int(f n), earlywarnings R round (half to even),
// generic_ews's default bandwidth round(bw.nrd0(1:1000)) = round(65.293...) = 65 (numpy:
// 0.9*min(t.std(ddof=1), iqr/1.34)*1000**-0.2 = 65.2933460416645).
TEST(EarlyWarning, PlanFollowsEachConvention) {
  EwsOptions o;
  o.window = 0.25;
  o.indicators = {EwsIndicator::variance};
  EXPECT_EQ(plan_early_warning(10, o).window, 2u);  // int(2.5)
  o.convention = EwsConvention::earlywarnings;
  EXPECT_EQ(plan_early_warning(10, o).window, 2u);  // round(2.5) = 2
  EXPECT_EQ(plan_early_warning(14, o).window, 4u);  // round(3.5) = 4
  o.window.reset();
  EXPECT_EQ(plan_early_warning(1000, o).window, 500u);  // winsize = 50%
  o.detrend = EwsDetrend::gaussian;
  EwsPlan p = plan_early_warning(1000, o);
  EXPECT_EQ(p.bandwidth, 65.0);
  EXPECT_NEAR(p.kernel_sigma, 0.3706506 * 65.0, 1e-12);
  EXPECT_EQ(p.kernel_radius, 96u);  // floor(4 * 24.09...)
  o.convention = EwsConvention::ewstools;
  p = plan_early_warning(1000, o);
  EXPECT_EQ(p.window, 250u);
  EXPECT_EQ(p.bandwidth, 200.0);  // 0.2 n
  EXPECT_EQ(p.kernel_radius, static_cast<std::size_t>(4 * 0.25 / 0.675 * 200 + 0.5));
}

void expect_usage_error(std::size_t n, const EwsOptions& o, const std::string& fragment) {
  try {
    plan_early_warning(n, o);
    ADD_FAILURE() << "expected a UsageError mentioning " << fragment;
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(EarlyWarning, BadOptionsAreUsageErrorsNamingTheOption) {
  EwsOptions o;
  o.window = 150;
  expect_usage_error(100, o, "--window: 150 points is longer than the series (100 points)");
  o.window = 0.01;  // 1 point
  expect_usage_error(100, o, "--window");
  o.window = 10.5;
  expect_usage_error(100, o, "whole number");
  o.window = -1;
  expect_usage_error(100, o, "--window");
  o.window = 3;  // kurtosis needs 4
  expect_usage_error(100, o, "kurtosis needs at least 4");
  o.window.reset();
  expect_usage_error(3, o, "--input: the series has 3 points");
  o.bandwidth = 0.1;
  expect_usage_error(100, o, "--bandwidth: needs --detrend");
  o.detrend = EwsDetrend::gaussian;
  o.bandwidth = 0.0;
  expect_usage_error(100, o, "--bandwidth");
  o.convention = EwsConvention::earlywarnings;
  o.bandwidth = 0.001;  // round(0.1) = 0 points
  expect_usage_error(100, o, "--bandwidth");
  o.bandwidth.reset();
  o.indicators = {EwsIndicator::std, EwsIndicator::std};
  expect_usage_error(100, o, "--indicators: 'std' is listed twice");
  EXPECT_THROW(parse_ews_indicator("variation"), UsageError);
  EXPECT_THROW(parse_ews_convention("pandas"), UsageError);
  EXPECT_THROW(parse_ews_detrend("loess"), UsageError);
  EXPECT_THROW(early_warning_signals(Values{1, 2, NAN, 4, 5, 6}, EwsOptions{}), UsageError);
}

}  // namespace
}  // namespace butterfly
