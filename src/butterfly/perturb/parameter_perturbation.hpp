// Perturbed model parameters: one law per parameter; member m's values are drawn from
// CounterRng(seed, m, Purpose::parameter_draw, stream = the parameter's index in its
// system's table), so they do not depend on blocks, threads or ranks (DESIGN invariant 3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "butterfly/systems/registry.hpp"

namespace butterfly {

enum class ParameterLawKind { point, normal, uniform, lognormal, list };

// The config names: "point", "normal", "uniform", "lognormal", "list".
std::string_view parameter_law_name(ParameterLawKind kind);
// The kind named `name`; UsageError "KEY: unknown law 'NAME'; expected one of ..." otherwise.
ParameterLawKind parameter_law_kind(std::string_view name, std::string_view key);

// The law of one parameter across members. Only the fields of its kind are read.
struct ParameterLaw {
  std::string parameter;  // a name in the system's parameter table
  ParameterLawKind kind = ParameterLawKind::point;
  double value = 0.0;                    // point: every member takes value
  double mean = 0.0, sd = 0.0;           // normal: mean + sd z, sd >= 0
  double low = 0.0, high = 0.0;          // uniform: low + (high - low) u, u in [0, 1)
  double median = 0.0, sigma_log = 0.0;  // lognormal: median exp(sigma_log z), median > 0
  std::vector<double> values;            // list: member m takes values[m mod size] (balanced)
};

// The laws of one experiment, validated against the system's parameter table.
//
// Draws. z is the first Box-Muller normal and u the 53-bit uniform of counter index
// `attempt` of the member's stream. Normal and lognormal draws outside the parameter's
// [minimum, maximum] are redrawn deterministically with attempt = 1, 2, ... (the law
// truncated to the allowed range); a law with less than 1% of its mass in the range is
// rejected up front with a UsageError, so redraws are rare and the 10000-attempt limit is
// never reached in practice (a RuntimeError if it is). Uniform, point and list laws must lie
// in the range (UsageError otherwise). Integer parameters (e.g. a number of variables) take
// only point or list laws with integer values, and no value may change the state dimension.
class ParameterPerturbation {
 public:
  // Throws UsageError naming "parameters.NAME[.FIELD]": an unknown system or parameter, a
  // parameter given twice, a malformed law (sd < 0, low > high, median <= 0, empty list,
  // non-finite numbers), values outside the parameter's range or off an integer parameter,
  // a continuous law on an integer parameter, or a value that changes the dimension.
  ParameterPerturbation(std::string system, ParameterOverrides nominal,
                        std::vector<ParameterLaw> laws, std::uint64_t seed);

  const std::string& system() const { return system_; }
  const ParameterOverrides& nominal() const { return nominal_; }
  const std::vector<ParameterLaw>& laws() const { return laws_; }
  std::uint64_t seed() const { return seed_; }
  std::size_t count() const { return laws_.size(); }  // perturbed parameters
  std::vector<std::string> names() const;             // in law order

  // Member m's values of the perturbed parameters (law order) into out[0..count()).
  void draw(std::uint64_t member, double* out) const;
  std::vector<double> values(std::uint64_t member) const;
  // The nominal overrides with the perturbed parameters set to `values` (law order): what
  // make_system builds member's system from.
  ParameterOverrides overrides(std::span<const double> values) const;
  // The per-member table for the output: [member - first][parameter], row-major.
  std::vector<double> table(std::uint64_t first, std::size_t members) const;

 private:
  double draw_one(std::size_t law, std::uint64_t member) const;

  std::string system_;
  ParameterOverrides nominal_;
  std::vector<ParameterLaw> laws_;
  std::uint64_t seed_;
  std::vector<std::size_t> index_;    // each law's parameter index in the system's table
  std::vector<ParameterSpec> specs_;  // each law's parameter spec
};

}  // namespace butterfly
