// Tests for io/atomic_output.hpp: nothing is left behind without commit(),
// commit() renames into place, and unusable directories are reported.
#include "butterfly/io/atomic_output.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

#include "butterfly/core/error.hpp"
#include "butterfly/io/netcdf_file.hpp"
#include "temp_dir.hpp"

namespace butterfly {
namespace {

using test_support::TempDir;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(AtomicOutput, TemporaryIsAHiddenSiblingOfTheFinalPath) {
  TempDir dir;
  const AtomicOutput output(dir / "x.nc");
  EXPECT_EQ(output.final_path(), dir / "x.nc");
  EXPECT_EQ(output.temp_path().parent_path(), dir.path());
  EXPECT_EQ(output.temp_path().filename().string().rfind(".x.nc.tmp-", 0), 0u);
  EXPECT_FALSE(std::filesystem::exists(output.temp_path()));  // nothing created yet
}

TEST(AtomicOutput, LeavesNothingWhenNotCommitted) {
  TempDir dir;
  {
    const AtomicOutput output(dir / "x.nc");
    std::ofstream(output.temp_path()) << "partial";
    ASSERT_TRUE(std::filesystem::exists(output.temp_path()));
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(AtomicOutput, KeepsThePreviousFileWhenAnExceptionAbandonsTheOutput) {
  TempDir dir;
  dir.write("x.nc", "old");
  try {
    const AtomicOutput output(dir / "x.nc");
    std::ofstream(output.temp_path()) << "new but unfinished";
    throw RuntimeError("the run failed");
  } catch (const RuntimeError&) {
  }
  EXPECT_EQ(read_text(dir / "x.nc"), "old");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"x.nc"});
}

TEST(AtomicOutput, CommitRenamesIntoPlace) {
  TempDir dir;
  dir.write("x.nc", "old");
  {
    AtomicOutput output(dir / "x.nc");
    std::ofstream(output.temp_path()) << "new";
    output.commit();
    EXPECT_TRUE(output.committed());
    EXPECT_FALSE(std::filesystem::exists(output.temp_path()));
  }
  EXPECT_EQ(read_text(dir / "x.nc"), "new");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"x.nc"});
}

TEST(AtomicOutput, WorksWithANetcdfFile) {
  TempDir dir;
  AtomicOutput output(dir / "x.nc");
  {
    NetcdfFile file = NetcdfFile::create(output.temp_path());
    file.define_dimension("member", 2);
    const int x = file.define_variable("x", NC_DOUBLE, {"member"});
    file.end_definitions();
    file.write_all(x, std::vector<double>{1, 2});
    file.close();
  }
  output.commit();
  EXPECT_EQ(NetcdfFile::open(dir / "x.nc").read_all_double("x"), (std::vector<double>{1, 2}));
}

TEST(AtomicOutput, CommitWithoutATemporaryFails) {
  TempDir dir;
  AtomicOutput output(dir / "x.nc");
  EXPECT_THROW(output.commit(), RuntimeError);
  EXPECT_FALSE(output.committed());
}

TEST(AtomicOutput, CommitTwiceFails) {
  TempDir dir;
  AtomicOutput output(dir / "x.nc");
  std::ofstream(output.temp_path()) << "x";
  output.commit();
  EXPECT_THROW(output.commit(), RuntimeError);
}

TEST(AtomicOutput, MovedOutputKeepsOwnershipOfTheTemporary) {
  TempDir dir;
  {
    AtomicOutput first(dir / "x.nc");
    std::ofstream(first.temp_path()) << "x";
    AtomicOutput second(std::move(first));
    second.commit();
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"x.nc"});
}

TEST(AtomicOutput, TwoOutputsForOnePathGetDistinctTemporaries) {
  TempDir dir;
  const AtomicOutput a(dir / "x.nc");
  const AtomicOutput b(dir / "x.nc");
  EXPECT_NE(a.temp_path(), b.temp_path());
}

TEST(AtomicOutput, MissingDirectoryIsNamed) {
  TempDir dir;
  const auto final_path = dir / "out" / "x.nc";
  try {
    const AtomicOutput output(final_path);
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()), final_path.string() + ": cannot write output (directory '" +
                                         (dir / "out").string() + "' does not exist)");
  }
}

TEST(AtomicOutput, ParentThatIsAFileIsRejected) {
  TempDir dir;
  dir.write("out", "a file, not a directory");
  EXPECT_THROW(AtomicOutput(dir / "out" / "x.nc"), RuntimeError);
}

TEST(AtomicOutput, FinalPathThatIsADirectoryIsRejected) {
  TempDir dir;
  std::filesystem::create_directory(dir / "x.nc");
  EXPECT_THROW(AtomicOutput(dir / "x.nc"), RuntimeError);
}

TEST(AtomicOutput, RelativePathUsesTheCurrentDirectory) {
  TempDir dir;
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  {
    AtomicOutput output("x.nc");
    EXPECT_EQ(output.temp_path().parent_path(), ".");
    std::ofstream(output.temp_path()) << "x";
    output.commit();
  }
  std::filesystem::current_path(previous);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"x.nc"});
}

TEST(AtomicOutput, UnwritableDirectoryIsNamed) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  TempDir dir;
  const auto locked = dir / "locked";
  std::filesystem::create_directory(locked);
  std::filesystem::permissions(
      locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  try {
    const AtomicOutput output(locked / "x.nc");
    ADD_FAILURE() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()).rfind((locked / "x.nc").string() +
                                              ": cannot write output (directory '" +
                                              locked.string() + "' is not writable",
                                          0),
              0u)
        << e.what();
  }
  std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
}

}  // namespace
}  // namespace butterfly
