// Checkpoint files: header + identity + payload under one CRC-32, written through a synced
// temporary and a rename, validated whole before any data are returned.
#include "butterfly/io/checkpoint_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "butterfly/core/byte_stream.hpp"
#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

// Distinguishes several checkpoints of one process written to the same path.
std::atomic<unsigned> temp_counter{0};

// The longest quotation of an identity line in a message.
constexpr std::size_t kQuoteChars = 60;

struct Header {
  std::uint32_t version = 0, reserved = 0;
  std::uint64_t identity_bytes = 0, payload_bytes = 0;
  std::uint32_t crc = 0;
};

// The 36 header bytes (kCheckpointHeaderBytes), laid out as documented in the header file.
std::vector<std::uint8_t> encode_header(const Header& h) {
  ByteWriter out;
  for (const char c : kCheckpointMagic) out.put(c);
  out.put(h.version);
  out.put(h.reserved);
  out.put(h.identity_bytes);
  out.put(h.payload_bytes);
  out.put(h.crc);
  return out.take();
}

// CRC-32 of bytes [0, 32) of the header, then the identity and the payload (zlib crc32_z:
// "Update a running CRC-32 with the bytes buf[0..len-1]", zlib.h of zlib 1.2.13; crc32_z
// takes a size_t length, so payloads beyond 4 GiB need no splitting).
std::uint32_t checkpoint_crc(std::span<const std::uint8_t> header, std::string_view identity,
                             std::span<const std::span<const std::uint8_t>> payload) {
  uLong crc = crc32_z(0L, Z_NULL, 0);
  crc = crc32_z(crc, header.data(), kCheckpointHeaderBytes - sizeof(std::uint32_t));
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(identity.data()), identity.size());
  for (std::span<const std::uint8_t> piece : payload)
    crc = crc32_z(crc, piece.data(), piece.size());
  return static_cast<std::uint32_t>(crc);
}

std::uint32_t checkpoint_crc(std::span<const std::uint8_t> header, std::string_view identity,
                             std::span<const std::uint8_t> payload) {
  return checkpoint_crc(header, identity,
                        std::span<const std::span<const std::uint8_t>>(&payload, 1));
}

[[noreturn]] void refuse(const std::filesystem::path& path, const std::string& what) {
  throw RuntimeError(fmt::format("checkpoint {}: {}", path.string(), what));
}

// fsync()s the directory holding `path`; returns 0 or the errno.
int sync_directory(const std::filesystem::path& path) {
  const std::filesystem::path directory =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int status = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return status == EINVAL ? 0 : status;  // EINVAL: this file system cannot sync directories
}

// The lines of `text`, split at '\n' (the text after the last '\n' is a line, even when
// empty), so two texts are equal exactly when their line lists are.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      return lines;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

// At most kQuoteChars characters of `line` around byte `column`, quoted, with "..." where
// text is left out and control characters shown as '?'.
std::string quote_line(std::string_view line, std::size_t column) {
  std::size_t first = 0, last = line.size();
  if (line.size() > kQuoteChars) {
    // A window of kQuoteChars - 6 bytes (room for both ellipses) starting a little before the
    // first difference.
    const std::size_t width = kQuoteChars - 6;
    first = column > width / 3 ? column - width / 3 : 0;
    first = std::min(first, line.size() - width);
    last = first + width;
    // Do not cut a UTF-8 sequence: move the ends off continuation bytes.
    auto continuation = [&](std::size_t i) {
      return i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80;
    };
    while (first > 0 && continuation(first)) --first;
    while (last > first && continuation(last)) --last;
  }
  std::string quoted = "\"";
  if (first > 0) quoted += "...";
  for (std::size_t i = first; i < last; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    quoted += c < 0x20 || c == 0x7F ? '?' : static_cast<char>(c);
  }
  if (last < line.size()) quoted += "...";
  return quoted + "\"";
}

// "line N differs: the checkpoint has "..." , this run has "..."" for the first line where
// the two identities differ (they are known to differ).
std::string describe_identity_difference(std::string_view stored, std::string_view expected) {
  const std::vector<std::string_view> a = split_lines(stored), b = split_lines(expected);
  std::size_t line = 0;
  while (line < a.size() && line < b.size() && a[line] == b[line]) ++line;
  auto side = [&](const std::vector<std::string_view>& lines, std::string_view other) {
    if (line >= lines.size()) return std::string("no such line");
    const std::string_view text = lines[line];
    std::size_t column = 0;
    while (column < text.size() && column < other.size() && text[column] == other[column]) {
      ++column;
    }
    return quote_line(text, column);
  };
  const std::string_view line_a = line < a.size() ? a[line] : std::string_view();
  const std::string_view line_b = line < b.size() ? b[line] : std::string_view();
  return fmt::format("identity line {} differs: the checkpoint has {}, this run has {}", line + 1,
                     side(a, line_b), side(b, line_a));
}

// Reads exactly `size` bytes; false on a short read.
bool read_exactly(std::FILE* file, void* data, std::size_t size) {
  return size == 0 || std::fread(data, 1, size, file) == size;
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

void write_checkpoint(const std::filesystem::path& path, std::string_view identity,
                      std::span<const std::uint8_t> payload) {
  write_checkpoint_pieces(path, identity,
                          std::span<const std::span<const std::uint8_t>>(&payload, 1));
}

void write_checkpoint_pieces(const std::filesystem::path& path, std::string_view identity,
                             std::span<const std::span<const std::uint8_t>> payload) {
  Header h;
  h.version = kCheckpointFormatVersion;
  h.identity_bytes = identity.size();
  h.payload_bytes = 0;
  for (std::span<const std::uint8_t> piece : payload) h.payload_bytes += piece.size();
  std::vector<std::uint8_t> header = encode_header(h);
  h.crc = checkpoint_crc(header, identity, payload);
  header = encode_header(h);

  const std::filesystem::path directory = path.parent_path();
  const std::filesystem::path temp =
      directory / fmt::format(".{}.ckpt-{}-{}", path.filename().string(),
                              static_cast<long>(::getpid()), temp_counter++);
  auto fail = [&](int error, bool created) {
    if (created) ::unlink(temp.c_str());
    refuse(path, fmt::format("cannot write ({})", std::strerror(error)));
  };
  if (path.filename().empty()) fail(EISDIR, false);
  // "x": exclusive creation, so a stale temporary of the same name is never written through.
  std::FILE* file = std::fopen(temp.c_str(), "wbx");
  if (file == nullptr) fail(errno, false);
  auto put = [&](const void* data, std::size_t size) {
    if (size == 0) return 0;
    errno = 0;
    if (std::fwrite(data, 1, size, file) == size) return 0;
    return errno != 0 ? errno : EIO;
  };
  int error = put(header.data(), header.size());
  if (error == 0) error = put(identity.data(), identity.size());
  for (std::span<const std::uint8_t> piece : payload) {
    if (error == 0) error = put(piece.data(), piece.size());
  }
  if (error == 0 && std::fflush(file) != 0) error = errno;
  if (error == 0 && ::fsync(::fileno(file)) != 0) error = errno;
  // fclose also reports write-back errors not seen yet.
  if (std::fclose(file) != 0 && error == 0) error = errno;
  if (error != 0) fail(error, true);
  if (std::rename(temp.c_str(), path.c_str()) != 0) fail(errno, true);
  if (const int sync_error = sync_directory(path); sync_error != 0) fail(sync_error, false);
}

std::vector<std::uint8_t> read_checkpoint(const std::filesystem::path& path,
                                          std::string_view identity) {
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    if (errno == ENOENT) refuse(path, "does not exist (nothing to resume)");
    refuse(path, fmt::format("cannot read ({})", std::strerror(errno)));
  }
  struct stat status {};
  if (::fstat(::fileno(file.get()), &status) != 0) {
    refuse(path, fmt::format("cannot read ({})", std::strerror(errno)));
  }
  if (!S_ISREG(status.st_mode)) refuse(path, "cannot read (not a regular file)");
  const auto size = static_cast<std::uint64_t>(status.st_size);

  std::uint8_t bytes[kCheckpointHeaderBytes] = {};
  const std::size_t head = static_cast<std::size_t>(std::min<std::uint64_t>(size, sizeof(bytes)));
  if (!read_exactly(file.get(), bytes, head)) {
    refuse(path, fmt::format("cannot read ({})", std::strerror(errno)));
  }
  if (std::memcmp(bytes, kCheckpointMagic, std::min(head, sizeof(kCheckpointMagic))) != 0 ||
      size == 0) {
    refuse(path, "not a butterfly checkpoint (it does not start with \"BFLYCKPT\")");
  }
  if (size < kCheckpointHeaderBytes) {
    refuse(path, fmt::format("truncated ({} bytes, shorter than the {}-byte header)", size,
                             kCheckpointHeaderBytes));
  }
  ByteReader in(bytes);
  in.get<std::uint64_t>();  // the magic
  Header h;
  h.version = in.get<std::uint32_t>();
  h.reserved = in.get<std::uint32_t>();
  h.identity_bytes = in.get<std::uint64_t>();
  h.payload_bytes = in.get<std::uint64_t>();
  h.crc = in.get<std::uint32_t>();
  if (h.version != kCheckpointFormatVersion) {
    refuse(path, fmt::format("format version {}, but this butterfly reads version {}", h.version,
                             kCheckpointFormatVersion));
  }
  std::uint64_t expected_size = 0;
  if (__builtin_add_overflow(h.identity_bytes, h.payload_bytes, &expected_size) ||
      __builtin_add_overflow(expected_size, kCheckpointHeaderBytes, &expected_size) ||
      expected_size > size) {
    refuse(path, fmt::format("truncated ({} bytes, but its header gives {} + {} identity + {} "
                             "payload bytes)",
                             size, kCheckpointHeaderBytes, h.identity_bytes, h.payload_bytes));
  }
  if (expected_size < size) {
    refuse(path, fmt::format("{} unexpected bytes after the payload", size - expected_size));
  }

  std::string stored_identity(static_cast<std::size_t>(h.identity_bytes), '\0');
  std::vector<std::uint8_t> payload(static_cast<std::size_t>(h.payload_bytes));
  if (!read_exactly(file.get(), stored_identity.data(), stored_identity.size()) ||
      !read_exactly(file.get(), payload.data(), payload.size())) {
    // The file shrank since fstat: what was read is incomplete.
    refuse(path, std::ferror(file.get()) != 0
                     ? fmt::format("cannot read ({})", std::strerror(errno))
                     : std::string("truncated (the file shrank while it was read)"));
  }
  const std::uint32_t crc = checkpoint_crc(bytes, stored_identity, payload);
  if (crc != h.crc) {
    refuse(path, fmt::format("checksum mismatch: the file is corrupted (CRC-32 {:08x}, its header "
                             "says {:08x})",
                             crc, h.crc));
  }
  if (h.reserved != 0) {
    refuse(path, fmt::format("unsupported header (reserved field is {}, expected 0)", h.reserved));
  }
  if (stored_identity != identity) {
    refuse(path, "written by another experiment (" +
                     describe_identity_difference(stored_identity, identity) + ")");
  }
  return payload;
}

}  // namespace butterfly
