// The memory budget of `butterfly run`: size parsing, the default budget, the
// memory model, the block size that fits and the refusal message.
#include "butterfly/app/memory_budget.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "butterfly/core/error.hpp"

namespace butterfly {

namespace {

constexpr double kDouble = 8.0;        // bytes per value
constexpr std::size_t kPackWidth = 4;  // members per SIMD pack (core/simd_pack.hpp)
constexpr double kResultFields = 5;    // truth, mean, spread, min, max
constexpr double kDefaultFraction = 0.8;
constexpr std::uint64_t kScratchShare = 8;  // scratch gets at most budget / 8

// Binary units: the letter and its power of 1024.
struct SizeUnit {
  char letter;
  int power;
};
constexpr std::array<SizeUnit, 4> kSizeUnits{{{'k', 1}, {'m', 2}, {'g', 3}, {'t', 4}}};
constexpr std::array<const char*, 7> kUnitNames{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

std::size_t round_up4(std::size_t n) { return (n + kPackWidth - 1) / kPackWidth * kPackWidth; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A count as people read it: plain below 10^6, "1e8" or "2.5e7" above when
// that is exact.
std::string count_text(double n) {
  if (n < 1e6) return fmt::format("{:.0f}", n);
  const int exponent = static_cast<int>(std::floor(std::log10(n)));
  for (int digits = 0; digits <= 3; ++digits) {
    const double mantissa = n / std::pow(10.0, exponent);
    const double rounded = std::round(mantissa * std::pow(10.0, digits)) / std::pow(10.0, digits);
    if (std::abs(rounded * std::pow(10.0, exponent) - n) < 0.5) {
      return fmt::format("{:.{}f}e{}", rounded, digits, exponent);
    }
  }
  return fmt::format("{:.0f}", n);
}

std::size_t local_members(const RunMemoryInputs& in) {
  const std::size_t ranks = std::max<std::size_t>(in.ranks, 1);
  return (in.members + ranks - 1) / ranks;
}

// Members per block as the stepper allocates them: whole packs, never more
// than the rank holds.
std::size_t scratch_block(const RunMemoryInputs& in, std::size_t block_size) {
  return std::max(kPackWidth, std::min(round_up4(block_size), round_up4(local_members(in))));
}

double scratch_bytes(const RunMemoryInputs& in, std::size_t block) {
  return static_cast<double>(in.threads) * static_cast<double>(block) *
         static_cast<double>(in.variables) * kDouble * static_cast<double>(in.stepper_copies);
}

// The largest member count in [0, limit) whose estimate fits `budget`
// (the estimate grows with members); 0 when not even one member fits.
std::size_t most_members_that_fit(RunMemoryInputs in, std::size_t limit, double budget) {
  auto fits = [&](std::size_t members) {
    in.members = members;
    in.members_saved = std::min(in.members_saved, members);
    return estimate_run_memory(in).root_total <= budget;
  };
  std::size_t lo = 0, hi = limit;  // fits(lo) is taken as true, fits(hi) as false
  while (hi - lo > 1) {
    const std::size_t mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace

std::uint64_t parse_memory_size(std::string_view text, std::string_view option) {
  const auto fail = [&]() {
    return UsageError(
        fmt::format("{}: expected a size such as 4G, 512M or 1.5G, got '{}'", option, text));
  };
  // The number: digits with at most one decimal point, at least one digit.
  std::size_t i = 0, int_digits = 0, frac_digits = 0;
  while (i < text.size() && is_digit(text[i])) ++i, ++int_digits;
  const std::size_t int_end = i;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) throw fail();
  // The unit: "", "b", "k", "kb", "kib" (and m, g, t).
  std::string unit;
  for (std::size_t j = i; j < text.size(); ++j) unit += lower(text[j]);
  int power = 0;
  if (!unit.empty() && unit != "b") {
    const auto found = std::find_if(kSizeUnits.begin(), kSizeUnits.end(),
                                    [&](const SizeUnit& u) { return u.letter == unit[0]; });
    const std::string_view rest = std::string_view(unit).substr(1);
    if (found == kSizeUnits.end() || !(rest.empty() || rest == "b" || rest == "ib")) throw fail();
    power = found->power;
  }
  // Whole part exactly, in integers with overflow checks; the fraction in long
  // double (exact for the short fractions people write: 1.5G, 0.25T).
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t multiplier = std::uint64_t{1} << (10 * power);
  std::uint64_t whole = 0;
  for (std::size_t j = 0; j < int_end; ++j) {
    const auto digit = static_cast<std::uint64_t>(text[j] - '0');
    if (whole > (max - digit) / 10) throw fail();
    whole = whole * 10 + digit;
  }
  if (whole > max / multiplier) throw fail();
  std::uint64_t bytes = whole * multiplier;
  long double fraction = 0;
  long double scale = 1;
  for (std::size_t j = int_end + 1; j < int_end + 1 + frac_digits; ++j) {
    scale /= 10;
    fraction += static_cast<long double>(text[j] - '0') * scale;
  }
  const long double extra = std::round(fraction * static_cast<long double>(multiplier));
  if (extra > static_cast<long double>(max - bytes)) throw fail();
  bytes += static_cast<std::uint64_t>(extra);
  if (bytes == 0) throw fail();
  return bytes;
}

std::uint64_t default_memory_budget() {
  double available = 0;
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string key;
    double kib = 0;
    if (fields >> key >> kib && key == "MemAvailable:") {
      available = kib * 1024.0;
      break;
    }
  }
  if (!(available > 0)) {
    const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page_size > 0) {
      available = static_cast<double>(pages) * static_cast<double>(page_size);
    }
  }
  return static_cast<std::uint64_t>(kDefaultFraction * available);
}

double RunMemoryEstimate::total() const {
  double sum = 0;
  for (const MemoryItem& item : items) sum += item.bytes;
  return sum;
}

RunMemoryEstimate estimate_run_memory(const RunMemoryInputs& in) {
  RunMemoryEstimate out;
  out.inputs = in;
  const double v = static_cast<double>(in.variables), m = static_cast<double>(in.members);
  const double threads = static_cast<double>(in.threads);
  const double times = static_cast<double>(in.times), starts = static_cast<double>(in.starts);
  const std::size_t local = round_up4(local_members(in));
  const std::size_t block = scratch_block(in, in.block_size);

  out.items.push_back({"member states", static_cast<double>(local) * v * kDouble,
                       fmt::format("{} members{} x {} variables x 8 B", count_text(local),
                                   in.ranks > 1 ? " per rank" : "", count_text(v))});
  out.items.push_back({"integrator scratch", scratch_bytes(in, block),
                       fmt::format("{} threads x {} members per block x {} variables x 8 B x {} "
                                   "stepper copies",
                                   in.threads, block, count_text(v), in.stepper_copies)});
  out.other_rank_total = out.total();

  if (in.ranks > 1) {
    // The other ranks' blocks, received straight into place.
    const double others = static_cast<double>(in.members - std::min(in.members, local));
    out.items.push_back({"gathered ensemble", others * v * kDouble,
                         fmt::format("{} other ranks' members x {} variables x 8 B",
                                     count_text(others), count_text(v))});
  }
  out.items.push_back({"scoring buffers", threads * m * kDouble,
                       fmt::format("{} threads x {} members x 8 B", in.threads, count_text(m))});
  const double fields = kResultFields * times * starts * v * kDouble;
  out.items.push_back({"result fields", fields,
                       fmt::format("5 fields x {} times x {} starts x {} variables x 8 B", in.times,
                                   in.starts, count_text(v))});
  if (in.checkpoint) {
    const double saved = static_cast<double>(in.members_saved);
    if (in.members_saved > 0) {  // kept for the checkpoints, which rewrite it on resume
      out.items.push_back({"saved-member history", saved * v * times * starts * kDouble,
                           fmt::format("{} saved members x {} times x {} starts x {} variables "
                                       "x 8 B",
                                       in.members_saved, in.times, in.starts, count_text(v))});
    }
    out.items.push_back(
        {"checkpoint image", m * v * kDouble + fields + saved * v * times * starts * kDouble,
         fmt::format("({} members + 5 fields x {} times x {} starts + {} saved members x {} "
                     "times x {} starts) x {} variables x 8 B",
                     count_text(m), in.times, in.starts, in.members_saved, in.times, in.starts,
                     count_text(v))});
  }
  if (in.extremes) {
    out.items.push_back({"extremes", threads * times * m * kDouble,
                         fmt::format("{} threads x {} times x {} members x 8 B, an upper bound",
                                     in.threads, in.times, count_text(m))});
  }
  out.root_total = out.total();
  return out;
}

std::size_t choose_block_size(const RunMemoryInputs& inputs, std::uint64_t budget) {
  const double allowed = static_cast<double>(budget / kScratchShare);
  const std::size_t configured = inputs.block_size;
  if (configured <= kPackWidth ||
      scratch_bytes(inputs, scratch_block(inputs, configured)) <= allowed) {
    return configured;
  }
  // Scratch is proportional to the block: the largest block that fits, in whole packs.
  const double per_member = scratch_bytes(inputs, 1);
  const double fitting = per_member > 0 ? std::floor(allowed / per_member) : 0;
  const auto block = static_cast<std::size_t>(std::min(fitting, static_cast<double>(configured)));
  return std::max(kPackWidth, block / kPackWidth * kPackWidth);
}

void check_memory_budget(const RunMemoryEstimate& estimate, std::uint64_t budget,
                         std::string_view budget_source) {
  const double allowed = static_cast<double>(budget);
  if (estimate.root_total <= allowed) return;
  std::vector<MemoryItem> largest = estimate.items;
  std::stable_sort(largest.begin(), largest.end(),
                   [](const MemoryItem& a, const MemoryItem& b) { return a.bytes > b.bytes; });
  largest.resize(std::min<std::size_t>(largest.size(), 2));
  std::string terms;
  for (const MemoryItem& item : largest) {
    terms += fmt::format("{}{} {} = {}", terms.empty() ? "" : ", ", item.what,
                         format_bytes(item.bytes), item.formula);
  }
  const std::size_t fit = most_members_that_fit(estimate.inputs, estimate.inputs.members, allowed);
  const std::string remedy = fit > 0 ? fmt::format("at most {} members fit, or raise --memory", fit)
                                     : std::string("not even 1 member fits: raise --memory");
  throw UsageError(fmt::format("the run needs {} on rank 0 ({}) but {} allows {}; {}",
                               format_bytes(estimate.root_total), terms, budget_source,
                               format_bytes(allowed), remedy));
}

std::string format_bytes(double bytes) {
  if (!(bytes >= 0)) bytes = 0;
  std::size_t unit = 0;
  double value = bytes;
  while (unit + 1 < kUnitNames.size() && value >= 1024) value /= 1024, ++unit;
  if (unit == 0) return fmt::format("{:.0f} B", value);
  // Decide the decimals on the value as it will print; 1023.96 MiB prints as 1.0 GiB.
  if (std::round(value) >= 1024 && unit + 1 < kUnitNames.size()) value /= 1024, ++unit;
  if (std::round(value * 10) / 10 < 100) return fmt::format("{:.1f} {}", value, kUnitNames[unit]);
  return fmt::format("{:.0f} {}", value, kUnitNames[unit]);
}

}  // namespace butterfly
