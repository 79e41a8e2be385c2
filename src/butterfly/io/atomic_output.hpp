// Atomic output (DESIGN invariant 6, nothing half-written): a file is written
// under a temporary name beside its final path and renamed into place only
// when complete.
#pragma once

#include <filesystem>

namespace butterfly {

// Reserves a temporary path for an output file. Write the whole file to
// temp_path(), then call commit() to rename it to the final path in one
// atomic step. If commit() never happens (an exception, an early return), the
// destructor removes the temporary, so a failed run leaves neither a partial
// file nor a stray temporary, and any previous file at the final path stays.
class AtomicOutput {
 public:
  // Checks that the final path's directory exists and is writable and picks a
  // temporary ".NAME.tmp-PID-N" in that directory; RuntimeError naming the
  // final path otherwise, e.g. "out/x.nc: cannot write output (directory
  // 'out' does not exist)". Nothing is created yet.
  explicit AtomicOutput(std::filesystem::path final_path);
  AtomicOutput(AtomicOutput&& other) noexcept;
  AtomicOutput& operator=(AtomicOutput&&) = delete;
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  // Removes the temporary unless committed; never throws.
  ~AtomicOutput();

  const std::filesystem::path& final_path() const { return final_path_; }
  const std::filesystem::path& temp_path() const { return temp_path_; }
  bool committed() const { return committed_; }

  // Flushes the finished temporary to disk and renames it over the final
  // path (atomic on POSIX). RuntimeError if the temporary is missing, the
  // flush or the rename fails, or commit() was already called.
  void commit();

 private:
  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  bool committed_ = false;
};

// Removes the temporaries ".NAME.tmp-PID-N" (outputs) and ".NAME.ckpt-PID-N"
// (checkpoints) that a process killed outright (SIGKILL, power loss) left
// beside `final_path`, if that process no longer exists. AtomicOutput's
// constructor calls it; never throws.
void remove_stale_temporaries(const std::filesystem::path& final_path);

// Installs SIGINT, SIGTERM and SIGHUP handlers that remove every temporary of
// a live AtomicOutput, say so in one line on stderr and then die of the same
// signal, so an interrupted run leaves nothing behind. Call once, from main.
void remove_temporaries_on_signals();

// For a run that checkpoints: the first SIGINT or SIGTERM only records itself
// (stop_requested() returns its number from then on) so the run can stop at
// the next output time after writing a checkpoint; a second one removes the
// temporaries and dies as above. SIGHUP keeps the handler above.
void stop_gracefully_on_signals();
// The handlers above act without a word on stderr (the other ranks of an MPI
// job, for which rank 0 speaks).
void quiet_signal_messages();
int stop_requested();

}  // namespace butterfly
