// Definition and writing of the shared score variables.
#include "butterfly/app/score_variables.hpp"

namespace butterfly {
namespace {

int define_score(NetcdfFile& file, const std::string& name, const std::vector<std::string>& dims,
                 const std::string& long_name, const std::string& units) {
  const int id = file.define_variable(name, NC_DOUBLE, dims);
  file.set_attribute(id, "long_name", long_name);
  file.set_attribute(id, "units", units);
  return id;
}

}  // namespace

void ScoreVariables::define(NetcdfFile& file, const std::vector<std::string>& dims,
                            const std::string& suffix, const std::string& over,
                            bool rank_histogram) {
  const std::string state = "state units";
  rmse_ = define_score(file, "rmse" + suffix, dims,
                       "root-mean-square error of the ensemble mean against the truth, over " + over,
                       state);
  spread_ = define_score(file, "spread" + suffix, dims,
                         "square root of the mean ensemble variance (ddof=1), over " + over, state);
  ssr_ = define_score(file, "ssr" + suffix, dims,
                      "spread-skill ratio sqrt((M+1)/M) spread / rmse (Fortin et al. 2014), over " + over,
                      "1");
  crps_ = define_score(file, "crps" + suffix, dims,
                       "continuous ranked probability score of the empirical CDF, mean over " + over,
                       state);
  crps_fair_ = define_score(file, "crps_fair" + suffix, dims,
                            "fair CRPS for finite ensembles (Ferro 2014), mean over " + over, state);
  outlier_rate_ = define_score(
      file, "outlier_rate" + suffix, dims,
      "fraction of points whose truth lies outside the member range (consistent value 2/(M+1))",
      "1");
  if (!rank_histogram) return;
  std::vector<std::string> rank_dims = dims;
  rank_dims.push_back("rank");
  rank_histogram_ = define_score(
      file, "rank_histogram" + suffix, rank_dims,
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
