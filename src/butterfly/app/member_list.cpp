// Parsing of --members.
#include "butterfly/app/member_list.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

std::uint64_t parse_id(std::string_view item, std::string_view whole, std::size_t members) {
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
  if (item.empty() || ec != std::errc() || end != item.data() + item.size()) {
    throw UsageError(fmt::format(
        "--members: expected member ids or ranges such as 17,4242,100-103, got '{}' in '{}'", item,
        whole));
  }
  if (id >= members) {
    throw UsageError(
        fmt::format("--members: member {} does not exist; the run has {} members "
                    "(ids 0 to {})",
                    id, members, members - 1));
  }
  return id;
}

}  // namespace

std::vector<std::uint64_t> parse_member_list(std::string_view text, std::size_t members) {
  std::vector<std::uint64_t> ids;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t comma = std::min(text.find(',', begin), text.size());
    const std::string_view item = text.substr(begin, comma - begin);
    const std::size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      ids.push_back(parse_id(item, text, members));
    } else {
      const std::uint64_t first = parse_id(item.substr(0, dash), text, members);
      const std::uint64_t last = parse_id(item.substr(dash + 1), text, members);
      if (first > last) {
        throw UsageError(fmt::format("--members: range '{}' runs backwards", item));
      }
      for (std::uint64_t id = first; id <= last; ++id) ids.push_back(id);
    }
    begin = comma + 1;
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace butterfly
