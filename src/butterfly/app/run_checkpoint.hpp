// What a `butterfly run` checkpoint holds: the twin driver's state, the saved
// members already written, and the extremes reducers (io/checkpoint_file adds
// the format tag, the experiment's identity and the checksum).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace butterfly {

struct RunCheckpoint {
  std::vector<std::uint8_t> driver;    // analysis/twin_state
  std::vector<double> saved_members;   // [output done][saved member][variable], in run order
  std::vector<std::uint8_t> extremes;  // ExtremesCollector::save; empty without extremes
};

std::vector<std::uint8_t> encode_run_checkpoint(const RunCheckpoint& checkpoint);

// The same payload in pieces around the driver's bytes (head + driver + tail),
// so a large driver image is written without being copied.
struct RunCheckpointPieces {
  std::vector<std::uint8_t> head, tail;
};
RunCheckpointPieces encode_run_checkpoint_around(std::size_t driver_bytes,
                                                 std::span<const double> saved_members,
                                                 std::span<const std::uint8_t> extremes);
// RuntimeError when the bytes are not a whole RunCheckpoint.
RunCheckpoint decode_run_checkpoint(std::span<const std::uint8_t> bytes);

}  // namespace butterfly
