// Config tables to parameter laws and SPPT settings.
#include "butterfly/app/model_perturbation_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {

namespace {

// The numbers each law takes, and where they go.
struct LawKeys {
  ParameterLawKind kind;
  std::array<std::string_view, 2> keys;  // "" where the law takes one
  std::array<double ParameterLaw::*, 2> fields;
};
constexpr std::array<LawKeys, 4> kLawKeys{{
    {ParameterLawKind::point, {"value", ""}, {&ParameterLaw::value, nullptr}},
    {ParameterLawKind::normal, {"mean", "sd"}, {&ParameterLaw::mean, &ParameterLaw::sd}},
    {ParameterLawKind::uniform, {"low", "high"}, {&ParameterLaw::low, &ParameterLaw::high}},
    {ParameterLawKind::lognormal,
     {"median", "sigma_log"},
     {&ParameterLaw::median, &ParameterLaw::sigma_log}},
}};

ParameterLaw parameter_law(const ParameterLawConfig& c) {
  const std::string prefix = "parameters." + c.parameter;
  ParameterLaw law;
  law.parameter = c.parameter;
  law.kind = parameter_law_kind(c.law, prefix + ".law");
  if (law.kind == ParameterLawKind::list) {
    if (!c.numbers.empty()) {
      throw UsageError(fmt::format("{}.{}: law 'list' takes only values = [...]", prefix,
                                   c.numbers.front().first));
    }
    if (c.values.empty()) throw UsageError(prefix + ".values: law 'list' needs values = [...]");
    law.values = c.values;
    return law;
  }
  if (!c.values.empty()) {
    throw UsageError(
        fmt::format("{}.values: only law 'list' takes values, not '{}'", prefix, c.law));
  }
  const LawKeys& spec = *std::find_if(kLawKeys.begin(), kLawKeys.end(),
                                      [&](const LawKeys& k) { return k.kind == law.kind; });
  const auto expected =
      fmt::format("{}{}{}", spec.keys[0], spec.keys[1].empty() ? "" : " and ", spec.keys[1]);
  for (const auto& [key, value] : c.numbers) {
    const auto at = std::find(spec.keys.begin(), spec.keys.end(), key);
    if (key.empty() || at == spec.keys.end()) {
      throw UsageError(fmt::format("{}.{}: law '{}' takes {}", prefix, key, c.law, expected));
    }
    law.*spec.fields[static_cast<std::size_t>(at - spec.keys.begin())] = value;
  }
  for (const std::string_view key : spec.keys) {
    if (key.empty()) continue;
    const bool given = std::any_of(c.numbers.begin(), c.numbers.end(),
                                   [&](const auto& kv) { return kv.first == key; });
    if (!given) {
      throw UsageError(
          fmt::format("{}.{}: missing; law '{}' takes {}", prefix, key, c.law, expected));
    }
  }
  return law;
}

}  // namespace

ModelPerturbations model_perturbations(const ExperimentConfig& config) {
  ModelPerturbations m;
  m.sppt.sigma = config.sppt_sigma;
  if (config.sppt_tau > 0) m.sppt.tau = config.sppt_tau;
  m.sppt.length = config.sppt_length;
  m.sppt.seed = config.seed;
  m.sppt.perturb_truth = config.sppt_truth;
  for (const ParameterLawConfig& c : config.parameter_laws)
    m.parameters.push_back(parameter_law(c));
  return m;
}

}  // namespace butterfly
