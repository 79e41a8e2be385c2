// Checkpoint files: a payload (member states, RNG counters, partial reducers) with the run's
// identity, written atomically and refused whole when truncated, corrupted or foreign.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

namespace butterfly {

// The file format, version 1 (all integers little-endian):
//   offset  size  field
//        0     8  magic "BFLYCKPT"
//        8     4  u32 format version = 1
//       12     4  u32 reserved = 0
//       16     8  u64 identity length I
//       24     8  u64 payload length P
//       32     4  u32 CRC-32 of bytes [0, 32) followed by bytes [36, 36 + I + P)
//       36     I  identity: the run's effective config (a TOML document)
//   36 + I     P  payload
// and nothing after it. The CRC-32 is zlib's crc32() (the ISO-HDLC / IEEE 802.3 CRC:
// reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF; zlib.h of zlib
// 1.2.13, "crc32()" and "crc32_z()", https://zlib.net/manual.html#Checksum).
inline constexpr char kCheckpointMagic[8] = {'B', 'F', 'L', 'Y', 'C', 'K', 'P', 'T'};
inline constexpr std::uint32_t kCheckpointFormatVersion = 1;
inline constexpr std::size_t kCheckpointHeaderBytes = 36;

// Writes `identity` and `payload` to `path` atomically (DESIGN invariant 6): to a temporary
// ".NAME.ckpt-PID-N" in the same directory, then fwrite, fflush, fsync, close, rename over
// `path`, fsync of the directory (a file system that cannot sync directories, EINVAL, is
// accepted). Any failure throws RuntimeError "checkpoint PATH: cannot write (REASON)",
// removes the temporary and leaves a previous checkpoint at `path` as it was.
void write_checkpoint(const std::filesystem::path& path, std::string_view identity,
                      std::span<const std::uint8_t> payload);
// The same with the payload given as pieces written one after the other (so a
// large payload need not be copied into one buffer first).
void write_checkpoint_pieces(const std::filesystem::path& path, std::string_view identity,
                             std::span<const std::span<const std::uint8_t>> payload);

// Reads the checkpoint at `path` and returns its payload once everything is validated, in
// this order: the file exists ("does not exist (nothing to resume)"), is a butterfly
// checkpoint (magic), of format version 1, of exactly the length its header gives
// ("truncated ..." or "N unexpected bytes after the payload"), with a matching CRC-32
// ("checksum mismatch ... corrupted"), written for this experiment (its identity equals
// `identity`; otherwise the message quotes the first line where the two differ). Each failure
// throws RuntimeError "checkpoint PATH: WHAT" and no data are returned. The payload is read
// with one fread straight into the returned buffer.
std::vector<std::uint8_t> read_checkpoint(const std::filesystem::path& path,
                                          std::string_view identity);

}  // namespace butterfly
