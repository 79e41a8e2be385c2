// Error types shared by every room: a usage error (bad config, key or value;
// exit status 2) and a run-time error (I/O, numerical failure; exit status 1).
#pragma once

#include <stdexcept>
#include <string>

namespace butterfly {

// The user asked for something malformed or impossible: exit status 2.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message) : std::runtime_error(message) {}
};

// Something failed while running (a file, the disk, the numbers): exit status 1.
class RuntimeError : public std::runtime_error {
 public:
  explicit RuntimeError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace butterfly
