// `butterfly verify`: scores any ensemble stored in NetCDF against a truth.
#pragma once

#include <cstddef>
#include <string>

namespace butterfly {

struct VerifyOptions {
  std::string forecast;    // file with NAME(..., member, ...)
  std::string truth;       // file with TRUTH_NAME, the same dimensions without member
  std::string var;         // NAME
  std::string truth_var;   // empty: the same as var
  std::string output;      // empty: print only
  bool per_point = false;  // also write per-point ens_mean, ens_spread, crps and crps_fair
  bool json = false;
  std::size_t threads = 0;
};

int verify_command(const VerifyOptions& options);

}  // namespace butterfly
