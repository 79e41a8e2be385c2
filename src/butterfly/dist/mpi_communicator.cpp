// MpiSession and MpiCommunicator over the MPI C API (see mpi_communicator.hpp).
#include "butterfly/dist/mpi_communicator.hpp"

#include <fmt/format.h>
// The MPI C API only: keep OpenMPI's (and MPICH's) C++ bindings, which need libmpi_cxx, out.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>

#include "butterfly/core/error.hpp"

namespace butterfly {

namespace {

// The environment variables an MPI launcher sets in every process it starts.
constexpr const char* kLauncherVariables[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"};

bool launcher_environment() {
  return std::any_of(std::begin(kLauncherVariables), std::end(kLauncherVariables),
                     [](const char* name) { return std::getenv(name) != nullptr; });
}

// Read before main: OpenMPI's MPI_Init in a process started without a launcher
// (a singleton) sets PMIX_RANK itself, so a later look would say yes.
const bool kLaunchedByMpirun = launcher_environment();

bool mpi_running() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized != 0 && finalized == 0;
}

}  // namespace

void throw_if_mpi_error(int code, std::string_view function, int rank) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  std::string reason;
  if (MPI_Error_string(code, text, &length) == MPI_SUCCESS) {
    reason.assign(text, static_cast<std::size_t>(std::clamp(length, 0, MPI_MAX_ERROR_STRING)));
  } else {
    reason = fmt::format("error code {}", code);
  }
  const std::string where = rank < 0 ? std::string("?") : std::to_string(rank);
  throw RuntimeError(fmt::format("MPI {} failed on rank {}: {}", function, where, reason));
}

// ---- MpiSession --------------------------------------------------------------

bool MpiSession::launched_by_mpirun() { return kLaunchedByMpirun; }

MpiSession::MpiSession() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized != 0 || finalized != 0) {
    throw RuntimeError("MPI session: MPI was already started in this process (one session only)");
  }
  int provided = MPI_THREAD_SINGLE;
  throw_if_mpi_error(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided),
                     "Init_thread", -1);
  // The thread levels are ordered SINGLE < FUNNELED < SERIALIZED < MULTIPLE.
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    throw RuntimeError(
        fmt::format("MPI Init_thread: the MPI library provides thread level {}, butterfly needs "
                    "MPI_THREAD_FUNNELED ({})",
                    provided, MPI_THREAD_FUNNELED));
  }
}

MpiSession::~MpiSession() {
  int finalized = 1;
  MPI_Finalized(&finalized);
  if (finalized == 0) MPI_Finalize();
}

void MpiSession::abort(int exit_code) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  if (mpi_running()) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);  // MPI_Abort does not return; this is for MPI not running
}

// ---- MpiCommunicator ---------------------------------------------------------

MpiCommunicator::MpiCommunicator(std::size_t max_chunk_doubles) : max_chunk_(max_chunk_doubles) {
  if (max_chunk_doubles < 1 || max_chunk_doubles > static_cast<std::size_t>(INT_MAX)) {
    throw UsageError(fmt::format("max_chunk_doubles: must be between 1 and {}, got {}", INT_MAX,
                                 max_chunk_doubles));
  }
  if (!mpi_running()) throw RuntimeError("MPI communicator: MPI is not running (no MpiSession)");
  throw_if_mpi_error(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN),
                     "Comm_set_errhandler", -1);
  throw_if_mpi_error(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "Comm_rank", -1);
  throw_if_mpi_error(MPI_Comm_size(MPI_COMM_WORLD, &size_), "Comm_size", rank_);
}

void MpiCommunicator::gather(std::span<const double> local, std::vector<double>& all) {
  const auto ranks = static_cast<std::size_t>(size_);
  std::uint64_t mine = local.size();
  std::vector<std::uint64_t> counts(ranks);
  throw_if_mpi_error(
      MPI_Allgather(&mine, 1, MPI_UINT64_T, counts.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD),
      "Allgather", rank_);
  // offsets[r]: where rank r's values start in the concatenation.
  std::vector<std::uint64_t> offsets(ranks + 1, 0);
  for (std::size_t r = 0; r < ranks; ++r) offsets[r + 1] = offsets[r] + counts[r];
  const std::uint64_t total = offsets[ranks];
  if (is_root()) all.resize(total);

  // Window [lo, hi) of the concatenation per round: every count and
  // displacement of the round lies in [0, max_chunk_] and so fits in an int.
  const auto me = static_cast<std::size_t>(rank_);
  std::vector<int> recv_counts(is_root() ? ranks : 0), displacements(is_root() ? ranks : 0);
  for (std::uint64_t lo = 0; lo < total; lo += max_chunk_) {
    const std::uint64_t hi = std::min<std::uint64_t>(total, lo + max_chunk_);
    const auto piece = [&](std::size_t r) {
      const std::uint64_t first = std::max(lo, offsets[r]), last = std::min(hi, offsets[r + 1]);
      return std::pair{first, last > first ? last - first : 0};
    };
    const auto [my_first, my_count] = piece(me);
    const double* send = my_count > 0 ? local.data() + (my_first - offsets[me]) : local.data();
    if (is_root()) {
      for (std::size_t r = 0; r < ranks; ++r) {
        const auto [first, count] = piece(r);
        recv_counts[r] = static_cast<int>(count);
        displacements[r] = count > 0 ? static_cast<int>(first - lo) : 0;
      }
    }
    throw_if_mpi_error(MPI_Gatherv(send, static_cast<int>(my_count), MPI_DOUBLE,
                                   is_root() ? all.data() + lo : nullptr, recv_counts.data(),
                                   displacements.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD),
                       "Gatherv", rank_);
  }
}

void MpiCommunicator::send(std::span<const double> data, int destination) {
  for (std::size_t lo = 0; lo < data.size(); lo += max_chunk_) {
    const std::size_t count = std::min(max_chunk_, data.size() - lo);
    throw_if_mpi_error(MPI_Send(data.data() + lo, static_cast<int>(count), MPI_DOUBLE, destination,
                                0, MPI_COMM_WORLD),
                       "Send", rank_);
  }
}

void MpiCommunicator::receive(std::span<double> data, int source) {
  for (std::size_t lo = 0; lo < data.size(); lo += max_chunk_) {
    const std::size_t count = std::min(max_chunk_, data.size() - lo);
    throw_if_mpi_error(MPI_Recv(data.data() + lo, static_cast<int>(count), MPI_DOUBLE, source, 0,
                                MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                       "Recv", rank_);
  }
}

std::int64_t MpiCommunicator::broadcast(std::int64_t value) {
  throw_if_mpi_error(MPI_Bcast(&value, 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "Bcast", rank_);
  return value;
}

}  // namespace butterfly
