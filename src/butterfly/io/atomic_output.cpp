// Atomic output: write to a temporary beside the final path, rename on commit
// (see atomic_output.hpp).
#include "butterfly/io/atomic_output.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

#include "butterfly/core/error.hpp"

namespace butterfly {

namespace {

// Distinguishes several outputs of one process that target the same path.
std::atomic<unsigned> temp_counter{0};

[[noreturn]] void fail(const std::filesystem::path& final_path, const std::string& why) {
  throw RuntimeError(fmt::format("{}: {}", final_path.string(), why));
}

// fsync()s a file or directory; returns 0 or the errno.
int sync_path(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return errno;
  const int status = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return status;
}

}  // namespace

namespace {

// The temporaries a signal handler must remove. A signal handler may only use
// async-signal-safe calls, so the paths live in fixed buffers claimed with
// atomics (a process-wide table: signals are process-wide too).
constexpr std::size_t kMaxLiveTemporaries = 16;
constexpr std::size_t kMaxPathBytes = 4096;
struct LiveTemporary {
  std::atomic<bool> used{false};
  std::atomic<bool> ready{false};
  char path[kMaxPathBytes];
};
LiveTemporary live_temporaries[kMaxLiveTemporaries];

void register_temporary(const std::filesystem::path& path) {
  const std::string text = path.string();
  if (text.size() + 1 > kMaxPathBytes) return;
  for (LiveTemporary& slot : live_temporaries) {
    bool expected = false;
    if (slot.used.compare_exchange_strong(expected, true)) {
      std::memcpy(slot.path, text.c_str(), text.size() + 1);
      slot.ready.store(true);
      return;
    }
  }
}

void unregister_temporary(const std::filesystem::path& path) {
  const std::string text = path.string();
  for (LiveTemporary& slot : live_temporaries) {
    if (slot.ready.load() && text == slot.path) {
      slot.ready.store(false);
      slot.used.store(false);
      return;
    }
  }
}

// Whether the handlers below say what they do (one process of an MPI job speaks for all).
std::atomic<bool> signal_messages{true};

extern "C" void remove_temporaries_and_die(int signal) {
  for (LiveTemporary& slot : live_temporaries) {
    if (slot.ready.load()) ::unlink(slot.path);
  }
  constexpr char message[] = "butterfly: interrupted by a signal; no output written\n";
  if (signal_messages.load()) {
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, message, sizeof(message) - 1);
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

// Set by the first SIGINT/SIGTERM in graceful mode (lock-free, so the handler may touch it).
std::atomic<int> stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

extern "C" void request_stop(int signal) {
  int expected = 0;
  if (!stop_signal.compare_exchange_strong(expected, signal)) {
    remove_temporaries_and_die(signal);  // the second signal: stop now
    return;
  }
  constexpr char message[] =
      "butterfly: stopping after the current output time to write a checkpoint "
      "(signal again to stop at once)\n";
  if (!signal_messages.load()) return;
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, message, sizeof(message) - 1);
}

}  // namespace

void remove_stale_temporaries(const std::filesystem::path& final_path) {
  const std::filesystem::path directory =
      final_path.has_parent_path() ? final_path.parent_path() : std::filesystem::path(".");
  const std::string name = final_path.filename().string();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string file = entry.path().filename().string();
    for (const char* kind : {".tmp-", ".ckpt-"}) {
      const std::string prefix = "." + name + kind;
      if (file.rfind(prefix, 0) != 0) continue;
      const long pid = std::strtol(file.c_str() + prefix.size(), nullptr, 10);
      // Only a temporary whose writer is gone (killed with SIGKILL, say).
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
        std::filesystem::remove(entry.path(), ec);
      }
    }
  }
}

void remove_temporaries_on_signals() {
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) std::signal(signal, remove_temporaries_and_die);
}

void quiet_signal_messages() { signal_messages.store(false); }

void stop_gracefully_on_signals() {
  for (int signal : {SIGINT, SIGTERM}) std::signal(signal, request_stop);
}

int stop_requested() { return stop_signal.load(); }

AtomicOutput::AtomicOutput(std::filesystem::path final_path) : final_path_(std::move(final_path)) {
  if (final_path_.filename().empty()) {
    fail(final_path_, "cannot write output (the path names a directory, expected a file name)");
  }
  const std::filesystem::path directory =
      final_path_.has_parent_path() ? final_path_.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  const auto status = std::filesystem::status(directory, ec);
  if (!std::filesystem::exists(status)) {
    fail(final_path_,
         fmt::format("cannot write output (directory '{}' does not exist)", directory.string()));
  }
  if (!std::filesystem::is_directory(status)) {
    fail(final_path_,
         fmt::format("cannot write output ('{}' is not a directory)", directory.string()));
  }
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    fail(final_path_, fmt::format("cannot write output (directory '{}' is not writable: {})",
                                  directory.string(), std::strerror(errno)));
  }
  if (std::filesystem::is_directory(final_path_, ec)) {
    fail(final_path_, "cannot write output (a directory of that name exists)");
  }
  remove_stale_temporaries(final_path_);
  temp_path_ = directory / fmt::format(".{}.tmp-{}-{}", final_path_.filename().string(),
                                       static_cast<long>(::getpid()), temp_counter++);
  register_temporary(temp_path_);
}

AtomicOutput::AtomicOutput(AtomicOutput&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      temp_path_(std::move(other.temp_path_)),
      committed_(other.committed_) {
  // The moved-from object must not remove the temporary it no longer owns.
  other.temp_path_.clear();
  other.committed_ = true;
}

AtomicOutput::~AtomicOutput() {
  if (committed_ || temp_path_.empty()) return;
  unregister_temporary(temp_path_);
  std::error_code ec;
  std::filesystem::remove(temp_path_, ec);
}

void AtomicOutput::commit() {
  if (committed_) fail(final_path_, "cannot commit output twice");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(temp_path_, ec)) {
    fail(final_path_,
         fmt::format("cannot commit output (temporary '{}' was not written)", temp_path_.string()));
  }
  // Flush the data before the rename, so a crash cannot leave a complete
  // name over incomplete contents.
  if (const int error = sync_path(temp_path_, O_RDONLY); error != 0) {
    fail(final_path_, fmt::format("cannot flush temporary '{}' ({})", temp_path_.string(),
                                  std::strerror(error)));
  }
  std::filesystem::rename(temp_path_, final_path_, ec);
  if (ec) {
    fail(final_path_, fmt::format("cannot rename temporary '{}' into place ({})",
                                  temp_path_.string(), ec.message()));
  }
  committed_ = true;
  unregister_temporary(temp_path_);
  // Make the rename itself durable; some file systems refuse to sync a
  // directory, which costs only durability, not correctness.
  sync_path(temp_path_.parent_path().empty() ? "." : temp_path_.parent_path(),
            O_RDONLY | O_DIRECTORY);
}

}  // namespace butterfly
