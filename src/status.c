/* Status strings, the per-thread error message, OpenCL error names. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One row per status, in enum order: the enum in clrelu.h and this table are
 * checked against each other below. */
#define CLRELU_STATUS_MAP(X)                                                   \
  X(CLRELU_SUCCESS, "success")                                                 \
  X(CLRELU_ERROR_INVALID_ARGUMENT, "invalid argument")                         \
  X(CLRELU_ERROR_OUT_OF_RANGE, "out of range")                                 \
  X(CLRELU_ERROR_CONTEXT_MISMATCH, "buffer belongs to another context")        \
  X(CLRELU_ERROR_DTYPE_MISMATCH, "buffers differ in dtype")                    \
  X(CLRELU_ERROR_NO_DEVICE, "no OpenCL device")                                \
  X(CLRELU_ERROR_BUILD_FAILED, "kernel build failed")                          \
  X(CLRELU_ERROR_OUT_OF_MEMORY, "out of memory")                               \
  X(CLRELU_ERROR_UNSUPPORTED, "unsupported by the device")                     \
  X(CLRELU_ERROR_OPENCL, "OpenCL error")

#define CLRELU_STATUS_ROW(name, text) [name] = text,
static const char *const status_text[] = {CLRELU_STATUS_MAP(CLRELU_STATUS_ROW)};
#define CLRELU_STATUS_ONE(name, text) +1
_Static_assert(sizeof status_text / sizeof status_text[0] ==
                   0 CLRELU_STATUS_MAP(CLRELU_STATUS_ONE),
               "status table has a gap");
_Static_assert(CLRELU_ERROR_OPENCL + 1 ==
                   sizeof status_text / sizeof status_text[0],
               "status table and enum differ");

const char *clrelu_status_string(clrelu_status s) {
  if ((unsigned)s >= sizeof status_text / sizeof status_text[0])
    return "unknown status";
  return status_text[s];
}

unsigned clrelu_version(void) { return CLRELU_VERSION_NUMBER; }

/* Large enough for a typical build log; longer ones are cut with "...". */
#define MESSAGE_SIZE 16384
static _Thread_local char message[MESSAGE_SIZE];

const char *clrelu_last_error(void) { return message; }

static void vappend(size_t at, const char *fmt, va_list ap) {
  if (at >= MESSAGE_SIZE - 1)
    return;
  /* ap was started by the caller; clang-tidy 14 cannot see across calls. */
  // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
  int n = vsnprintf(message + at, MESSAGE_SIZE - at, fmt, ap);
  if (n >= 0 && (size_t)n >= MESSAGE_SIZE - at)
    memcpy(message + MESSAGE_SIZE - 4, "...", 4);
}

clrelu_status clrelu__fail(clrelu_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vappend(0, fmt, ap);
  va_end(ap);
  return s;
}

void clrelu__append(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vappend(strlen(message), fmt, ap);
  va_end(ap);
}

const char *clrelu__cl_name(cl_int err) {
  switch (err) {
#define N(c)                                                                   \
  case c:                                                                      \
    return #c;
    N(CL_SUCCESS)
    N(CL_DEVICE_NOT_FOUND)
    N(CL_DEVICE_NOT_AVAILABLE)
    N(CL_COMPILER_NOT_AVAILABLE)
    N(CL_MEM_OBJECT_ALLOCATION_FAILURE)
    N(CL_OUT_OF_RESOURCES)
    N(CL_OUT_OF_HOST_MEMORY)
    N(CL_PROFILING_INFO_NOT_AVAILABLE)
    N(CL_MEM_COPY_OVERLAP)
    N(CL_BUILD_PROGRAM_FAILURE)
    N(CL_MAP_FAILURE)
    N(CL_MISALIGNED_SUB_BUFFER_OFFSET)
    N(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
    N(CL_INVALID_VALUE)
    N(CL_INVALID_DEVICE_TYPE)
    N(CL_INVALID_PLATFORM)
    N(CL_INVALID_DEVICE)
    N(CL_INVALID_CONTEXT)
    N(CL_INVALID_QUEUE_PROPERTIES)
    N(CL_INVALID_COMMAND_QUEUE)
    N(CL_INVALID_HOST_PTR)
    N(CL_INVALID_MEM_OBJECT)
    N(CL_INVALID_BUFFER_SIZE)
    N(CL_INVALID_BINARY)
    N(CL_INVALID_BUILD_OPTIONS)
    N(CL_INVALID_PROGRAM)
    N(CL_INVALID_PROGRAM_EXECUTABLE)
    N(CL_INVALID_KERNEL_NAME)
    N(CL_INVALID_KERNEL)
    N(CL_INVALID_ARG_INDEX)
    N(CL_INVALID_ARG_VALUE)
    N(CL_INVALID_ARG_SIZE)
    N(CL_INVALID_KERNEL_ARGS)
    N(CL_INVALID_WORK_DIMENSION)
    N(CL_INVALID_WORK_GROUP_SIZE)
    N(CL_INVALID_WORK_ITEM_SIZE)
    N(CL_INVALID_GLOBAL_OFFSET)
    N(CL_INVALID_EVENT_WAIT_LIST)
    N(CL_INVALID_EVENT)
    N(CL_INVALID_OPERATION)
    N(CL_INVALID_GLOBAL_WORK_SIZE)
#undef N
  case -1001:
    return "CL_PLATFORM_NOT_FOUND_KHR";
  default:
    return "unknown OpenCL error";
  }
}

clrelu_status clrelu__cl_fail(cl_int err, const char *what) {
  clrelu_status s = CLRELU_ERROR_OPENCL;
  switch (err) {
  case CL_MEM_OBJECT_ALLOCATION_FAILURE:
  case CL_OUT_OF_RESOURCES:
  case CL_OUT_OF_HOST_MEMORY:
  case CL_INVALID_BUFFER_SIZE:
    s = CLRELU_ERROR_OUT_OF_MEMORY;
    break;
  default:
    break;
  }
  return clrelu__fail(s, "%s: %s (%d)", what, clrelu__cl_name(err), (int)err);
}
