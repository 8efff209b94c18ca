# Runs one example for CTest and checks both its exit status and its output.
#
#   cmake -DPASS_REGEX=<regex> [-DEXPECT_FAIL=ON] -P run_example.cmake --
#         <program> [args...]
#
# Passes when the program exits with status 0 (with EXPECT_FAIL: exits with
# a non-zero status, not a crash) and its output, stdout and stderr
# together, matches PASS_REGEX. CTest's own PASS_REGULAR_EXPRESSION ignores
# the exit status, which would let a failing example pass.
if(NOT DEFINED PASS_REGEX)
  message(FATAL_ERROR "run_example.cmake: PASS_REGEX is not set")
endif()

# Everything after "--" is the command line to run.
set(cmd "")
set(after_dashes FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_dashes)
    list(APPEND cmd "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(after_dashes TRUE)
  endif()
endforeach()
if(NOT cmd)
  message(FATAL_ERROR "run_example.cmake: no command after --")
endif()

execute_process(COMMAND ${cmd}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
message("${out}${err}")

if(EXPECT_FAIL)
  if(NOT rc MATCHES "^[0-9]+$" OR rc EQUAL 0)
    message(FATAL_ERROR "expected a non-zero exit status, got: ${rc}")
  endif()
elseif(NOT rc STREQUAL "0")
  message(FATAL_ERROR "exit status ${rc}")
endif()
if(NOT "${out}${err}" MATCHES "${PASS_REGEX}")
  message(FATAL_ERROR "the output does not match: ${PASS_REGEX}")
endif()
