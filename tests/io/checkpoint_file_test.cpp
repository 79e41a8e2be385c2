// Tests of checkpoint files: round trips, the documented byte layout and CRC-32, each kind of
// damaged or foreign file refused with its message (never half-read), and atomic writes that
// leave neither a stray temporary nor a damaged previous checkpoint when they fail.
#include "butterfly/io/checkpoint_file.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"
#include "temp_dir.hpp"

namespace butterfly {
namespace {

using test_support::TempDir;

const std::string kIdentity = "[system]\nname = \"lorenz96\"\n\n[run]\nmembers = 1000\nseed = 7\n";

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return std::vector<std::uint8_t>(text.begin(), text.end());
}

std::vector<std::uint8_t> payload_of(std::size_t size) {
  std::vector<std::uint8_t> payload(size);
  std::uint32_t state = 12345;
  for (auto& b : payload) {
    state = state * 1664525u + 1013904223u;  // Numerical Recipes' LCG: any bytes will do
    b = static_cast<std::uint8_t>(state >> 24);
  }
  return payload;
}

std::vector<std::uint8_t> file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// The message of read_checkpoint's RuntimeError ("returned data" if it returned instead).
std::string read_error(const std::filesystem::path& path, std::string_view identity) {
  try {
    read_checkpoint(path, identity);
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "returned data";
}

std::string prefix(const std::filesystem::path& path) {
  return "checkpoint " + path.string() + ": ";
}

// CRC-32/ISO-HDLC bit by bit from its parameters (reflected polynomial 0xEDB88320, initial
// value and final XOR 0xFFFFFFFF; Greg Cook, "Catalogue of parametrised CRC algorithms",
// reveng.sourceforge.net/crc-catalogue, entry CRC-32/ISO-HDLC, check = 0xCBF43926): an
// implementation independent of zlib's tables.
std::uint32_t crc32_bitwise(const std::vector<std::uint8_t>& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const std::uint8_t b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

TEST(CheckpointFileTest, RoundTrips) {
  TempDir dir;
  const auto path = dir / "run.ckpt";
  write_checkpoint(path, "", std::span<const std::uint8_t>());
  EXPECT_TRUE(read_checkpoint(path, "").empty());
  const std::vector<std::uint8_t> small = payload_of(1000);
  write_checkpoint(path, kIdentity, small);
  EXPECT_EQ(read_checkpoint(path, kIdentity), small);
  const std::vector<std::uint8_t> large = payload_of(10 << 20);  // 10 MiB
  write_checkpoint(path, kIdentity, large);
  EXPECT_EQ(read_checkpoint(path, kIdentity), large);
  EXPECT_EQ(std::filesystem::file_size(path),
            kCheckpointHeaderBytes + kIdentity.size() + large.size());
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"run.ckpt"});  // no temporary left
  // Written in pieces: the same file as the pieces concatenated (checksum included).
  const std::vector<std::uint8_t> head = payload_of(7), tail = payload_of(3);
  const std::span<const std::uint8_t> pieces[] = {head, large, tail};
  write_checkpoint_pieces(path, kIdentity, pieces);
  std::vector<std::uint8_t> joined = head;
  joined.insert(joined.end(), large.begin(), large.end());
  joined.insert(joined.end(), tail.begin(), tail.end());
  EXPECT_EQ(read_checkpoint(path, kIdentity), joined);
}

// The layout documented in checkpoint_file.hpp, byte by byte, and its CRC-32 recomputed
// independently; the check value of the CRC catalogue first validates that implementation.
TEST(CheckpointFileTest, LayoutAndChecksumAsDocumented) {
  ASSERT_EQ(crc32_bitwise(bytes_of("123456789")), 0xCBF43926u);
  TempDir dir;
  const auto path = dir / "layout.ckpt";
  write_checkpoint(path, "1234", bytes_of("56789"));
  const std::vector<std::uint8_t> file = file_bytes(path);
  const std::vector<std::uint8_t> expected_head = {
      'B', 'F', 'L', 'Y', 'C', 'K', 'P', 'T',  // magic
      1,   0,   0,   0,                        // version
      0,   0,   0,   0,                        // reserved
      4,   0,   0,   0,   0,   0,   0,   0,    // identity length
      5,   0,   0,   0,   0,   0,   0,   0};   // payload length
  ASSERT_EQ(file.size(), 36u + 9u);
  EXPECT_EQ(std::vector<std::uint8_t>(file.begin(), file.begin() + 32), expected_head);
  EXPECT_EQ(std::vector<std::uint8_t>(file.begin() + 36, file.end()), bytes_of("123456789"));
  std::vector<std::uint8_t> covered(file.begin(), file.begin() + 32);
  covered.insert(covered.end(), file.begin() + 36, file.end());
  std::uint32_t stored;
  std::memcpy(&stored, file.data() + 32, 4);
  EXPECT_EQ(stored, crc32_bitwise(covered));
}

TEST(CheckpointFileTest, MissingAndForeignFilesAreRefused) {
  TempDir dir;
  const auto missing = dir / "none.ckpt";
  EXPECT_EQ(read_error(missing, kIdentity), prefix(missing) + "does not exist (nothing to resume)");
  const auto text = dir.write("config.toml", kIdentity);
  EXPECT_EQ(read_error(text, kIdentity),
            prefix(text) + "not a butterfly checkpoint (it does not start with \"BFLYCKPT\")");
  const auto empty = dir.write("empty.ckpt", "");
  EXPECT_EQ(read_error(empty, kIdentity),
            prefix(empty) + "not a butterfly checkpoint (it does not start with \"BFLYCKPT\")");
  EXPECT_EQ(read_error(dir.path(), kIdentity),
            prefix(dir.path()) + "cannot read (not a regular file)");
}

TEST(CheckpointFileTest, OtherFormatVersionIsRefused) {
  TempDir dir;
  const auto path = dir / "v2.ckpt";
  write_checkpoint(path, kIdentity, payload_of(100));
  std::vector<std::uint8_t> file = file_bytes(path);
  file[8] = 2;
  write_bytes(path, file);
  EXPECT_EQ(read_error(path, kIdentity),
            prefix(path) + "format version 2, but this butterfly reads version 1");
}

// Cut at every length: each prefix is refused, the empty file as not a checkpoint, every
// other (a prefix of the magic included) as truncated.
TEST(CheckpointFileTest, TruncatedFilesAreRefused) {
  TempDir dir;
  const auto path = dir / "cut.ckpt";
  write_checkpoint(path, "a = 1\n", payload_of(50));
  const std::vector<std::uint8_t> whole = file_bytes(path);
  for (std::size_t n = 0; n < whole.size(); ++n) {
    write_bytes(path, std::vector<std::uint8_t>(whole.begin(), whole.begin() + n));
    const std::string error = read_error(path, "a = 1\n");
    EXPECT_EQ(error.rfind(prefix(path), 0), 0u) << error;
    EXPECT_NE(error.find(n == 0 ? "not a butterfly checkpoint" : "truncated"), std::string::npos)
        << n << ": " << error;
  }
  write_bytes(path, std::vector<std::uint8_t>(whole.begin(), whole.end() - 1));
  EXPECT_EQ(read_error(path, "a = 1\n"),
            prefix(path) +
                "truncated (91 bytes, but its header gives 36 + 6 identity + 50 payload "
                "bytes)");
  write_bytes(path, std::vector<std::uint8_t>(whole.begin(), whole.begin() + 20));
  EXPECT_EQ(read_error(path, "a = 1\n"),
            prefix(path) + "truncated (20 bytes, shorter than the 36-byte header)");
}

TEST(CheckpointFileTest, TrailingBytesAreRefused) {
  TempDir dir;
  const auto path = dir / "long.ckpt";
  write_checkpoint(path, kIdentity, payload_of(64));
  std::vector<std::uint8_t> file = file_bytes(path);
  file.insert(file.end(), {0, 1, 2});
  write_bytes(path, file);
  EXPECT_EQ(read_error(path, kIdentity), prefix(path) + "3 unexpected bytes after the payload");
}

// One flipped byte anywhere is refused. In the CRC-covered areas (reserved field, checksum,
// identity, payload) the message says corrupted -- for the identity too, since the checksum is
// checked before the identity is compared.
TEST(CheckpointFileTest, FlippedBytesAreRefused) {
  TempDir dir;
  const auto path = dir / "flip.ckpt";
  write_checkpoint(path, kIdentity, payload_of(40));
  const std::vector<std::uint8_t> whole = file_bytes(path);
  const std::size_t identity_start = 36, payload_start = 36 + kIdentity.size();
  for (std::size_t i = 0; i < whole.size(); ++i) {
    std::vector<std::uint8_t> file = whole;
    file[i] ^= 0x10;
    write_bytes(path, file);
    const std::string error = read_error(path, kIdentity);
    EXPECT_EQ(error.rfind(prefix(path), 0), 0u) << "byte " << i << ": " << error;
    const bool covered_by_crc = (i >= 12 && i < 16) || i >= 32;
    if (covered_by_crc) {
      EXPECT_NE(error.find("checksum mismatch: the file is corrupted"), std::string::npos)
          << "byte " << i << ": " << error;
    }
  }
  for (const std::size_t i :
       {std::size_t{13}, std::size_t{33}, identity_start + 3, payload_start, whole.size() - 1}) {
    std::vector<std::uint8_t> file = whole;
    file[i] ^= 0x01;
    write_bytes(path, file);
    EXPECT_NE(read_error(path, kIdentity).find("corrupted"), std::string::npos) << i;
  }
  // A flipped length field is caught by the size check.
  std::vector<std::uint8_t> file = whole;
  file[16] ^= 0x01;
  write_bytes(path, file);
  EXPECT_NE(read_error(path, kIdentity).find("truncated"), std::string::npos);
}

TEST(CheckpointFileTest, OtherExperimentIsRefusedWithTheFirstDifferingLine) {
  TempDir dir;
  const auto path = dir / "other.ckpt";
  write_checkpoint(path, "a = 1\nb = 2\nc = 3\n", payload_of(8));
  EXPECT_EQ(read_error(path, "a = 1\nb = 5\nc = 3\n"),
            prefix(path) +
                "written by another experiment (identity line 2 differs: the "
                "checkpoint has \"b = 2\", this run has \"b = 5\")");
  EXPECT_EQ(read_error(path, "a = 1\nb = 2\nc = 3\nd = 4\n"),
            prefix(path) +
                "written by another experiment (identity line 4 differs: the "
                "checkpoint has \"\", this run has \"d = 4\")");
  EXPECT_EQ(read_error(path, "a = 1\nb = 2\nc = 3"),
            prefix(path) +
                "written by another experiment (identity line 4 differs: the "
                "checkpoint has \"\", this run has no such line)");

  // Long lines are quoted shortened (at most 60 characters between the quotes), around the
  // first difference.
  const std::string head(70, 'x');
  write_checkpoint(path, "k = \"" + head + "A" + std::string(30, 'y') + "\"\n", payload_of(8));
  const std::string error = read_error(path, "k = \"" + head + "B" + std::string(30, 'y') + "\"\n");
  const std::size_t first = error.find("has \"") + 5, end = error.find('"', first);
  const std::string quoted = error.substr(first, end - first);
  EXPECT_LE(quoted.size(), 60u) << error;
  EXPECT_EQ(quoted.substr(0, 3), "...") << error;
  EXPECT_NE(quoted.find("xA"), std::string::npos) << error;
  EXPECT_NE(error.find("xB"), std::string::npos) << error;
  EXPECT_NE(error.find("identity line 1 differs"), std::string::npos) << error;
}

TEST(CheckpointFileTest, WriteIntoMissingDirectoryThrowsAndLeavesNothing) {
  TempDir dir;
  const auto path = dir / "no" / "such" / "run.ckpt";
  try {
    write_checkpoint(path, kIdentity, payload_of(10));
    ADD_FAILURE() << "wrote into a missing directory";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()), prefix(path) + "cannot write (No such file or directory)");
  }
  EXPECT_TRUE(dir.entries().empty());
  // A "directory" that is a regular file.
  const auto file = dir.write("plain", "x");
  EXPECT_THROW(write_checkpoint(file / "run.ckpt", kIdentity, payload_of(10)), RuntimeError);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"plain"});
}

TEST(CheckpointFileTest, SecondWriteReplacesTheFirst) {
  TempDir dir;
  const auto path = dir / "run.ckpt";
  write_checkpoint(path, kIdentity, payload_of(300));
  write_checkpoint(path, kIdentity, payload_of(20));
  EXPECT_EQ(read_checkpoint(path, kIdentity), payload_of(20));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"run.ckpt"});
}

// A write that fails after the temporary was written in full (the rename onto a non-empty
// directory fails) removes the temporary and leaves the other checkpoint readable.
TEST(CheckpointFileTest, FailedRenameLeavesNoTemporary) {
  TempDir dir;
  const auto good = dir / "good.ckpt";
  write_checkpoint(good, kIdentity, payload_of(100));
  std::filesystem::create_directories(dir / "taken" / "inside");
  EXPECT_THROW(write_checkpoint(dir / "taken", kIdentity, payload_of(100)), RuntimeError);
  std::vector<std::string> entries = dir.entries();
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{"good.ckpt", "taken"}));
  EXPECT_EQ(read_checkpoint(good, kIdentity), payload_of(100));
}

// A short write (the file size limit RLIMIT_FSIZE makes write() fail with EFBIG, as a full
// disk fails with ENOSPC) over an existing checkpoint: the old one stays whole and readable.
TEST(CheckpointFileTest, FailedWriteKeepsThePreviousCheckpoint) {
  TempDir dir;
  const auto path = dir / "run.ckpt";
  write_checkpoint(path, kIdentity, payload_of(100));
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // else the write kills the process
  rlimit limited = saved;
  limited.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  std::string error = "no error";
  try {
    write_checkpoint(path, kIdentity, payload_of(1 << 20));
  } catch (const RuntimeError& e) {
    error = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(error, prefix(path) + "cannot write (File too large)");
  EXPECT_EQ(read_checkpoint(path, kIdentity), payload_of(100));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"run.ckpt"});
}

}  // namespace
}  // namespace butterfly
