// Atomic output: write to a temporary beside the final path, rename on commit
// (see atomic_output.hpp).
#include "butterfly/io/atomic_output.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
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
  temp_path_ = directory / fmt::format(".{}.tmp-{}-{}", final_path_.filename().string(),
                                       static_cast<long>(::getpid()), temp_counter++);
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
  // Make the rename itself durable; some file systems refuse to sync a
  // directory, which costs only durability, not correctness.
  sync_path(temp_path_.parent_path().empty() ? "." : temp_path_.parent_path(),
            O_RDONLY | O_DIRECTORY);
}

}  // namespace butterfly
