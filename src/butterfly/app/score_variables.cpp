// Definition and writing of the shared score variables.
#include "butterfly/app/score_variables.hpp"

namespace butterfly {
void ScoreVariables::define(NetcdfFile& file, const std::vector<std::string>& dims,
                            const std::string& suffix, const std::string& over,
                            bool rank_histogram) {
  const std::string state = "state units";
  rmse_ = file.define_variable(
      "rmse" + suffix, dims,
      "root-mean-square error of the ensemble mean against the truth, over " + over, state);
  spread_ = file.define_variable("spread" + suffix, dims,
                                 "square root of the mean ensemble variance (ddof=1), over " + over,
                                 state);
  ssr_ = file.define_variable(
      "ssr" + suffix, dims,
      "spread-skill ratio sqrt((M+1)/M) spread / rmse (Fortin et al. 2014), over " + over, "1");
  crps_ = file.define_variable(
      "crps" + suffix, dims,
      "continuous ranked probability score of the empirical CDF, mean over " + over, state);
  crps_fair_ =
      file.define_variable("crps_fair" + suffix, dims,
                           "fair CRPS for finite ensembles (Ferro 2014), mean over " + over, state);
  outlier_rate_ = file.define_variable(
      "outlier_rate" + suffix, dims,
      "fraction of points whose truth lies outside the member range (consistent value 2/(M+1))",
      "1");
  if (!rank_histogram) return;
  std::vector<std::string> rank_dims = dims;
  rank_dims.push_back("rank");
  rank_histogram_ = file.define_variable(
      "rank_histogram" + suffix, rank_dims,
      "counts of the truth's rank among the members (M+1 bins, ties split evenly), over " + over,
      "count");
}

void ScoreVariables::write(NetcdfFile& file, std::span<const ScoreAccumulator> scores) const {
  const auto column = [&](auto&& get) {
    std::vector<double> values;
    for (const ScoreAccumulator& s : scores) values.push_back(get(s));
    return values;
  };
  file.write_all(rmse_, column([](const ScoreAccumulator& s) { return s.rmse(); }));
  file.write_all(spread_, column([](const ScoreAccumulator& s) { return s.spread(); }));
  file.write_all(ssr_, column([](const ScoreAccumulator& s) { return s.ssr(); }));
  file.write_all(crps_, column([](const ScoreAccumulator& s) { return s.crps(); }));
  file.write_all(crps_fair_, column([](const ScoreAccumulator& s) { return s.crps_fair(); }));
  file.write_all(outlier_rate_, column([](const ScoreAccumulator& s) { return s.outlier_rate(); }));
  if (rank_histogram_ < 0) return;
  std::vector<double> histogram;
  for (const ScoreAccumulator& s : scores) {
    const std::vector<double> bins = s.rank_histogram();
    histogram.insert(histogram.end(), bins.begin(), bins.end());
  }
  file.write_all(rank_histogram_, histogram);
}

}  // namespace butterfly
