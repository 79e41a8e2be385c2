// The member ids of `butterfly run --members 17,4242,100-103`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace butterfly {

// Parses comma-separated ids and inclusive ranges "a-b" into ascending
// distinct ids, each below `members`. UsageError naming --members and the
// offending item otherwise (empty, not a number, a-b with a > b, out of range).
std::vector<std::uint64_t> parse_member_list(std::string_view text, std::size_t members);

}  // namespace butterfly
