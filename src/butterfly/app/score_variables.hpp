// The score variables that `run` and `verify` both write (one layout, one
// code path): rmse, spread, ssr, crps, crps_fair, outlier_rate, rank_histogram.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "butterfly/io/netcdf_file.hpp"
#include "butterfly/stats/score_accumulator.hpp"

namespace butterfly {

class ScoreVariables {
 public:
  // Defines the variables NAME + suffix over `dims` (e.g. {"time"} or
  // {"time", "start"}, possibly empty); the rank histogram, when asked for,
  // adds dimension "rank" (M+1 bins).
  void define(NetcdfFile& file, const std::vector<std::string>& dims, const std::string& suffix,
              const std::string& over, bool rank_histogram);
  // Writes one accumulator per element of dims, row-major.
  void write(NetcdfFile& file, std::span<const ScoreAccumulator> scores) const;

 private:
  int rmse_ = -1, spread_ = -1, ssr_ = -1, crps_ = -1, crps_fair_ = -1, outlier_rate_ = -1,
      rank_histogram_ = -1;
};

}  // namespace butterfly
