/* Fault injection for tests. fault_shim.c, linked into a test executable,
 * defines the OpenCL entry points clrelu uses and malloc, calloc, realloc
 * and free; each forwards to the real one (dlsym(RTLD_NEXT)) unless told to
 * fail it. Since an executable's symbols come first, libclrelu's calls land
 * here.
 *
 * A call is clrelu's when the thread that made it is inside
 * fault_begin() .. fault_end() and not inside another intercepted call (so
 * what PoCL, the ICD loader or libc do inside a forwarded call, and what
 * other threads do, is not counted). Only clrelu's calls are counted, can be
 * failed, and are tracked: host blocks they allocate until freed, and the
 * references they hold on OpenCL objects (creations and retains, less
 * releases). */
#ifndef CLRELU_FAULT_SHIM_H
#define CLRELU_FAULT_SHIM_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

/* Marks the calling thread's calls as clrelu's until fault_end(); with
 * inject 0 they are tracked but neither counted nor failed (cleanup). */
void fault_begin(int inject);
void fault_end(void);

/* Clears the counters and every armed fault. */
void fault_reset(void);
/* The n-th counted OpenCL call (from 1) fails with code: a function that
 * returns cl_int returns it; one that returns an object returns NULL and
 * stores code in its errcode_ret. Release functions are never failed. */
void fault_arm_cl(long n, cl_int code);
/* The n-th counted host allocation (malloc, calloc, realloc) returns NULL. */
void fault_arm_alloc(long n);
/* Every counted call to the entry point name fails with code (NULL: none). */
void fault_arm_always(const char *name, cl_int code);

/* Counted OpenCL calls and host allocations since fault_reset(). */
long fault_cl_calls(void);
long fault_alloc_calls(void);
/* The name of the counted OpenCL call number k (from 1), or "?". */
const char *fault_cl_name(long k);
/* The entry point failed by fault_arm_cl or fault_arm_alloc since
 * fault_reset() ("malloc", "calloc", "realloc" for allocations), or NULL. */
const char *fault_failed(void);

/* Host blocks clrelu allocated and has not freed. */
long fault_live_blocks(void);
/* References clrelu holds on OpenCL objects: objects it created, plus
 * retains, less releases (events handed to the caller count until the
 * caller releases them inside a window). */
long fault_live_objects(void);

#endif
