# The MPI room's tests (included from tests/CMakeLists.txt when BUTTERFLY_MPI is
# on): one GoogleTest program with its own main (it starts MPI), run under the
# MPI launcher with 1, 2 and 3 ranks.
file(GLOB dist_test_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/dist/*_test.cpp)
add_executable(butterfly_dist_tests ${dist_test_sources})
target_link_libraries(butterfly_dist_tests PRIVATE butterfly_dist GTest::gtest butterfly_warnings)

# Launcher flags for OpenMPI's mpirun, found by experiment as root in a
# container with 2 cores (Debian 12, OpenMPI 4.1.4):
#   --allow-run-as-root   mpirun refuses to start as root without it.
#   --oversubscribe       3 ranks on 2 cores: without it mpirun refuses
#                         ("not enough slots available").
#   --bind-to none        for 2 ranks mpirun binds rank i to core i; ctest -j
#                         runs several launches at once, whose ranks would
#                         then all be pinned to the same cores.
#   --mca btl self,vader  one host: shared memory only, no TCP probing of the
#                         container's network interfaces.
#   --mca btl_vader_single_copy_mechanism none
#                         vader's default single copy (CMA,
#                         process_vm_readv) needs CAP_SYS_PTRACE, which
#                         containers usually lack: every transfer then fails
#                         with "Read -1, expected N, errno = 1"
#                         (open-mpi/ompi#4948). Our messages are small, so
#                         copy-in/copy-out costs nothing measurable.
# Other launchers (MPICH's hydra) get none of these OpenMPI options.
set(BUTTERFLY_MPIRUN_FLAGS "")
if(MPIEXEC_EXECUTABLE)
  execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version
                  OUTPUT_VARIABLE mpiexec_version ERROR_QUIET TIMEOUT 20)
  if(mpiexec_version MATCHES "Open MPI|OpenRTE")
    set(BUTTERFLY_MPIRUN_FLAGS --allow-run-as-root --oversubscribe --bind-to none
        --mca btl self,vader --mca btl_vader_single_copy_mechanism none)
  endif()
  foreach(ranks 1 2 3)
    add_test(NAME dist_mpi_${ranks}
             COMMAND ${MPIEXEC_EXECUTABLE} ${BUTTERFLY_MPIRUN_FLAGS} ${MPIEXEC_NUMPROC_FLAG} ${ranks}
                     ${MPIEXEC_PREFLAGS} $<TARGET_FILE:butterfly_dist_tests> ${MPIEXEC_POSTFLAGS})
    # A collective that one rank never reaches hangs the others: fail instead.
    set_tests_properties(dist_mpi_${ranks} PROPERTIES LABELS dist TIMEOUT 120 PROCESSORS ${ranks})
  endforeach()
else()
  message(WARNING "BUTTERFLY_MPI: no MPI launcher (mpiexec) found: dist_mpi_* tests not added")
endif()
