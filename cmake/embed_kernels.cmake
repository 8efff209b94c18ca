# Turns the OpenCL C files in SOURCES (a ;-list, in order) into one C file,
# OUTPUT, defining (NAME defaults to clrelu_kernel_source)
#   const char NAME[];      (NUL-terminated)
#   const size_t NAME_size; (bytes, without the NUL)
# Run as: cmake -DOUTPUT=... -DSOURCES=a.cl;b.cl [-DNAME=...] -P embed_kernels.cmake
# A char array, not a string literal: long literals hit compiler limits.
if(NOT OUTPUT OR NOT SOURCES)
  message(FATAL_ERROR "embed_kernels.cmake needs OUTPUT and SOURCES")
endif()
if(NOT NAME)
  set(NAME clrelu_kernel_source)
endif()

set(hex "")
foreach(src IN LISTS SOURCES)
  get_filename_component(name "${src}" NAME)
  file(READ "${src}" part HEX)
  # A comment naming the file, so build logs can be traced to it.
  string(HEX "/* ---- ${name} ---- */\n" banner)
  string(APPEND hex "${banner}${part}")
endforeach()

string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# About 16 bytes a line.
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n  " bytes "${bytes}")

file(WRITE "${OUTPUT}.tmp"
  "/* Generated from the kernels/ directory by cmake/embed_kernels.cmake. Do not edit. */\n"
  "#include <stddef.h>\n"
  "const char ${NAME}[] = {\n  ${bytes}0x00};\n"
  "const size_t ${NAME}_size = ${size};\n")
# Only touch OUTPUT when it changed, so nothing rebuilds needlessly.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
