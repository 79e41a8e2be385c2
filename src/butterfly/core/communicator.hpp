// How the processes of one run talk to each other. The twin driver sees only
// this interface, so the rooms below dist/ never depend on MPI; dist/
// implements it with MPI and the serial default here is one process.
// Every call is collective: every process of the run makes it, in the same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace butterfly {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_root() const { return rank() == 0; }
  // Gathers every process's `local` values on rank 0 in rank order: there `all`
  // is resized to the total and holds rank 0's values, then rank 1's, and so
  // on; on the other ranks `all` is left untouched. `local` may differ in
  // length between ranks (including zero).
  virtual void gather(std::span<const double> local, std::vector<double>& all) = 0;
  // Point to point: `data` to rank `destination`, which receives it with
  // receive() into a span of the same length (messages between two ranks
  // arrive in the order they were sent). Not collective.
  virtual void send(std::span<const double> data, int destination) = 0;
  virtual void receive(std::span<double> data, int source) = 0;
  // Rank 0's value to every process; returns it.
  virtual std::int64_t broadcast(std::int64_t value) = 0;
};

// One process: gather copies, broadcast returns its argument.
class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void gather(std::span<const double> local, std::vector<double>& all) override {
    all.assign(local.begin(), local.end());
  }
  // One process has nobody to talk to.
  void send(std::span<const double>, int) override { unreachable("send"); }
  void receive(std::span<double>, int) override { unreachable("receive"); }
  std::int64_t broadcast(std::int64_t value) override { return value; }

 private:
  [[noreturn]] static void unreachable(const char* what) {
    throw std::logic_error(std::string("SerialCommunicator::") + what + ": there is no other rank");
  }
};

// The members [first, last) that process `rank` of `size` integrates:
// contiguous ranges in rank order whose lengths differ by at most one (the
// first members % size ranks get one more).
struct MemberRange {
  std::size_t first = 0, last = 0;
  std::size_t count() const { return last - first; }
};
inline MemberRange member_range(std::size_t members, int rank, int size) {
  const auto r = static_cast<std::size_t>(rank), p = static_cast<std::size_t>(size);
  const std::size_t base = members / p, extra = members % p;
  const std::size_t first = r * base + (r < extra ? r : extra);
  return {first, first + base + (r < extra ? 1 : 0)};
}

}  // namespace butterfly
