// --members parsing: ids and inclusive ranges, sorted and deduplicated, each
// checked against the ensemble size; one-line UsageErrors otherwise.
#include "butterfly/app/member_list.hpp"

#include <gtest/gtest.h>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

std::string error_of(std::string_view text, std::size_t members) {
  try {
    parse_member_list(text, members);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(MemberList, IdsAndRangesSortedWithoutDuplicates) {
  EXPECT_EQ(parse_member_list("17,4242", 10000), (std::vector<std::uint64_t>{17, 4242}));
  EXPECT_EQ(parse_member_list("9,3-5,4,0", 10), (std::vector<std::uint64_t>{0, 3, 4, 5, 9}));
  EXPECT_EQ(parse_member_list("7-7", 8), (std::vector<std::uint64_t>{7}));
}

TEST(MemberList, BadListsNameTheItem) {
  EXPECT_EQ(error_of("10", 10),
            "--members: member 10 does not exist; the run has 10 members (ids 0 to 9)");
  EXPECT_EQ(error_of("1,,2", 10),
            "--members: expected member ids or ranges such as 17,4242,100-103, got '' in '1,,2'");
  EXPECT_EQ(error_of("-3", 10),
            "--members: expected member ids or ranges such as 17,4242,100-103, got '' in '-3'");
  EXPECT_EQ(error_of("5-2", 10), "--members: range '5-2' runs backwards");
  EXPECT_EQ(error_of("1.5", 10),
            "--members: expected member ids or ranges such as 17,4242,100-103, got '1.5' in "
            "'1.5'");
}

}  // namespace
}  // namespace butterfly
