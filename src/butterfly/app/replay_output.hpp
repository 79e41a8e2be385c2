// The NetCDF file of `butterfly run --members`: the replayed members'
// trajectories and the truth, laid out like a full run's saved members so the
// two compare with xarray as they are (members.sel(member=[17, 4242])).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "butterfly/app/run_output.hpp"

namespace butterfly {

class ReplayOutputFile {
 public:
  // `description` is the full run's (members = its ensemble size);
  // `member_ids` the replayed global ids, ascending.
  ReplayOutputFile(const std::filesystem::path& path, const RunDescription& description,
                   std::vector<std::uint64_t> member_ids);
  // The replayed members (one block each, in id order) and the truth at one output time.
  void write(std::size_t time_index, std::size_t start, const std::vector<EnsembleBlock>& blocks,
             std::span<const double> truth);
  // Writes the coordinates and closes.
  void finish(const TwinExperimentResult& result);

 private:
  RunDescription description_;
  std::vector<std::uint64_t> ids_;
  NetcdfFile file_;
  int time_ = -1, start_ = -1, start_time_ = -1, member_ = -1, members_ = -1, truth_ = -1;
  std::vector<int> state_coordinates_;
  std::vector<double> buffer_;
};

}  // namespace butterfly
