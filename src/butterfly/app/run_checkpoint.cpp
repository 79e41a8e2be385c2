// Encoding of a run's checkpoint payload, in one fixed order.
#include "butterfly/app/run_checkpoint.hpp"

#include "butterfly/core/byte_stream.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {
constexpr std::uint32_t kRunCheckpointVersion = 1;
}

RunCheckpointPieces encode_run_checkpoint_around(std::size_t driver_bytes,
                                                 std::span<const double> saved_members,
                                                 std::span<const std::uint8_t> extremes) {
  ByteWriter head, tail;
  head.put(kRunCheckpointVersion);
  head.put(static_cast<std::uint64_t>(driver_bytes));  // put_bytes' length prefix
  tail.put_vector(saved_members);
  tail.put_bytes(extremes);
  return {head.take(), tail.take()};
}

std::vector<std::uint8_t> encode_run_checkpoint(const RunCheckpoint& c) {
  RunCheckpointPieces pieces =
      encode_run_checkpoint_around(c.driver.size(), c.saved_members, c.extremes);
  std::vector<std::uint8_t> out = std::move(pieces.head);
  out.insert(out.end(), c.driver.begin(), c.driver.end());
  out.insert(out.end(), pieces.tail.begin(), pieces.tail.end());
  return out;
}

RunCheckpoint decode_run_checkpoint(std::span<const std::uint8_t> bytes) {
  ByteReader in(bytes);
  if (in.get<std::uint32_t>() != kRunCheckpointVersion) {
    throw RuntimeError("checkpoint: the run payload has another layout version");
  }
  RunCheckpoint c;
  c.driver = in.get_bytes();
  c.saved_members = in.get_vector<double>();
  c.extremes = in.get_bytes();
  if (!in.at_end()) throw RuntimeError("checkpoint: unexpected bytes after the run payload");
  return c;
}

}  // namespace butterfly
