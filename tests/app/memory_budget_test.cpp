// Tests of the memory budget: size parsing, the memory model against its
// closed forms, the block size that fits and the refusal message.
#include "butterfly/app/memory_budget.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <regex>
#include <string>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

// Expected byte counts are the closed forms n x 1024^k (IEC 80000-13 binary
// prefixes); the integer cases agree with GNU coreutils `numfmt --from=iec`
// (an independent implementation: `numfmt --from=iec 4G 512M 1.5G 2T 800K 0.25T`
// prints 4294967296 536870912 1610612736 2199023255552 819200 274877906944).
TEST(ParseMemorySize, BinaryUnitsAndExactBytes) {
  EXPECT_EQ(parse_memory_size("4G", "--memory"), 4294967296ULL);
  EXPECT_EQ(parse_memory_size("4GiB", "--memory"), 4294967296ULL);
  EXPECT_EQ(parse_memory_size("4gb", "--memory"), 4294967296ULL);
  EXPECT_EQ(parse_memory_size("4g", "--memory"), 4294967296ULL);
  EXPECT_EQ(parse_memory_size("512M", "--memory"), 536870912ULL);
  EXPECT_EQ(parse_memory_size("512mib", "--memory"), 536870912ULL);
  EXPECT_EQ(parse_memory_size("1.5G", "--memory"), 1610612736ULL);
  EXPECT_EQ(parse_memory_size("2T", "--memory"), 2199023255552ULL);
  EXPECT_EQ(parse_memory_size("0.25T", "--memory"), 274877906944ULL);
  EXPECT_EQ(parse_memory_size("800K", "--memory"), 819200ULL);
  EXPECT_EQ(parse_memory_size("800KB", "--memory"), 819200ULL);
  EXPECT_EQ(parse_memory_size("123456", "--memory"), 123456ULL);
  EXPECT_EQ(parse_memory_size("123456B", "--memory"), 123456ULL);
  EXPECT_EQ(parse_memory_size(".5K", "--memory"), 512ULL);
  // Fractions round to the nearest byte: 3.7 x 2^20 = 3879731.2.
  EXPECT_EQ(parse_memory_size("3.7M", "--memory"), 3879731ULL);
  // The largest size there is: 2^64 - 1 bytes, and 2^24 T = 2^64 is one too many.
  EXPECT_EQ(parse_memory_size("18446744073709551615", "--memory"), 18446744073709551615ULL);
  EXPECT_THROW(parse_memory_size("16777216T", "--memory"), UsageError);
  EXPECT_EQ(parse_memory_size("16777215T", "--memory"), 16777215ULL << 40);
}

TEST(ParseMemorySize, RejectsAnythingElseNamingTheOption) {
  for (const char* bad : {"",
                          "-1G",
                          "+1G",
                          "0",
                          "0G",
                          "0.0M",
                          "4X",
                          "G",
                          "GiB",
                          "nan",
                          "inf",
                          "1e3",
                          "4 G",
                          " 4G",
                          "4G ",
                          "1.5.2G",
                          ".",
                          "4Gi",
                          "4GBB",
                          "4iB",
                          "99999999999999999999",
                          "18446744073709551616",
                          "20000000T"}) {
    try {
      parse_memory_size(bad, "--memory");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_EQ(
          std::string(e.what()),
          std::string("--memory: expected a size such as 4G, 512M or 1.5G, got '") + bad + "'");
    }
  }
}

// A small run: 1000 members x 40 variables, 2 threads, 101 output times, 3 starts.
RunMemoryInputs small_run() {
  RunMemoryInputs in;
  in.members = 1000;
  in.variables = 40;
  in.threads = 2;
  in.times = 101;
  in.starts = 3;
  return in;
}

double item_bytes(const RunMemoryEstimate& e, const std::string& what) {
  for (const MemoryItem& item : e.items) {
    if (item.what == what) return item.bytes;
  }
  return -1;
}

// Closed forms of the model in memory_budget.hpp, evaluated by hand.
TEST(EstimateRunMemory, SmallRunMatchesTheClosedForms) {
  const RunMemoryEstimate e = estimate_run_memory(small_run());
  EXPECT_EQ(item_bytes(e, "member states"), 1000.0 * 40 * 8);              // 320000
  EXPECT_EQ(item_bytes(e, "integrator scratch"), 2.0 * 256 * 40 * 8 * 8);  // 1310720
  EXPECT_EQ(item_bytes(e, "scoring buffers"), 2.0 * 1000 * 8);             // 16000
  EXPECT_EQ(item_bytes(e, "result fields"), 5.0 * 101 * 3 * 40 * 8);       // 484800
  EXPECT_EQ(item_bytes(e, "gathered ensemble"), -1);  // one rank: nothing to gather
  EXPECT_EQ(item_bytes(e, "checkpoint image"), -1);
  EXPECT_EQ(item_bytes(e, "extremes"), -1);
  EXPECT_EQ(e.root_total, 2131520.0);
  EXPECT_EQ(e.total(), e.root_total);
  EXPECT_EQ(e.other_rank_total, 320000.0 + 1310720.0);
  EXPECT_EQ(e.items[0].formula, "1000 members x 40 variables x 8 B");
}

TEST(EstimateRunMemory, CheckpointExtremesAndPadding) {
  RunMemoryInputs in = small_run();
  in.checkpoint = true;
  in.extremes = true;
  in.members_saved = 10;
  const RunMemoryEstimate e = estimate_run_memory(in);
  // 1000 x 40 x 8 + 5 x 101 x 3 x 40 x 8 + 10 x 40 x 101 x 3 x 8 = 320000 + 484800 + 969600.
  EXPECT_EQ(item_bytes(e, "checkpoint image"), 1774400.0);
  EXPECT_EQ(item_bytes(e, "saved-member history"), 969600.0);  // kept in memory too
  EXPECT_EQ(item_bytes(e, "extremes"), 2.0 * 101 * 1000 * 8);  // 1616000
  EXPECT_EQ(e.root_total, 2131520.0 + 969600.0 + 1774400.0 + 1616000.0);

  // Members are stored in whole packs of 4: 1001 members take 1004 slots.
  in = small_run();
  in.members = 1001;
  EXPECT_EQ(item_bytes(estimate_run_memory(in), "member states"), 1004.0 * 40 * 8);
  // A block never holds more members than there are: 10 members -> 12-member blocks.
  in.members = 10;
  EXPECT_EQ(item_bytes(estimate_run_memory(in), "integrator scratch"), 2.0 * 12 * 40 * 8 * 8);
  // A block size that is not a multiple of 4 is rounded up: 250 -> 252.
  in = small_run();
  in.block_size = 250;
  EXPECT_EQ(item_bytes(estimate_run_memory(in), "integrator scratch"), 2.0 * 252 * 40 * 8 * 8);
}

TEST(EstimateRunMemory, TwoRanksGatherOnlyOnRankZero) {
  RunMemoryInputs in = small_run();
  in.ranks = 2;
  const RunMemoryEstimate e = estimate_run_memory(in);
  EXPECT_EQ(item_bytes(e, "member states"), 500.0 * 40 * 8);      // each rank's share
  EXPECT_EQ(item_bytes(e, "gathered ensemble"), 500.0 * 40 * 8);  // the other rank's members
  EXPECT_EQ(item_bytes(e, "send buffer"), -1);  // blocks are sent whole, from where they are
  EXPECT_EQ(e.other_rank_total, 160000.0 + 1310720.0);
  EXPECT_EQ(e.root_total, 160000.0 + 1310720.0 + 160000.0 + 16000.0 + 484800.0);
  // Three ranks: ceil(1000 / 3) = 334 members, padded to 336.
  in.ranks = 3;
  EXPECT_EQ(item_bytes(estimate_run_memory(in), "member states"), 336.0 * 40 * 8);
}

TEST(CheckMemoryBudget, FitsSilentlyAndRefusesWithTheNumbers) {
  RunMemoryInputs in = small_run();
  in.members = 100000;
  const RunMemoryEstimate e = estimate_run_memory(in);
  EXPECT_NO_THROW(check_memory_budget(e, static_cast<std::uint64_t>(e.root_total), "--memory x"));

  const std::uint64_t budget = 4 << 20;  // 4 MiB
  std::string message;
  try {
    check_memory_budget(e, budget, "--memory 4M");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& error) {
    message = error.what();
  }
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_NE(message.find("the run needs " + format_bytes(e.root_total) + " on rank 0"),
            std::string::npos)
      << message;
  // The largest item: 100000 x 40 x 8 B = 30.5 MiB of member states.
  EXPECT_NE(message.find("member states 30.5 MiB = 100000 members x 40 variables x 8 B"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("but --memory 4M allows 4.0 MiB"), std::string::npos) << message;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(message, match, std::regex("at most (\\d+) members fit")))
      << message;
  const std::size_t n = std::stoul(match[1]);
  in.members = n;
  EXPECT_LE(estimate_run_memory(in).root_total, static_cast<double>(budget));
  in.members = n + 1;
  EXPECT_GT(estimate_run_memory(in).root_total, static_cast<double>(budget));

  // Nothing fits when the fields alone exceed the budget.
  in = small_run();
  in.times = 100000;
  try {
    check_memory_budget(estimate_run_memory(in), budget, "--memory 4M");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("not even 1 member fits"), std::string::npos);
  }
}

// The scratch of a block b is threads x b x variables x 8 B x 8 copies =
// 2 x b x 40 x 64 B = 5120 b B for the small run.
TEST(ChooseBlockSize, LargestMultipleOfFourWithinAnEighth) {
  const RunMemoryInputs in = small_run();
  EXPECT_EQ(choose_block_size(in, 1ULL << 40), 256u);         // fits: unchanged
  EXPECT_EQ(choose_block_size(in, 8ULL * 5120 * 128), 128u);  // exactly 128 fits
  EXPECT_EQ(choose_block_size(in, 8ULL * 5120 * 131), 128u);  // 131 is not whole packs
  EXPECT_EQ(choose_block_size(in, 8ULL * 5120 * 132 - 1), 128u);
  EXPECT_EQ(choose_block_size(in, 1024), 4u);  // nothing fits: the smallest block
  for (std::uint64_t budget : {1ULL << 20, 3ULL << 21, 5ULL << 22, 10ULL << 20}) {
    const std::size_t b = choose_block_size(in, budget);
    EXPECT_EQ(b % 4, 0u);
    EXPECT_GE(b, 4u);
    EXPECT_LE(b, 256u);
    EXPECT_LE(5120.0 * b, budget / 8.0);
    if (b < 256) {
      EXPECT_GT(5120.0 * (b + 4), budget / 8.0);
    }
  }
}

TEST(FormatBytes, BinaryUnits) {
  EXPECT_EQ(format_bytes(812), "812 B");
  EXPECT_EQ(format_bytes(512.0 * 1024 * 1024), "512 MiB");
  EXPECT_EQ(format_bytes(7.5 * 1024 * 1024 * 1024), "7.5 GiB");
  EXPECT_EQ(format_bytes(4.0 * 1024 * 1024 * 1024), "4.0 GiB");
  EXPECT_EQ(format_bytes(19.2 * 1024 * 1024 * 1024), "19.2 GiB");
  EXPECT_EQ(format_bytes(1023.99 * 1024 * 1024), "1.0 GiB");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
}

TEST(DefaultMemoryBudget, IsPositive) {
  // 80% of MemAvailable; any machine running the tests has some.
  EXPECT_GT(default_memory_budget(), 0u);
}

}  // namespace
}  // namespace butterfly
