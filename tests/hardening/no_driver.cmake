# Runs a program where no OpenCL driver can be had (CTest points
# OCL_ICD_VENDORS at an empty directory, or at one whose .icd names a
# missing library) and checks that it fails the way a user can act on: a
# non-zero exit status that is not a crash (below 128, so no signal and no
# sanitizer abort) and the message that says how to install a driver.
#
#   cmake -DPROGRAM=<path> [-DARGS=<a;b;...>] -P no_driver.cmake
if(NOT DEFINED PROGRAM)
  message(FATAL_ERROR "no_driver.cmake: PROGRAM is not set")
endif()
execute_process(COMMAND ${PROGRAM} ${ARGS}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  TIMEOUT 120)
message("${out}${err}")
if(NOT rc MATCHES "^[0-9]+$")
  message(FATAL_ERROR "${PROGRAM} did not exit normally: ${rc}")
endif()
if(rc EQUAL 0 OR rc GREATER_EQUAL 128)
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}; want 1 .. 127")
endif()
if(NOT "${out}${err}" MATCHES "no OpenCL platform found.*install an OpenCL driver.*pocl-opencl-icd")
  message(FATAL_ERROR "${PROGRAM} did not say how to install a driver")
endif()
message("exit status ${rc}, with the install hint")
