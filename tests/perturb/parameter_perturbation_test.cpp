// Parameter laws: balance of the list law, moments of the normal, uniform and lognormal laws
// and of the normal law truncated by redraws, independence from the block layout, and the
// one-line errors for malformed laws.
#include "butterfly/perturb/parameter_perturbation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

ParameterLaw normal_law(std::string name, double mean, double sd) {
  ParameterLaw law;
  law.parameter = std::move(name);
  law.kind = ParameterLawKind::normal;
  law.mean = mean;
  law.sd = sd;
  return law;
}

ParameterLaw list_law(std::string name, std::vector<double> values) {
  ParameterLaw law;
  law.parameter = std::move(name);
  law.kind = ParameterLawKind::list;
  law.values = std::move(values);
  return law;
}

struct Moments {
  double mean = 0, sd = 0;
};
Moments moments(const std::vector<double>& x) {
  double s = 0, s2 = 0;
  for (double v : x) s += v;
  const double mean = s / x.size();
  for (double v : x) s2 += (v - mean) * (v - mean);
  return {mean, std::sqrt(s2 / (x.size() - 1))};
}

TEST(ParameterPerturbation, ListLawIsBalanced) {
  // Member m takes values[m mod L]: over 3000 members each of 3 values exactly 1000 times,
  // and any L consecutive members take each value once.
  const ParameterPerturbation p("lorenz96", {}, {list_law("forcing", {6.0, 8.0, 10.0})}, 1);
  std::map<double, int> counts;
  for (std::uint64_t m = 0; m < 3000; ++m) {
    const double v = p.values(m)[0];
    EXPECT_EQ(v, (std::vector<double>{6.0, 8.0, 10.0})[m % 3]);
    ++counts[v];
  }
  EXPECT_EQ(counts.size(), 3u);
  for (const auto& [value, count] : counts) EXPECT_EQ(count, 1000) << value;
}

TEST(ParameterPerturbation, NormalLawHasItsMoments) {
  // normal(8, 0.5) over 20000 members: sample mean within 4.5 standard errors
  // (0.5 / sqrt(20000) = 0.0035), sample sd within 4.5 of its standard error (0.5 /
  // sqrt(2 * 20000) = 0.0025), and P(x < mean - sd) = Phi(-1) = 0.1587 within 4.5 binomial
  // standard errors (0.0026).
  const ParameterPerturbation p("lorenz96", {}, {normal_law("forcing", 8.0, 0.5)}, 42);
  const std::vector<double> x = p.table(0, 20000);
  const Moments mo = moments(x);
  EXPECT_NEAR(mo.mean, 8.0, 0.016);
  EXPECT_NEAR(mo.sd, 0.5, 0.011);
  double below = 0;
  for (double v : x) below += v < 7.5;
  EXPECT_NEAR(below / x.size(), 0.158655, 0.0117);
}

TEST(ParameterPerturbation, UniformAndLognormalLawsHaveTheirMoments) {
  // uniform(0.5, 2.5): mean 1.5, sd 2 / sqrt(12) = 0.5774, all in [0.5, 2.5);
  // lognormal(median 1e-7, sigma_log 0.3): log x ~ normal(log 1e-7, 0.3). 20000 members;
  // tolerances 4.5 standard errors. Two parameters of shell_model (nu and forcing) in one
  // perturbation also show that streams differ by parameter index: their correlation is
  // within 4.5 / sqrt(20000) = 0.032 of 0.
  ParameterLaw uniform;
  uniform.parameter = "forcing";
  uniform.kind = ParameterLawKind::uniform;
  uniform.low = 0.5;
  uniform.high = 2.5;
  ParameterLaw lognormal;
  lognormal.parameter = "nu";
  lognormal.kind = ParameterLawKind::lognormal;
  lognormal.median = 1e-7;
  lognormal.sigma_log = 0.3;
  const ParameterPerturbation p("shell_model", {}, {uniform, lognormal}, 7);
  const std::vector<double> table = p.table(0, 20000);
  std::vector<double> u, logs;
  for (std::size_t m = 0; m < 20000; ++m) {
    u.push_back(table[2 * m]);
    logs.push_back(std::log(table[2 * m + 1]));
    ASSERT_GE(u.back(), 0.5);
    ASSERT_LT(u.back(), 2.5);
  }
  const Moments mu = moments(u), ml = moments(logs);
  EXPECT_NEAR(mu.mean, 1.5, 4.5 * 0.5774 / std::sqrt(20000.0));
  EXPECT_NEAR(mu.sd, 0.5774, 0.005);  // sd of the sample sd of a uniform: 0.0018
  EXPECT_NEAR(ml.mean, std::log(1e-7), 4.5 * 0.3 / std::sqrt(20000.0));
  EXPECT_NEAR(ml.sd, 0.3, 4.5 * 0.3 / std::sqrt(40000.0));
  double cov = 0;
  for (std::size_t m = 0; m < 20000; ++m) cov += (u[m] - mu.mean) * (logs[m] - ml.mean);
  EXPECT_NEAR(cov / 20000.0 / (mu.sd * ml.sd), 0.0, 0.032);
}

TEST(ParameterPerturbation, DrawsBelowTheMinimumAreRedrawn) {
  // shell_model's nu has minimum 0: normal(0.5, 1) redraws every draw below 0, giving the
  // normal truncated to [0, inf), of mean mu + sd phi(a) / (1 - Phi(a)) with a = -0.5:
  // 0.5 + 0.352065 / 0.691462 = 1.009160 (Johnson, Kotz & Balakrishnan 1994, Continuous
  // Univariate Distributions 1, Sec. 10.1), and sd sqrt(1 + a phi/(1-Phi) - (phi/(1-Phi))^2)
  // = 0.697263 (both checked with scipy.stats.truncnorm). 20000 members; tolerances 4.5
  // standard errors.
  const ParameterPerturbation p("shell_model", {}, {normal_law("nu", 0.5, 1.0)}, 3);
  const std::vector<double> x = p.table(0, 20000);
  for (double v : x) ASSERT_GE(v, 0.0);
  const Moments mo = moments(x);
  EXPECT_NEAR(mo.mean, 1.009160, 4.5 * 0.6973 / std::sqrt(20000.0));
  EXPECT_NEAR(mo.sd, 0.697263, 0.02);
}

TEST(ParameterPerturbation, DrawsDoNotDependOnTheBlockLayout) {
  // A member's values depend on (seed, member id, parameter index) only: any slice of the
  // table equals the same members of the whole table; another seed changes them.
  const ParameterPerturbation p("lorenz96", {}, {normal_law("forcing", 8.0, 1.0)}, 5);
  const std::vector<double> whole = p.table(0, 100);
  const std::vector<double> tail = p.table(37, 63);
  EXPECT_EQ(std::vector<double>(whole.begin() + 37, whole.end()), tail);
  EXPECT_EQ(p.values(99)[0], whole[99]);
  const ParameterPerturbation q("lorenz96", {}, {normal_law("forcing", 8.0, 1.0)}, 6);
  EXPECT_NE(q.table(0, 100), whole);
}

TEST(ParameterPerturbation, OverridesReplaceTheNominalValues) {
  const ParameterPerturbation p("lorenz96", {{"n", 12.0}, {"forcing", 8.0}},
                                {normal_law("forcing", 8.0, 1.0)}, 5);
  const ParameterOverrides o = p.overrides(std::vector<double>{9.5});
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0], (std::pair<std::string, double>{"n", 12.0}));
  EXPECT_EQ(o[1], (std::pair<std::string, double>{"forcing", 9.5}));
  EXPECT_EQ(p.names(), std::vector<std::string>{"forcing"});
}

TEST(ParameterPerturbation, BadLawsNameTheKey) {
  const auto expect_key = [](const std::string& system, const std::vector<ParameterLaw>& laws,
                             const std::string& key) {
    try {
      ParameterPerturbation(system, {}, laws, 1);
      ADD_FAILURE() << "no error for " << key;
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(key + ":", 0), 0u) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  };
  expect_key("lorenz96", {normal_law("forcin", 8.0, 1.0)}, "parameters.forcin");
  expect_key("lorenz96", {normal_law("forcing", 8.0, 1.0), list_law("forcing", {8.0})},
             "parameters.forcing");
  expect_key("lorenz96", {normal_law("forcing", 8.0, -1.0)}, "parameters.forcing.sd");
  expect_key("lorenz96", {normal_law("n", 40.0, 1.0)}, "parameters.n.law");  // integer
  expect_key("lorenz96", {list_law("n", {40.0, 40.5})}, "parameters.n.values");
  expect_key("lorenz96", {list_law("n", {40.0, 36.0})}, "parameters.n.values");  // dimension
  expect_key("lorenz96", {list_law("n", {})}, "parameters.n.values");
  expect_key("shell_model", {normal_law("nu", -10.0, 1.0)}, "parameters.nu");  // mass < 1%
  expect_key("henon_heiles", {list_law("energy", {0.1, 0.2})},
             "parameters.energy.values");  // the system's own check (energy < 1/6)
  ParameterLaw uniform;
  uniform.parameter = "forcing";
  uniform.kind = ParameterLawKind::uniform;
  uniform.low = 3.0;
  uniform.high = 2.0;
  expect_key("lorenz96", {uniform}, "parameters.forcing.high");
  ParameterLaw lognormal;
  lognormal.parameter = "forcing";
  lognormal.kind = ParameterLawKind::lognormal;
  lognormal.median = 0.0;
  expect_key("lorenz96", {lognormal}, "parameters.forcing.median");
  EXPECT_EQ(parameter_law_kind("lognormal", "parameters.f.law"), ParameterLawKind::lognormal);
  try {
    parameter_law_kind("gauss", "parameters.f.law");
    ADD_FAILURE();
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "parameters.f.law: unknown law 'gauss'; expected one of point, normal, uniform, "
              "lognormal, list");
  }
}

}  // namespace
}  // namespace butterfly
