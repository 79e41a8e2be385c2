// The memory budget of `butterfly run` (--memory): parsing sizes such as "4G",
// the default budget from the machine's memory, a model of what a run holds in
// memory, the block size that fits, and a one-line refusal when a run cannot fit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace butterfly {

// A size in bytes from text: a non-negative decimal number ("4", "1.5", ".5")
// and an optional case-insensitive unit K, M, G or T, optionally followed by
// "iB" or "B" ("4G" = "4GiB" = "4gb" = 4 x 2^30 bytes). Units are binary
// (IEC 80000-13 KiB/MiB/GiB/TiB; 1K = 1024), as `numfmt --from=iec` and
// `sort -S` read them; a bare number (or one ending in "B") is bytes.
// Fractions round to the nearest byte. Throws UsageError naming `option` for
// anything else: empty, signs, exponents, nan/inf, an unknown unit, zero, or
// more than 2^64 - 1 bytes.
std::uint64_t parse_memory_size(std::string_view text, std::string_view option);

// The budget when --memory is not given: 80% of MemAvailable in /proc/meminfo
// (the memory the kernel can hand out without swapping), or 80% of the
// physical memory (sysconf) where /proc/meminfo is missing. The 20% kept back
// covers what the model below leaves out: allocator fragmentation and
// rounding, thread stacks, the NetCDF/HDF5 chunk caches and library buffers,
// and the page cache the output file is written through, so a run sized to
// the budget does not push the machine into swap.
std::uint64_t default_memory_budget();

// What a run of `butterfly run` looks like, for the memory model.
struct RunMemoryInputs {
  std::size_t members = 0;        // ensemble members per start
  std::size_t variables = 0;      // state variables of the system
  std::size_t threads = 1;        // worker threads per process
  std::size_t ranks = 1;          // MPI processes
  std::size_t block_size = 256;   // members per block handed to a thread
  std::size_t times = 0;          // output times
  std::size_t starts = 0;         // start dates (twin experiments)
  std::size_t members_saved = 0;  // members written to the output file
  bool checkpoint = false;
  bool extremes = false;
  std::size_t stepper_copies = 8;  // state-sized arrays a stepper keeps per block
};

// One term of the model: its name, its size and how the size was computed.
struct MemoryItem {
  std::string what;
  double bytes = 0;
  std::string formula;  // e.g. "1000 members x 40 variables x 8 B"
};

// The model's terms for rank 0, which holds every term; the first two
// ("member states", "integrator scratch") are held by every process, the others
// by rank 0 only. `inputs` is what the estimate was computed from (so that
// check_memory_budget can look for the largest member count that fits).
struct RunMemoryEstimate {
  std::vector<MemoryItem> items;
  double total() const;         // sum of items = root_total
  double root_total = 0;        // bytes on rank 0
  double other_rank_total = 0;  // bytes on each other rank (member states + scratch)
  RunMemoryInputs inputs;
};

// The memory a run holds, per process (8 B per double, Pack = 4 members):
//
// The members of one start are in memory at once, because the exact CRPS and
// the rank histogram need every member's value at a point; with several MPI
// ranks each rank integrates its share and rank 0 gathers every member at each
// output time to score them, so the other ranks hold only their share.
//
// Every process, with local = ceil(members / ranks) and
// block = min(round4(block_size), round4(local)) (round4: up to a multiple of 4;
// a block never holds more members than the rank has):
//   member states       round4(local) x variables x 8 B
//   integrator scratch  threads x block x variables x 8 B x stepper_copies
// Rank 0 also:
//   gathered ensemble   (members - round4(local)) x variables x 8 B   (only when
//                        ranks > 1: the other ranks' blocks, received in place)
//   scoring buffers     threads x members x 8 B            (one point's members per thread)
//   result fields       5 x times x starts x variables x 8 B (truth, mean, spread, min, max)
//   saved-member history members_saved x variables x times x starts x 8 B
//                                                          (checkpoint on, members saved)
//   checkpoint image    (members x variables + 5 x times x starts x variables
//                        + members_saved x variables x times x starts) x 8 B   (checkpoint on)
//   extremes            threads x times x members x 8 B    (extremes on; a safe upper
//                        bound: the per-worker partials never hold more than every
//                        member at every output time)
// Small items (configuration, tables, one output buffer) are covered by the 20%
// the default budget keeps back.
RunMemoryEstimate estimate_run_memory(const RunMemoryInputs& inputs);

// The block size that keeps the integrator scratch of all threads within 1/8 of
// `budget`: the configured block_size when it fits (or is at most 4), otherwise
// the largest multiple of 4 below it that fits, and 4 when none does. Blocks
// only change speed, never results (DESIGN invariant 3: bit-identical for any
// block size), so shrinking them is always safe; 1/8 leaves the rest of the
// budget to the member states and the results, which a smaller block cannot
// shrink.
std::size_t choose_block_size(const RunMemoryInputs& inputs, std::uint64_t budget);

// Throws UsageError (one line) when the estimate's root_total exceeds `budget`:
// "the run needs 9.3 GiB on rank 0 (member states 7.5 GiB = ..., <second
// largest item> = ...) but <budget_source> allows 4.0 GiB; at most N members
// fit, or raise --memory", with N the largest member count whose estimate fits
// (by bisection on estimate_run_memory; members_saved capped at N).
// `budget_source` names the budget, e.g. "--memory 4G" or "the default budget
// (80% of available memory, 19.2 GiB)".
void check_memory_budget(const RunMemoryEstimate& estimate, std::uint64_t budget,
                         std::string_view budget_source);

// A size for people, in binary units: "812 B", "7.5 GiB", "512 MiB" (one
// decimal below 100 units, none from 100).
std::string format_bytes(double bytes);

}  // namespace butterfly
