// Text and JSON summaries of a twin experiment.
#include "butterfly/app/run_summary.hpp"

#include <fmt/format.h>

#include <cmath>

#include "butterfly/app/json_text.hpp"
#include "butterfly/app/system_overrides.hpp"

namespace butterfly {
namespace {

template <class Get>
std::string series(const TwinExperimentResult& r, Get get) {
  std::string out = "[";
  for (std::size_t k = 0; k < r.times; ++k) out += (k ? ", " : "") + json_number(get(r.scores[k]));
  return out + "]";
}

}  // namespace

std::string run_summary_text(const RunFacts& facts, const TwinExperimentResult& r,
                             std::optional<double> half) {
  const RunDescription& d = facts.description;
  std::string out =
      fmt::format("butterfly run: {} ({}), {} members x {} starts, {} dt={:g}, {}{} thread{}\n",
                  d.system, parameters_text(d.parameters), r.members, r.starts, facts.scheme,
                  facts.dt, facts.ranks > 1 ? fmt::format("{} ranks x ", facts.ranks) : "",
                  facts.threads, facts.threads == 1 ? "" : "s");
  out += fmt::format("{:>8} {:>10} {:>10} {:>7} {:>10} {:>10} {:>9}\n", "lead", "rmse", "spread",
                     "ssr", "crps", "crps_fair", "outliers");
  std::size_t previous = r.times;
  for (int j = 0; j <= 5; ++j) {
    const std::size_t k = static_cast<std::size_t>(std::lround(j * (r.times - 1) / 5.0));
    if (k == previous) continue;
    previous = k;
    const ScoreAccumulator& s = r.scores[k];
    out += fmt::format("{:>8.3g} {:>10.4g} {:>10.4g} {:>7.3f} {:>10.4g} {:>10.4g} {:>9.4f}\n",
                       r.lead_times[k], s.rmse(), s.spread(), s.ssr(), s.crps(), s.crps_fair(),
                       s.outlier_rate());
  }
  out += fmt::format("outlier rate of a consistent ensemble: 2/(M+1) = {:.4f}\n",
                     2.0 / (static_cast<double>(r.members) + 1.0));
  out += fmt::format(
      "saturation of the ensemble-mean rmse (climatological std x sqrt(1+1/M)): {:.4g}\n",
      r.saturation_rmse);
  if (half) {
    out += fmt::format("ensemble-mean error reaches half its saturation at lead {:.3f}\n", *half);
  } else {
    out += "ensemble-mean error stays below half its saturation for the whole run\n";
  }
  if (facts.steps.accepted_steps > 0) {
    out += fmt::format("{}: {} accepted and {} rejected steps, {} members failed the tolerance\n",
                       facts.scheme, facts.steps.accepted_steps, facts.steps.rejected_steps,
                       facts.steps.failed_members);
  }
  out += fmt::format("diverged members: {}\n", r.diverged.size());
  out += fmt::format("wrote {} in {:.2f} s ({:.3g} member-steps/s)\n", facts.output_path,
                     facts.seconds, facts.member_steps / facts.seconds);
  return out;
}

std::string run_summary_json(const RunFacts& facts, const TwinExperimentResult& r,
                             std::optional<double> half) {
  const RunDescription& d = facts.description;
  const std::string leads = json_numbers(r.lead_times);
  std::string out = "{";
  out +=
      "\"system\": " + json_quoted(d.system) + ", \"parameters\": " + json_parameters(d.parameters);
  out += fmt::format(", \"members\": {}, \"starts\": {}, \"variables\": {}", r.members, r.starts,
                     r.variables);
  out += ", \"scheme\": " + json_quoted(facts.scheme) + ", \"dt\": " + json_number(facts.dt);
  out += ", \"seed\": " + std::to_string(d.seed);
  out += ", \"lead_time\": " + leads;
  out += ", \"rmse\": " + series(r, [](const ScoreAccumulator& s) { return s.rmse(); });
  out += ", \"spread\": " + series(r, [](const ScoreAccumulator& s) { return s.spread(); });
  out += ", \"ssr\": " + series(r, [](const ScoreAccumulator& s) { return s.ssr(); });
  out += ", \"crps\": " + series(r, [](const ScoreAccumulator& s) { return s.crps(); });
  out += ", \"crps_fair\": " + series(r, [](const ScoreAccumulator& s) { return s.crps_fair(); });
  out += ", \"outlier_rate\": " +
         series(r, [](const ScoreAccumulator& s) { return s.outlier_rate(); });
  out +=
      ", \"expected_outlier_rate\": " + json_number(2.0 / (static_cast<double>(r.members) + 1.0));
  out += ", \"saturation_rmse\": " + json_number(r.saturation_rmse);
  out += ", \"half_saturation_lead\": " + (half ? json_number(*half) : std::string("null"));
  out += fmt::format(", \"diverged_members\": {}", r.diverged.size());
  out += fmt::format(", \"accepted_steps\": {}, \"rejected_steps\": {}, \"failed_members\": {}",
                     facts.steps.accepted_steps, facts.steps.rejected_steps,
                     facts.steps.failed_members);
  out += ", \"output\": " + json_quoted(facts.output_path);
  out += ", \"seconds\": " + json_number(facts.seconds);
  out += ", \"member_steps_per_second\": " + json_number(facts.member_steps / facts.seconds);
  out += "}\n";
  return out;
}

}  // namespace butterfly
