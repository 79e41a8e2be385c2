// Reads a user-supplied initial ensemble and truth from NetCDF
// (`ensemble.initial`): members (start, member, var) and truth (start, var),
// with `start` optional for a single start.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace butterfly {

struct InitialEnsemble {
  std::size_t starts = 0, members = 0;
  std::vector<double> members_values;  // (start, member, var)
  std::vector<double> truth;           // (start, var)
};

// Throws UsageError naming the file and what is wrong: a missing variable,
// unexpected dimensions, a var length other than `variables`, fewer than two
// members, or non-finite values.
InitialEnsemble read_initial_ensemble(const std::string& path, std::size_t variables);

}  // namespace butterfly
