// Tests for io/netcdf_file.hpp: round trips through real files, inspection,
// and the errors for missing files and variables.
#include "butterfly/io/netcdf_file.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"
#include "temp_dir.hpp"

namespace butterfly {
namespace {

using test_support::TempDir;
using Dims = std::vector<std::pair<std::string, std::size_t>>;

TEST(NetcdfFile, RoundTripsDimensionsVariablesAttributesAndSlabs) {
  TempDir dir;
  const auto path = dir / "round_trip.nc";
  std::vector<double> field(3 * 4);
  std::iota(field.begin(), field.end(), 0.5);
  const std::vector<std::int64_t> ids = {7, -3, 1'000'000'000'000};
  {
    NetcdfFile file = NetcdfFile::create(path);
    file.define_dimension("var", 3);
    file.define_dimension("member", 4);
    const int x = file.define_variable("x", NC_DOUBLE, {"var", "member"});
    const int id = file.define_variable("id", NC_INT64, {"var"});
    const int small = file.define_variable("small", NC_INT, {"member"});
    file.set_compression(x, 4);
    file.set_chunking(x, {1, 4});
    file.set_attribute(x, "units", "m s-1");
    file.set_attribute(x, "scale", 2.5);
    file.set_attribute(x, "count", 42);
    file.set_attribute(x, "range", std::vector<double>{-1.0, 1.0});
    file.set_attribute(NC_GLOBAL, "title", std::string("butterfly test"));
    file.set_attribute(NC_GLOBAL, "members", std::size_t{4});
    file.end_definitions();
    file.write_all(x, field);
    file.write_all(id, std::span<const std::int64_t>(ids));
    // One slab: the middle two members of `small`.
    const std::vector<std::int64_t> middle = {11, 12};
    file.write(small, {0}, {4}, std::vector<std::int64_t>{0, 0, 0, 0}.data());
    file.write(small, {1}, {2}, middle.data());
    file.close();
    EXPECT_FALSE(file.is_open());
  }

  const NetcdfFile file = NetcdfFile::open(path);
  EXPECT_EQ(file.variable_names(), (std::vector<std::string>{"x", "id", "small"}));
  EXPECT_EQ(file.variable_dimensions("x"), (Dims{{"var", 3}, {"member", 4}}));
  EXPECT_EQ(file.dimension_length("member"), 4u);
  EXPECT_EQ(file.variable_type("id"), NC_INT64);
  EXPECT_TRUE(file.has_dimension("var"));
  EXPECT_FALSE(file.has_dimension("time"));
  EXPECT_TRUE(file.has_variable("x"));
  EXPECT_FALSE(file.has_variable("y"));
  EXPECT_EQ(file.read_all_double("x"), field);
  EXPECT_EQ(file.read_all_int64(file.variable_id("id")), ids);
  EXPECT_EQ(file.read_all_double("small"), (std::vector<double>{0, 11, 12, 0}));

  // A hyperslab: row 1, members 2..3.
  std::vector<double> slab(2);
  file.read(file.variable_id("x"), {1, 2}, {1, 2}, slab.data());
  EXPECT_EQ(slab, (std::vector<double>{field[6], field[7]}));

  const int x = file.variable_id("x");
  EXPECT_EQ(file.text_attribute(x, "units"), "m s-1");
  EXPECT_EQ(file.text_attribute(NC_GLOBAL, "title"), "butterfly test");
  EXPECT_EQ(file.text_attribute(x, "missing"), std::nullopt);
  EXPECT_EQ(file.numeric_attribute(x, "scale"), std::vector<double>{2.5});
  EXPECT_EQ(file.numeric_attribute(x, "count"), std::vector<double>{42});
  EXPECT_EQ(file.numeric_attribute(x, "range"), (std::vector<double>{-1.0, 1.0}));
  EXPECT_EQ(file.numeric_attribute(NC_GLOBAL, "members"), std::vector<double>{4});
  EXPECT_THROW((void)file.text_attribute(x, "scale"), RuntimeError);
  EXPECT_THROW((void)file.numeric_attribute(x, "units"), RuntimeError);
}

TEST(NetcdfFile, UnlimitedDimensionGrowsRecordByRecord) {
  TempDir dir;
  const auto path = dir / "records.nc";
  {
    NetcdfFile file = NetcdfFile::create(path);
    file.define_dimension("time", 0);
    file.define_dimension("member", 3);
    const int time = file.define_variable("time", NC_DOUBLE, {"time"});
    const int x = file.define_variable("x", NC_DOUBLE, {"time", "member"});
    file.end_definitions();
    for (std::size_t k = 0; k < 5; ++k) {
      const double t = 0.1 * static_cast<double>(k);
      const std::vector<double> row = {t, t + 1, t + 2};
      file.write(time, {k}, {1}, &t);
      file.write(x, {k, 0}, {1, 3}, row.data());
      EXPECT_EQ(file.dimension_length("time"), k + 1);
    }
    file.close();
  }
  const NetcdfFile file = NetcdfFile::open(path);
  EXPECT_EQ(file.variable_dimensions("x"), (Dims{{"time", 5}, {"member", 3}}));
  const std::vector<double> x = file.read_all_double("x");
  ASSERT_EQ(x.size(), 15u);
  EXPECT_DOUBLE_EQ(x[3 * 4 + 2], 0.4 + 2);
}

TEST(NetcdfFile, WriteAllInfersTheUnlimitedExtent) {
  TempDir dir;
  NetcdfFile file = NetcdfFile::create(dir / "all.nc");
  file.define_dimension("time", 0);
  file.define_dimension("member", 2);
  const int x = file.define_variable("x", NC_DOUBLE, {"time", "member"});
  file.end_definitions();
  file.write_all(x, std::vector<double>{1, 2, 3, 4, 5, 6});
  EXPECT_EQ(file.dimension_length("time"), 3u);
  EXPECT_THROW(file.write_all(x, std::vector<double>{1, 2, 3}), RuntimeError);
}

TEST(NetcdfFile, WriteAllChecksTheSizeOfFixedVariables) {
  TempDir dir;
  NetcdfFile file = NetcdfFile::create(dir / "fixed.nc");
  file.define_dimension("member", 4);
  const int x = file.define_variable("x", NC_DOUBLE, {"member"});
  file.end_definitions();
  try {
    file.write_all(x, std::vector<double>{1, 2, 3});
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
  }
}

TEST(NetcdfFile, SlabRankMustMatchTheVariable) {
  TempDir dir;
  NetcdfFile file = NetcdfFile::create(dir / "rank.nc");
  file.define_dimension("a", 2);
  file.define_dimension("b", 2);
  const int x = file.define_variable("x", NC_DOUBLE, {"a", "b"});
  file.end_definitions();
  const double v = 1.0;
  EXPECT_THROW(file.write(x, {0}, {1}, &v), RuntimeError);
}

TEST(NetcdfFile, OpeningAMissingFileNamesThePath) {
  TempDir dir;
  const auto path = dir / "absent.nc";
  try {
    (void)NetcdfFile::open(path);
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ": cannot open: No such file or directory");
  }
}

TEST(NetcdfFile, OpeningANonNetcdfFileFails) {
  TempDir dir;
  const auto path = dir.write("text.nc", "not a netcdf file\n");
  EXPECT_THROW((void)NetcdfFile::open(path), RuntimeError);
}

TEST(NetcdfFile, CreatingInAMissingDirectoryNamesThePath) {
  TempDir dir;
  const auto path = dir / "no" / "x.nc";
  try {
    (void)NetcdfFile::create(path);
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": cannot create: ", 0), 0u) << e.what();
  }
}

TEST(NetcdfFile, MissingVariableAndDimensionAreNamed) {
  TempDir dir;
  {
    NetcdfFile file = NetcdfFile::create(dir / "f.nc");
    file.define_dimension("member", 2);
    file.define_variable("x", NC_DOUBLE, {"member"});
  }
  const NetcdfFile file = NetcdfFile::open(dir / "f.nc");
  const std::string prefix = (dir / "f.nc").string();
  try {
    (void)file.read_all_double("y");
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()), prefix + ": no variable 'y'");
  }
  EXPECT_THROW((void)file.variable_dimensions("y"), RuntimeError);
  try {
    (void)file.dimension_length("time");
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()), prefix + ": no dimension 'time'");
  }
}

TEST(NetcdfFile, DefiningOverAnUndefinedDimensionFails) {
  TempDir dir;
  NetcdfFile file = NetcdfFile::create(dir / "f.nc");
  try {
    file.define_variable("x", NC_DOUBLE, {"member"});
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot define variable 'x': dimension 'member'"),
              std::string::npos)
        << e.what();
  }
}

TEST(NetcdfFile, WritingAReadOnlyFileFails) {
  TempDir dir;
  {
    NetcdfFile file = NetcdfFile::create(dir / "f.nc");
    file.define_dimension("member", 1);
    file.define_variable("x", NC_DOUBLE, {"member"});
  }
  NetcdfFile file = NetcdfFile::open(dir / "f.nc");
  const double v = 1.0;
  EXPECT_THROW(file.write(file.variable_id("x"), {0}, {1}, &v), RuntimeError);
}

TEST(NetcdfFile, MovesOwnership) {
  TempDir dir;
  NetcdfFile a = NetcdfFile::create(dir / "f.nc");
  NetcdfFile b = std::move(a);
  EXPECT_FALSE(a.is_open());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_TRUE(b.is_open());
  b.define_dimension("member", 1);
  b.close();
  b.close();  // a second close is a no-op
  EXPECT_THROW(b.define_dimension("time", 1), RuntimeError);
  static_assert(!std::is_copy_constructible_v<NetcdfFile>);
}

}  // namespace
}  // namespace butterfly
