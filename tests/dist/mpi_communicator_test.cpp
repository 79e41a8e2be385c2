// Tests of MpiCommunicator and MpiSession, run under mpirun with 1, 2 and 3 ranks
// (tests/dist/mpi_tests.cmake). Its own main starts MPI, shows rank 0's output
// only and fails on every rank when a test failed on any rank.
#include "butterfly/dist/mpi_communicator.hpp"

#include <gtest/gtest.h>
// The MPI C API only: keep OpenMPI's (and MPICH's) C++ bindings, which need libmpi_cxx, out.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "butterfly/core/error.hpp"

namespace butterfly {
namespace {

// The expected results below are closed forms of the MPI-4.0 standard's
// definitions (MPI Forum, "MPI: A Message-Passing Interface Standard" 4.0,
// 2021): MPI_Gatherv concatenates the ranks' buffers in rank order on the root
// (section 6.5), MPI_Bcast copies the root's buffer everywhere (6.4),
// MPI_Allreduce with MPI_MAX gives the maximum everywhere (6.9.2); and of the
// Communicator contract in core/communicator.hpp.

// Value i of rank r: distinct for every (r, i), exact in a double.
double value_of(int rank, std::size_t i) { return 1000.0 * rank + static_cast<double>(i) + 0.25; }

std::vector<double> values_of(int rank, std::size_t count) {
  std::vector<double> values(count);
  for (std::size_t i = 0; i < count; ++i) values[i] = value_of(rank, i);
  return values;
}

// The concatenation rank 0 must hold when rank r sends count(r) values.
template <class Count>
std::vector<double> expected_concatenation(int size, Count count) {
  std::vector<double> all;
  for (int r = 0; r < size; ++r) {
    const auto values = values_of(r, count(r));
    all.insert(all.end(), values.begin(), values.end());
  }
  return all;
}

const std::vector<double> kUntouched = {-7.0, -8.0};  // `all` on non-root ranks before a gather

TEST(MpiCommunicator, RankAndSizeMatchMpi) {
  MpiCommunicator comm;
  int rank = -1, size = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(comm.rank(), rank);
  EXPECT_EQ(comm.size(), size);
  EXPECT_EQ(comm.is_root(), rank == 0);
}

TEST(MpiCommunicator, GatherConcatenatesRankDependentLengthsInRankOrder) {
  MpiCommunicator comm;
  const auto count = [](int r) { return static_cast<std::size_t>(r + 1); };  // rank r sends r+1
  const auto local = values_of(comm.rank(), count(comm.rank()));
  std::vector<double> all = kUntouched;
  comm.gather(local, all);
  if (comm.is_root()) {
    const auto expected = expected_concatenation(comm.size(), count);
    EXPECT_EQ(all.size(), static_cast<std::size_t>(comm.size() * (comm.size() + 1) / 2));
    EXPECT_EQ(all, expected);
  } else {
    EXPECT_EQ(all, kUntouched);
  }
}

TEST(MpiCommunicator, GatherWithZeroLengthRanks) {
  MpiCommunicator comm;
  // Odd ranks (and rank 0) send nothing; even ranks > 0 send 2r values.
  const auto count = [](int r) { return static_cast<std::size_t>(r % 2 == 0 ? 2 * r : 0); };
  const auto local = values_of(comm.rank(), count(comm.rank()));
  std::vector<double> all = kUntouched;
  comm.gather(local, all);
  if (comm.is_root()) {
    EXPECT_EQ(all, expected_concatenation(comm.size(), count));
  } else {
    EXPECT_EQ(all, kUntouched);
  }

  // Nobody sends anything: rank 0's `all` is resized to empty.
  std::vector<double> none = kUntouched;
  comm.gather(std::span<const double>{}, none);
  EXPECT_EQ(none, comm.is_root() ? std::vector<double>{} : kUntouched);
}

TEST(MpiCommunicator, GatherInPiecesGivesTheSameBits) {
  // Lengths 3r+2 with chunk limits below, at and above every length: the
  // windows then cut through ranks' ranges and through rank boundaries.
  const auto count = [](int r) { return static_cast<std::size_t>(3 * r + 2); };
  MpiCommunicator whole;
  const auto local = values_of(whole.rank(), count(whole.rank()));
  std::vector<double> reference;
  whole.gather(local, reference);
  if (whole.is_root()) {
    EXPECT_EQ(reference, expected_concatenation(whole.size(), count));
  }
  for (std::size_t limit : {1, 2, 3, 4, 5, 7, 64}) {
    MpiCommunicator pieces(limit);
    EXPECT_EQ(pieces.max_chunk_doubles(), limit);
    std::vector<double> all = kUntouched;
    pieces.gather(local, all);
    if (pieces.is_root()) {
      // No ASSERT (early return) between collectives: the other ranks would wait forever.
      EXPECT_EQ(all.size(), reference.size()) << "limit " << limit;
      if (all.size() == reference.size()) {
        EXPECT_EQ(std::memcmp(all.data(), reference.data(), all.size() * sizeof(double)), 0)
            << "limit " << limit;
      }
    } else {
      EXPECT_EQ(all, kUntouched) << "limit " << limit;
    }
  }
}

TEST(MpiCommunicator, SendReceiveArriveInOrderAndInPieces) {
  // Every other rank sends rank 0 two messages (lengths r+1 and 5, the second
  // in pieces of 2): rank 0 receives them rank by rank, each in the order sent,
  // with the values the sender computed (values_of, as in the gather tests).
  MpiCommunicator pieces(2);
  const int me = pieces.rank();
  if (me > 0) {
    pieces.send(values_of(me, static_cast<std::size_t>(me) + 1), 0);
    pieces.send(values_of(me + 100, 5), 0);
    return;
  }
  for (int r = 1; r < pieces.size(); ++r) {
    std::vector<double> first(static_cast<std::size_t>(r) + 1), second(5);
    pieces.receive(first, r);
    pieces.receive(second, r);
    EXPECT_EQ(first, values_of(r, first.size())) << "from rank " << r;
    EXPECT_EQ(second, values_of(r + 100, 5)) << "from rank " << r;
  }
}

TEST(MpiCommunicator, GatherOnOneRankMatchesSerialCommunicator) {
  // Independent implementation: with one process the result must be the
  // SerialCommunicator's copy.
  MpiCommunicator comm;
  if (comm.size() != 1) GTEST_SKIP() << "needs exactly one rank";
  const auto local = values_of(0, 11);
  std::vector<double> mpi_all, serial_all;
  comm.gather(local, mpi_all);
  SerialCommunicator serial;
  serial.gather(local, serial_all);
  EXPECT_EQ(mpi_all, serial_all);
}

TEST(MpiCommunicator, BroadcastInt64ReturnsRootsValue) {
  MpiCommunicator comm;
  for (std::int64_t root_value :
       {std::int64_t{1234567890123}, std::int64_t{-5}, std::numeric_limits<std::int64_t>::min(),
        std::numeric_limits<std::int64_t>::max()}) {
    const std::int64_t mine = comm.is_root() ? root_value : 42 + comm.rank();
    EXPECT_EQ(comm.broadcast(mine), root_value);
  }
}

TEST(MemberRange, RanksPartitionTheMembersInRankOrder) {
  // member_range over size = MPI size must tile [0, M) exactly: rank 0 starts
  // at 0, each rank starts where the previous one ends, the last ends at M,
  // and the first M % size ranks get floor(M/size)+1 members, the rest
  // floor(M/size) (core/communicator.hpp). Checked from all ranks' own calls.
  MpiCommunicator comm;
  const auto p = static_cast<std::size_t>(comm.size());
  for (std::size_t members : {std::size_t{0}, std::size_t{1}, p - 1, p, p + 1, std::size_t{7},
                              std::size_t{1000}, std::size_t{1001}}) {
    const MemberRange mine = member_range(members, comm.rank(), comm.size());
    const double pair[2] = {static_cast<double>(mine.first), static_cast<double>(mine.last)};
    std::vector<double> all;
    comm.gather(pair, all);
    if (!comm.is_root()) continue;
    EXPECT_EQ(all.size(), 2 * p) << "members " << members;
    if (all.size() != 2 * p) continue;  // not ASSERT: the other ranks are still in the loop
    std::size_t next = 0;
    for (std::size_t r = 0; r < p; ++r) {
      const auto first = static_cast<std::size_t>(all[2 * r]);
      const auto last = static_cast<std::size_t>(all[2 * r + 1]);
      EXPECT_EQ(first, next) << "members " << members << ", rank " << r;
      EXPECT_EQ(last - first, members / p + (r < members % p ? 1 : 0))
          << "members " << members << ", rank " << r;
      next = last;
    }
    EXPECT_EQ(next, members) << "members " << members;
  }
}

TEST(MpiCommunicator, RejectsAChunkLimitOutsideTheIntRange) {
  EXPECT_THROW(MpiCommunicator(0), UsageError);
  EXPECT_THROW(MpiCommunicator(static_cast<std::size_t>(INT_MAX) + 1), UsageError);
}

TEST(MpiCommunicator, MpiErrorsComeBackAsRuntimeErrorNamingFunctionAndRank) {
  MpiCommunicator comm;  // sets MPI_ERRORS_RETURN on MPI_COMM_WORLD
  // A negative count fails the argument check locally on every rank, before
  // any communication, so no rank is left waiting.
  std::int64_t value = 0;
  const int code = MPI_Bcast(&value, -1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  if (code == MPI_SUCCESS) GTEST_SKIP() << "this MPI does not check arguments";
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  const std::string expected = "MPI Bcast failed on rank " + std::to_string(comm.rank()) + ": " +
                               std::string(text, static_cast<std::size_t>(length));
  try {
    throw_if_mpi_error(code, "Bcast", comm.rank());
    ADD_FAILURE() << "no exception";
  } catch (const RuntimeError& error) {
    EXPECT_EQ(std::string(error.what()), expected);
  }
  EXPECT_NO_THROW(throw_if_mpi_error(MPI_SUCCESS, "Bcast", comm.rank()));
}

// The environment this process started with, from /proc/self/environ (the
// live environment is no guide: OpenMPI's MPI_Init of a process started
// without a launcher sets PMIX_RANK itself).
std::vector<std::string> start_environment() {
  std::ifstream file("/proc/self/environ", std::ios::binary);
  std::vector<std::string> entries;
  for (std::string entry; std::getline(file, entry, '\0');) entries.push_back(entry);
  return entries;
}

TEST(MpiSession, LaunchedByMpirunSeesTheLaunchersEnvironment) {
  // True exactly when OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK was set at
  // start (mpi_communicator.hpp): under the ctest entries mpirun sets them,
  // run directly (an MPI singleton) it does not.
  const auto environment = start_environment();
  if (environment.empty()) GTEST_SKIP() << "no /proc/self/environ";
  bool launched = false;
  std::string world_size;
  for (const auto& entry : environment) {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE=", "PMIX_RANK=", "PMI_RANK="}) {
      if (entry.starts_with(name)) launched = true;
    }
    if (entry.starts_with("OMPI_COMM_WORLD_SIZE=")) world_size = entry.substr(21);
  }
  EXPECT_EQ(MpiSession::launched_by_mpirun(), launched);
  if (!world_size.empty()) {
    EXPECT_EQ(std::stoi(world_size), MpiCommunicator().size());
  }
}

// On ranks other than 0: nothing but the failed assertions, tagged with the rank.
class FailurePrinter : public testing::EmptyTestEventListener {
 public:
  explicit FailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: Failure\n%s\n", rank_,
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 result.message());
  }

 private:
  int rank_;
};

}  // namespace
}  // namespace butterfly

int main(int argc, char** argv) {
  butterfly::MpiSession session;
  testing::InitGoogleTest(&argc, argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0) {
    auto& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new butterfly::FailurePrinter(rank));
  }
  const int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int ranks_failed = 0;
  MPI_Allreduce(&failed, &ranks_failed, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0 && ranks_failed > 0) {
    std::fprintf(stderr, "butterfly_dist_tests: failures on %d rank(s)\n", ranks_failed);
  }
  return ranks_failed > 0 ? 1 : 0;
}
