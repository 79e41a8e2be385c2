// The MPI implementation of Communicator (core/communicator.hpp) over
// MPI_COMM_WORLD, and MpiSession, the one-per-process owner of MPI_Init/Finalize.
// Uses the MPI C API; every MPI error becomes a butterfly::RuntimeError.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "butterfly/core/communicator.hpp"

namespace butterfly {

// Starts MPI for this process and stops it at the end of its lifetime: create
// exactly one, in main, before any MpiCommunicator. Asks for
// MPI_THREAD_FUNNELED: only the thread that created the session calls MPI (the
// thread pool's workers never do). MPI_Finalize is collective, so on an error
// that not every rank sees, call abort() instead of letting the session end
// (the other ranks would wait in their next collective forever).
class MpiSession {
 public:
  // True when this process was started by an MPI launcher (mpirun/mpiexec of
  // OpenMPI, or a PMI/PMIx launcher such as srun or MPICH's hydra): one of
  // OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK was set in the environment
  // the process started with (read before main: MPI_Init of a process started
  // without a launcher sets PMIX_RANK itself).
  static bool launched_by_mpirun();

  // MPI_Init_thread(MPI_THREAD_FUNNELED). Throws RuntimeError when MPI was
  // already initialised or finalised in this process, or when the library
  // provides a lower thread level than MPI_THREAD_FUNNELED.
  MpiSession();
  // MPI_Finalize, unless MPI is already finalised.
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  // Flushes stdout and stderr and ends every process of the run with
  // `exit_code` (MPI_Abort on MPI_COMM_WORLD; plain _Exit when MPI is not
  // running).
  [[noreturn]] static void abort(int exit_code);
};

// Communicator over MPI_COMM_WORLD (whose error handler it sets to
// MPI_ERRORS_RETURN, so that failures come back as RuntimeError instead of
// aborting). MPI counts are int, so no single MPI call moves more than
// `max_chunk_doubles` elements (in gather, send and receive): longer
// messages go in pieces, which gives the same result for any limit. The
// default is INT_MAX; tests use tiny limits to exercise the pieces.
class MpiCommunicator final : public Communicator {
 public:
  // Throws UsageError unless 1 <= max_chunk_doubles <= INT_MAX.
  explicit MpiCommunicator(std::size_t max_chunk_doubles = INT_MAX);

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::size_t max_chunk_doubles() const { return max_chunk_; }

  // MPI_Allgather of every rank's length (so every rank can compute the
  // pieces), then one MPI_Gatherv per window of max_chunk_doubles values of
  // the concatenation on rank 0: each rank sends the part of its values that
  // falls in the window, so counts and displacements always fit in an int.
  // `local` must not alias `all`.
  void gather(std::span<const double> local, std::vector<double>& all) override;
  // MPI_Send / MPI_Recv (tag 0) in pieces of at most max_chunk_doubles().
  void send(std::span<const double> data, int destination) override;
  void receive(std::span<double> data, int source) override;
  // MPI_Bcast of one MPI_INT64_T from rank 0.
  std::int64_t broadcast(std::int64_t value) override;

 private:
  std::size_t max_chunk_;
  int rank_ = 0;
  int size_ = 1;
};

// Throws RuntimeError("MPI <function> failed on rank <rank>: <MPI_Error_string
// of code>") unless code == MPI_SUCCESS; rank < 0 is written as "?" (before
// MPI knows it). `function` is the MPI function without its prefix, e.g. "Bcast".
void throw_if_mpi_error(int code, std::string_view function, int rank);

}  // namespace butterfly
