# One helper to add a room's GoogleTest suite: every *_test.cpp in the folder.
find_package(GTest REQUIRED)
include(GoogleTest)

function(butterfly_add_test_suite room)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${room}/*_test.cpp)
  if(NOT sources)
    return()
  endif()
  set(target butterfly_${room}_tests)
  add_executable(${target} ${sources})
  target_link_libraries(${target} PRIVATE butterfly::lib GTest::gtest_main butterfly_warnings)
  if(room STREQUAL "app")
    target_link_libraries(${target} PRIVATE butterfly_app)
  endif()
  target_compile_definitions(${target} PRIVATE
    BUTTERFLY_TEST_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data"
    BUTTERFLY_EXECUTABLE="$<TARGET_FILE:butterfly>")
  add_dependencies(${target} butterfly)
  gtest_discover_tests(${target} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS ${room})
endfunction()

# A Python test script run with Debian's interpreter against the built command.
function(butterfly_add_python_test name script)
  add_test(NAME ${name}
           COMMAND /usr/bin/python3 ${script}
           WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  # BUTTERFLY_MPIRUN: the launcher and its flags, space-separated (empty
  # without MPI: the MPI tests then fail, as MPI is on in the tests).
  string(JOIN " " mpirun ${MPIEXEC_EXECUTABLE} ${BUTTERFLY_MPIRUN_FLAGS})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT
      "BUTTERFLY=$<TARGET_FILE:butterfly>;BUTTERFLY_SOURCE=${PROJECT_SOURCE_DIR};BUTTERFLY_MPIRUN=${mpirun}"
    LABELS python)
endfunction()
