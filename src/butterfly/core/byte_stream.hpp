// ByteWriter and ByteReader: the raw binary encoding of checkpoints (values as their native
// little-endian bytes, vectors and strings with a u64 length prefix); every read bounds-checked.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {

// Checkpoints are read back on the kind of machine that wrote them; values are stored as
// their in-memory bytes, so a big-endian host would need a byte swap here.
static_assert(std::endian::native == std::endian::little,
              "byte_stream.hpp stores values as little-endian bytes");

// Appends values to a growing byte buffer:
//   put(x)          the sizeof(T) bytes of x (T trivially copyable)
//   put_vector(v)   u64 element count, then the elements' bytes
//   put_string(s)   u64 byte count, then the bytes
//   put_bytes(b)    u64 byte count, then the bytes
//   put_raw(v)      the elements' bytes only (a put_vector written in pieces:
//                   put<std::uint64_t>(total count) first, then put_raw per piece)
class ByteWriter {
 public:
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>, "ByteWriter::put needs a trivially copyable T");
    append(&value, sizeof(T));
  }

  template <class T>
  void put_vector(std::span<const T> values) {
    static_assert(std::is_trivially_copyable_v<T>,
                  "ByteWriter::put_vector needs a trivially copyable T");
    put<std::uint64_t>(values.size());
    append(values.data(), values.size_bytes());
  }
  // The same for a vector (a span<const T> parameter does not deduce T from it).
  template <class T>
  void put_vector(const std::vector<T>& values) {
    put_vector(std::span<const T>(values));
  }

  void put_string(std::string_view text) {
    put<std::uint64_t>(text.size());
    append(text.data(), text.size());
  }

  void put_bytes(std::span<const std::uint8_t> bytes) {
    put<std::uint64_t>(bytes.size());
    append(bytes.data(), bytes.size());
  }

  template <class T>
  void put_raw(std::span<const T> values) {
    static_assert(std::is_trivially_copyable_v<T>,
                  "ByteWriter::put_raw needs a trivially copyable T");
    append(values.data(), values.size_bytes());
  }

  // Room for `bytes` in all, so a large image is not copied while it grows.
  void reserve(std::size_t bytes) { bytes_.reserve(bytes); }

  const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  // Hands the buffer over, leaving the writer empty.
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  void append(const void* data, std::size_t size) {
    if (size == 0) return;
    const auto* p = static_cast<const std::uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
  }

  std::vector<std::uint8_t> bytes_;
};

// Reads back what a ByteWriter wrote, in the same order. Every read is bounds-checked: reading
// past the end, or a length prefix larger than what remains, throws RuntimeError
// "truncated data: needed N bytes at offset O, only R left" and reads nothing (no allocation
// sized by an unchecked length). A bool must be stored as byte 0 or 1 (RuntimeError otherwise).
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>, "ByteReader::get needs a trivially copyable T");
    if constexpr (std::is_same_v<T, bool>) {
      const auto byte = get<std::uint8_t>();
      if (byte > 1) {
        throw RuntimeError("invalid data: a bool stored as byte " + std::to_string(byte) +
                           " at offset " + std::to_string(offset_ - 1) + "; expected 0 or 1");
      }
      return byte == 1;
    } else {
      require(sizeof(T));
      T value;
      std::memcpy(&value, bytes_.data() + offset_, sizeof(T));
      offset_ += sizeof(T);
      return value;
    }
  }

  template <class T>
  std::vector<T> get_vector() {
    static_assert(std::is_trivially_copyable_v<T> && !std::is_same_v<T, bool>,
                  "ByteReader::get_vector needs a trivially copyable T other than bool");
    const auto count = get<std::uint64_t>();
    require_elements(count, sizeof(T));
    std::vector<T> values(static_cast<std::size_t>(count));
    if (count > 0) std::memcpy(values.data(), bytes_.data() + offset_, count * sizeof(T));
    offset_ += count * sizeof(T);
    return values;
  }

  std::string get_string() {
    const auto count = get<std::uint64_t>();
    require_elements(count, 1);
    std::string text(reinterpret_cast<const char*>(bytes_.data() + offset_),
                     static_cast<std::size_t>(count));
    offset_ += count;
    return text;
  }

  std::vector<std::uint8_t> get_bytes() { return get_vector<std::uint8_t>(); }

  bool at_end() const { return offset_ == bytes_.size(); }
  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return bytes_.size() - offset_; }

 private:
  void require(std::uint64_t needed) const {
    if (needed > remaining()) throw_truncated(needed);
  }
  // count elements of `size` bytes; a count whose byte size overflows is "needed" as 2^64 - 1.
  void require_elements(std::uint64_t count, std::size_t size) const {
    if (count > remaining() / size) {
      throw_truncated(count > UINT64_MAX / size ? UINT64_MAX : count * size);
    }
  }
  [[noreturn]] void throw_truncated(std::uint64_t needed) const {
    throw RuntimeError("truncated data: needed " + std::to_string(needed) + " bytes at offset " +
                       std::to_string(offset_) + ", only " + std::to_string(remaining()) + " left");
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t offset_ = 0;
};

// A four-character tag that opens an object's saved data, e.g. byte_tag("ESUM"), so that data
// read back in the wrong place is refused instead of misread.
constexpr std::uint32_t byte_tag(const char (&name)[5]) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(name[0])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(name[1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(name[2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(name[3])) << 24;
}

// Throws RuntimeError "checkpoint: inconsistent <type> data: <what>": saved data that break
// the invariants of the object they are loaded into.
[[noreturn]] inline void throw_inconsistent(std::string_view type, std::string_view what) {
  throw RuntimeError("checkpoint: inconsistent " + std::string(type) +
                     " data: " + std::string(what));
}

// Reads a tag and checks it is `expected` (throw_inconsistent otherwise).
inline void expect_tag(ByteReader& in, std::uint32_t expected, std::string_view type) {
  const std::size_t at = in.offset();
  const auto tag = in.get<std::uint32_t>();
  if (tag != expected) {
    throw_inconsistent(type, "no " + std::string(type) + " tag at offset " + std::to_string(at) +
                                 " (data saved by another class, or read out of order)");
  }
}

}  // namespace butterfly
