// Encoding of a run's checkpoint payload, in one fixed order.
#include "butterfly/app/run_checkpoint.hpp"

#include "butterfly/core/byte_stream.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {
constexpr std::uint32_t kRunCheckpointVersion = 1;
}

std::vector<std::uint8_t> encode_run_checkpoint(const RunCheckpoint& c) {
  ByteWriter out;
  out.put(kRunCheckpointVersion);
  out.put_bytes(c.driver);
  out.put_vector(c.saved_members);
  out.put_bytes(c.extremes);
  return out.take();
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
