// Tests of ByteWriter / ByteReader: the byte layout (little-endian values, u64 length
// prefixes), round trips of every kind of value, and bounds-checked reads of truncated data.
#include "butterfly/core/byte_stream.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

std::string message_of(ByteReader& in, void (*read)(ByteReader&)) {
  try {
    read(in);
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "no error";
}

// The layout by hand: little-endian integers (the byte order of x86-64 and of the
// static_assert in byte_stream.hpp), a u64 count before vectors and strings.
TEST(ByteStreamTest, LayoutIsLittleEndianWithLengthPrefixes) {
  ByteWriter out;
  out.put<std::uint32_t>(0x01020304u);
  out.put_string("ab");
  out.put_vector(std::vector<std::uint16_t>{0x0506, 0x0708});
  const std::vector<std::uint8_t> expected = {0x04, 0x03, 0x02, 0x01,              // u32
                                              2,    0,    0,    0,    0, 0, 0, 0,  // string length
                                              'a',  'b',                           // string bytes
                                              2,    0,    0,    0,    0, 0, 0, 0,  // vector count
                                              0x06, 0x05, 0x08, 0x07};             // two u16
  EXPECT_EQ(out.bytes(), expected);
  // 1.0 is 0x3FF0000000000000 (IEEE 754 binary64), stored low byte first.
  ByteWriter one;
  one.put(1.0);
  EXPECT_EQ(one.bytes(), (std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 0xF0, 0x3F}));
  EXPECT_EQ(byte_tag("ABCD"), 0x44434241u);
}

TEST(ByteStreamTest, RoundTripOfEveryKind) {
  struct Pair {
    std::int32_t a;
    float b;
  };
  const double nan_payload = std::bit_cast<double>(0x7FF8000000ABCDEFull);
  ByteWriter out;
  out.put<std::uint8_t>(200);
  out.put<std::int64_t>(-5);
  out.put(-0.0);
  out.put(nan_payload);
  out.put(true);
  out.put(false);
  out.put(Pair{-7, 2.5f});
  out.put_vector(std::vector<double>{});
  out.put_vector(std::vector<double>{1.5, -std::numeric_limits<double>::infinity()});
  out.put_string("");
  out.put_string(std::string("x\0y", 3));
  out.put_bytes(std::vector<std::uint8_t>{9, 8, 7});
  const std::vector<std::uint8_t> bytes = out.take();
  EXPECT_TRUE(out.bytes().empty());

  ByteReader in(bytes);
  EXPECT_EQ(in.get<std::uint8_t>(), 200);
  EXPECT_EQ(in.get<std::int64_t>(), -5);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(in.get<double>()), 0x8000000000000000ull);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(in.get<double>()), 0x7FF8000000ABCDEFull);
  EXPECT_TRUE(in.get<bool>());
  EXPECT_FALSE(in.get<bool>());
  const Pair p = in.get<Pair>();
  EXPECT_EQ(p.a, -7);
  EXPECT_EQ(p.b, 2.5f);
  EXPECT_TRUE(in.get_vector<double>().empty());
  EXPECT_EQ(in.get_vector<double>(),
            (std::vector<double>{1.5, -std::numeric_limits<double>::infinity()}));
  EXPECT_EQ(in.get_string(), "");
  EXPECT_EQ(in.get_string(), std::string("x\0y", 3));
  EXPECT_FALSE(in.at_end());
  EXPECT_EQ(in.get_bytes(), (std::vector<std::uint8_t>{9, 8, 7}));
  EXPECT_TRUE(in.at_end());
  EXPECT_EQ(in.offset(), bytes.size());
}

TEST(ByteStreamTest, ReadsPastTheEndAreRefused) {
  const std::vector<std::uint8_t> five = {1, 2, 3, 4, 5};
  ByteReader in(five);
  in.get<std::uint16_t>();
  EXPECT_EQ(message_of(in, [](ByteReader& r) { r.get<std::uint64_t>(); }),
            "truncated data: needed 8 bytes at offset 2, only 3 left");
  EXPECT_EQ(in.offset(), 2u);  // nothing was consumed

  // A length prefix larger than what remains: 1000 doubles announced, 3 bytes left.
  ByteWriter out;
  out.put<std::uint64_t>(1000);
  out.put<std::uint8_t>(1);
  out.put<std::uint8_t>(2);
  out.put<std::uint8_t>(3);
  const std::vector<std::uint8_t> announced = out.take();
  ByteReader vector_in(announced);
  EXPECT_EQ(message_of(vector_in, [](ByteReader& r) { r.get_vector<double>(); }),
            "truncated data: needed 8000 bytes at offset 8, only 3 left");
  ByteReader string_in(announced);
  EXPECT_EQ(message_of(string_in, [](ByteReader& r) { r.get_string(); }),
            "truncated data: needed 1000 bytes at offset 8, only 3 left");

  // A count whose byte size overflows 64 bits is refused before any allocation.
  ByteWriter huge;
  huge.put<std::uint64_t>(std::uint64_t{1} << 62);
  const std::vector<std::uint8_t> huge_bytes = huge.take();
  ByteReader huge_in(huge_bytes);
  EXPECT_EQ(message_of(huge_in, [](ByteReader& r) { r.get_vector<double>(); }),
            "truncated data: needed 18446744073709551615 bytes at offset 8, only 0 left");

  // A bool must be 0 or 1.
  const std::vector<std::uint8_t> two = {2};
  ByteReader bool_in(two);
  EXPECT_THROW(bool_in.get<bool>(), RuntimeError);
}

// Every prefix of a record of mixed fields is refused at some read, never read past.
TEST(ByteStreamTest, EveryPrefixOfARecordIsRefused) {
  ByteWriter out;
  out.put<std::uint32_t>(7);
  out.put_string("name");
  out.put_vector(std::vector<double>{1, 2, 3});
  out.put(2.5);
  const std::vector<std::uint8_t> bytes = out.take();
  auto read_record = [](ByteReader& in) {
    in.get<std::uint32_t>();
    in.get_string();
    in.get_vector<double>();
    in.get<double>();
  };
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    ByteReader in(std::span<const std::uint8_t>(bytes.data(), n));
    EXPECT_THROW(read_record(in), RuntimeError) << "prefix of " << n << " bytes";
  }
  ByteReader whole(bytes);
  EXPECT_NO_THROW(read_record(whole));
  EXPECT_TRUE(whole.at_end());
}

TEST(ByteStreamTest, TagsAreChecked) {
  ByteWriter out;
  out.put(byte_tag("GOOD"));
  out.put(byte_tag("EVIL"));
  const std::vector<std::uint8_t> bytes = out.take();
  ByteReader in(bytes);
  EXPECT_NO_THROW(expect_tag(in, byte_tag("GOOD"), "Good"));
  try {
    expect_tag(in, byte_tag("GOOD"), "Good");
    ADD_FAILURE() << "a wrong tag was accepted";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()),
              "checkpoint: inconsistent Good data: no Good tag at offset 4 (data saved by another "
              "class, or read out of order)");
  }
}

}  // namespace
}  // namespace butterfly
