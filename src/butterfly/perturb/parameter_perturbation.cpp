// Parameter laws: validation against the system's table and counter-RNG draws per member.
#include "butterfly/perturb/parameter_perturbation.hpp"

#include <fmt/format.h>

#include <Random123/boxmuller.hpp>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "butterfly/core/counter_rng.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

struct LawName {
  ParameterLawKind kind;
  std::string_view name;
};
constexpr std::array<LawName, 5> kLawNames{{
    {ParameterLawKind::point, "point"},
    {ParameterLawKind::normal, "normal"},
    {ParameterLawKind::uniform, "uniform"},
    {ParameterLawKind::lognormal, "lognormal"},
    {ParameterLawKind::list, "list"},
}};

constexpr int kMaxAttempts = 10000;
constexpr double kMinAcceptance = 0.01;

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// The parameter's prefix in messages: "parameters.forcing".
std::string key_of(const ParameterLaw& law) { return "parameters." + law.parameter; }

void require_finite(const ParameterLaw& law, std::string_view field, double value) {
  if (!std::isfinite(value)) {
    throw UsageError(fmt::format("{}.{}: must be finite, got {}", key_of(law), field, value));
  }
}

// A value every member may take: finite, in range, integer for an integer parameter.
void require_allowed(const ParameterLaw& law, const ParameterSpec& spec, std::string_view field,
                     double value) {
  require_finite(law, field, value);
  if (value < spec.minimum || value > spec.maximum) {
    throw UsageError(fmt::format("{}.{}: {:g} is outside the range [{:g}, {:g}] of {}", key_of(law),
                                 field, value, spec.minimum, spec.maximum, spec.name));
  }
  if (spec.integer && value != std::round(value)) {
    throw UsageError(fmt::format("{}.{}: {} is an integer parameter, got {:g}", key_of(law), field,
                                 spec.name, value));
  }
}

// Probability that mean + sd z lies in [lo, hi].
double acceptance(double mean, double sd, double lo, double hi) {
  if (sd == 0.0) return mean >= lo && mean <= hi ? 1.0 : 0.0;
  return normal_cdf((hi - mean) / sd) - normal_cdf((lo - mean) / sd);
}

}  // namespace

std::string_view parameter_law_name(ParameterLawKind kind) {
  for (const LawName& l : kLawNames) {
    if (l.kind == kind) return l.name;
  }
  return "?";
}

ParameterLawKind parameter_law_kind(std::string_view name, std::string_view key) {
  std::string valid;
  for (const LawName& l : kLawNames) {
    if (l.name == name) return l.kind;
    valid += (valid.empty() ? "" : ", ") + std::string(l.name);
  }
  throw UsageError(fmt::format("{}: unknown law '{}'; expected one of {}", key, name, valid));
}

ParameterPerturbation::ParameterPerturbation(std::string system, ParameterOverrides nominal,
                                             std::vector<ParameterLaw> laws, std::uint64_t seed)
    : system_(std::move(system)),
      nominal_(std::move(nominal)),
      laws_(std::move(laws)),
      seed_(seed) {
  const SystemInfo info = system_info(system_);  // throws for an unknown system
  const std::size_t dimension = system_dimension(make_system(system_, nominal_));
  for (std::size_t l = 0; l < laws_.size(); ++l) {
    const ParameterLaw& law = laws_[l];
    std::optional<std::size_t> index;
    std::string valid;
    for (std::size_t i = 0; i < info.parameters.size(); ++i) {
      if (info.parameters[i].name == law.parameter) index = i;
      valid += (valid.empty() ? "" : ", ") + std::string(info.parameters[i].name);
    }
    if (!index) {
      throw UsageError(fmt::format("{}: unknown parameter of {}; expected one of {}", key_of(law),
                                   system_, valid));
    }
    for (std::size_t k = 0; k < l; ++k) {
      if (laws_[k].parameter == law.parameter) {
        throw UsageError(fmt::format("{}: given twice", key_of(law)));
      }
    }
    const ParameterSpec& spec = info.parameters[*index];
    const bool continuous = law.kind == ParameterLawKind::normal ||
                            law.kind == ParameterLawKind::uniform ||
                            law.kind == ParameterLawKind::lognormal;
    if (spec.integer && continuous) {
      throw UsageError(
          fmt::format("{}.law: {} is an integer parameter and takes only the point or "
                      "list law, got {}",
                      key_of(law), spec.name, parameter_law_name(law.kind)));
    }
    // Values to try on the system itself: its constructor may reject more than the table's
    // range says, and an integer value may change the dimension.
    std::vector<std::pair<std::string_view, double>> probes;
    switch (law.kind) {
      case ParameterLawKind::point:
        require_allowed(law, spec, "value", law.value);
        probes.emplace_back("value", law.value);
        break;
      case ParameterLawKind::list:
        if (law.values.empty()) {
          throw UsageError(fmt::format("{}.values: must list at least one value", key_of(law)));
        }
        for (double v : law.values) {
          require_allowed(law, spec, "values", v);
          probes.emplace_back("values", v);
        }
        break;
      case ParameterLawKind::uniform:
        require_allowed(law, spec, "low", law.low);
        require_allowed(law, spec, "high", law.high);
        if (law.low > law.high) {
          throw UsageError(fmt::format("{}.high: must be at least low = {:g}, got {:g}",
                                       key_of(law), law.low, law.high));
        }
        probes.emplace_back("low", law.low);
        probes.emplace_back("high", law.high);
        break;
      case ParameterLawKind::normal:
      case ParameterLawKind::lognormal: {
        const bool normal = law.kind == ParameterLawKind::normal;
        const double centre = normal ? law.mean : law.median;
        const double spread = normal ? law.sd : law.sigma_log;
        const std::string_view centre_key = normal ? "mean" : "median";
        const std::string_view spread_key = normal ? "sd" : "sigma_log";
        require_finite(law, centre_key, centre);
        require_finite(law, spread_key, spread);
        if (spread < 0.0) {
          throw UsageError(
              fmt::format("{}.{}: must be >= 0, got {:g}", key_of(law), spread_key, spread));
        }
        if (!normal && centre <= 0.0) {
          throw UsageError(fmt::format("{}.median: must be > 0, got {:g}", key_of(law), centre));
        }
        // Mass within [minimum, maximum] (in log space for the lognormal law).
        const double lo = normal ? spec.minimum
                                 : (spec.minimum > 0.0 ? std::log(spec.minimum)
                                                       : -std::numeric_limits<double>::infinity());
        const double hi = normal ? spec.maximum
                                 : (spec.maximum > 0.0 ? std::log(spec.maximum)
                                                       : -std::numeric_limits<double>::infinity());
        const double p = acceptance(normal ? centre : std::log(centre), spread, lo, hi);
        if (p < kMinAcceptance) {
          throw UsageError(fmt::format(
              "{}: the {} law puts {:.3g}% of its mass in the range [{:g}, {:g}] of {}; at least "
              "{:g}% is needed",
              key_of(law), parameter_law_name(law.kind), 100.0 * p, spec.minimum, spec.maximum,
              spec.name, 100.0 * kMinAcceptance));
        }
        if (centre >= spec.minimum && centre <= spec.maximum)
          probes.emplace_back(centre_key, centre);
        break;
      }
    }
    for (const auto& [field, v] : probes) {
      ParameterOverrides with = nominal_;
      with.emplace_back(law.parameter, v);
      std::size_t d = 0;
      try {
        d = system_dimension(make_system(system_, with));
      } catch (const UsageError& e) {
        throw UsageError(
            fmt::format("{}.{}: {:g} is not a valid value ({})", key_of(law), field, v, e.what()));
      }
      if (d != dimension) {
        throw UsageError(fmt::format(
            "{}.{}: {:g} changes the state dimension ({} -> {}); perturbed parameters must keep it",
            key_of(law), field, v, dimension, d));
      }
    }
    index_.push_back(*index);
    specs_.push_back(spec);
  }
}

std::vector<std::string> ParameterPerturbation::names() const {
  std::vector<std::string> out;
  for (const ParameterLaw& law : laws_) out.push_back(law.parameter);
  return out;
}

double ParameterPerturbation::draw_one(std::size_t l, std::uint64_t member) const {
  const ParameterLaw& law = laws_[l];
  const ParameterSpec& spec = specs_[l];
  const CounterRng rng(seed_, member, Purpose::parameter_draw,
                       static_cast<std::uint32_t>(index_[l]));
  switch (law.kind) {
    case ParameterLawKind::point:
      return law.value;
    case ParameterLawKind::list:
      return law.values[member % law.values.size()];
    case ParameterLawKind::uniform: {
      const auto r = rng.bits(0);
      const std::uint64_t bits = (static_cast<std::uint64_t>(r[1]) << 32) | r[0];
      const double u = static_cast<double>(bits >> 11) * 0x1p-53;  // [0, 1)
      return law.low + (law.high - law.low) * u;
    }
    case ParameterLawKind::normal:
    case ParameterLawKind::lognormal:
      for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
        const auto r = rng.bits(static_cast<std::uint32_t>(attempt));
        const std::uint64_t u0 = (static_cast<std::uint64_t>(r[1]) << 32) | r[0];
        const std::uint64_t u1 = (static_cast<std::uint64_t>(r[3]) << 32) | r[2];
        const double z = r123::boxmuller(u0, u1).x;
        const double x = law.kind == ParameterLawKind::normal
                             ? law.mean + law.sd * z
                             : law.median * std::exp(law.sigma_log * z);
        if (x >= spec.minimum && x <= spec.maximum) return x;
      }
      throw RuntimeError(fmt::format("{}: no draw within [{:g}, {:g}] for member {} in {} attempts",
                                     key_of(law), spec.minimum, spec.maximum, member,
                                     kMaxAttempts));
  }
  return law.value;
}

void ParameterPerturbation::draw(std::uint64_t member, double* out) const {
  for (std::size_t l = 0; l < laws_.size(); ++l) out[l] = draw_one(l, member);
}

std::vector<double> ParameterPerturbation::values(std::uint64_t member) const {
  std::vector<double> out(laws_.size());
  draw(member, out.data());
  return out;
}

ParameterOverrides ParameterPerturbation::overrides(std::span<const double> values) const {
  ParameterOverrides out;
  for (const auto& [name, value] : nominal_) {
    bool perturbed = false;
    for (const ParameterLaw& law : laws_) perturbed = perturbed || law.parameter == name;
    if (!perturbed) out.emplace_back(name, value);
  }
  for (std::size_t l = 0; l < laws_.size(); ++l) out.emplace_back(laws_[l].parameter, values[l]);
  return out;
}

std::vector<double> ParameterPerturbation::table(std::uint64_t first, std::size_t members) const {
  std::vector<double> out(members * laws_.size());
  for (std::size_t m = 0; m < members; ++m) draw(first + m, out.data() + m * laws_.size());
  return out;
}

}  // namespace butterfly
