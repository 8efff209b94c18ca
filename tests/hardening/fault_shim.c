/* See fault_shim.h. Built only into tests. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "fault_shim.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- per-thread attribution ---- */

/* initial-exec: reading these never allocates (they sit in the
 * executable's static TLS block anyway). */
#define TLS _Thread_local __attribute__((tls_model("initial-exec")))
static TLS int window; /* 0: not clrelu's; 1: counted; 2: tracked only */
static TLS int depth;  /* inside a forwarded call */

/* The calling thread's call is clrelu's. */
static int mine(void) { return window && depth == 0; }

/* ---- counters and armed faults (touched by the window thread only) ---- */

static long cl_calls, alloc_calls, arm_cl_n, arm_alloc_n;
static cl_int arm_code, always_code;
static const char *always_name, *failed;
static atomic_long live_objects;
#define NAMES 8192
static const char *names[NAMES];

void fault_begin(int inject) { window = inject ? 1 : 2; }
void fault_end(void) { window = 0; }

void fault_reset(void) {
  cl_calls = alloc_calls = arm_cl_n = arm_alloc_n = 0;
  arm_code = always_code = CL_SUCCESS;
  always_name = failed = NULL;
}

void fault_arm_cl(long n, cl_int code) {
  arm_cl_n = n;
  arm_code = code;
}

void fault_arm_alloc(long n) { arm_alloc_n = n; }

void fault_arm_always(const char *name, cl_int code) {
  always_name = name;
  always_code = code;
}

long fault_cl_calls(void) { return cl_calls; }
long fault_alloc_calls(void) { return alloc_calls; }
const char *fault_failed(void) { return failed; }
long fault_live_objects(void) { return atomic_load(&live_objects); }

const char *fault_cl_name(long k) {
  return k >= 1 && k <= NAMES && names[k - 1] ? names[k - 1] : "?";
}

/* Whether clrelu's call to name is to fail; *code receives the error. */
static int inject(const char *name, cl_int *code) {
  if (window != 1 || depth != 0)
    return 0;
  ++cl_calls;
  if (cl_calls <= NAMES)
    names[cl_calls - 1] = name;
  if (cl_calls == arm_cl_n) {
    failed = name;
    *code = arm_code;
    return 1;
  }
  if (always_name && strcmp(name, always_name) == 0) {
    *code = always_code;
    return 1;
  }
  return 0;
}

/* ---- the real functions ---- */

static void *next_symbol(const char *name) {
  void *p = dlsym(RTLD_NEXT, name);
  if (!p)
    abort(); /* the OpenCL library or libc lacks it: nothing to test */
  return p;
}

/* Loads the real fn into the function pointer real (ISO C has no cast from
 * void * to a function pointer; copy the bits). */
#define LOAD(real, fn)                                                         \
  do {                                                                         \
    if (!real) {                                                               \
      void *sym_ = next_symbol(#fn);                                           \
      memcpy(&real, &sym_, sizeof real);                                       \
    }                                                                          \
  } while (0)

/* ---- host allocations ---- */

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static free_fn real_free;

/* dlsym may allocate while the real functions are looked up: those blocks
 * come from here and are never freed. */
static _Alignas(max_align_t) unsigned char arena[1 << 16];
static atomic_size_t arena_used;
static atomic_int resolving;

static void *arena_alloc(size_t n) {
  size_t a = sizeof(max_align_t);
  size_t at = atomic_fetch_add(&arena_used, (n + a - 1) / a * a);
  return at + n <= sizeof arena ? arena + at : NULL;
}

static int in_arena(const void *p) {
  return (const unsigned char *)p >= arena &&
         (const unsigned char *)p < arena + sizeof arena;
}

static int resolve_alloc(void) {
  if (real_free)
    return 1;
  if (atomic_exchange(&resolving, 1))
    return 0;
  LOAD(real_malloc, malloc);
  LOAD(real_calloc, calloc);
  LOAD(real_realloc, realloc);
  LOAD(real_free, free);
  atomic_store(&resolving, 0);
  return 1;
}

/* clrelu's live blocks: an open-addressed set of addresses, stored
 * complemented so a leak checker scanning this table does not take them
 * for references. */
#define SLOTS (1 << 14)
#define EMPTY 0
#define GONE 1
static uintptr_t blocks[SLOTS];
static atomic_long live_blocks;
static atomic_flag blocks_lock = ATOMIC_FLAG_INIT;

static void lock(void) {
  while (atomic_flag_test_and_set(&blocks_lock))
    ;
}
static void unlock(void) { atomic_flag_clear(&blocks_lock); }

static size_t slot_of(uintptr_t key) {
  return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 50) & (SLOTS - 1);
}

static void track(void *p) {
  uintptr_t key = ~(uintptr_t)p;
  lock();
  for (size_t i = slot_of(key), k = 0; k < SLOTS; ++k, i = (i + 1) % SLOTS)
    if (blocks[i] == EMPTY || blocks[i] == GONE) {
      blocks[i] = key;
      atomic_fetch_add(&live_blocks, 1);
      break;
    }
  unlock();
}

/* Forgets p; whether it was clrelu's. */
static int untrack(void *p) {
  if (!p || atomic_load(&live_blocks) == 0)
    return 0;
  uintptr_t key = ~(uintptr_t)p;
  int found = 0;
  lock();
  for (size_t i = slot_of(key), k = 0; k < SLOTS && blocks[i] != EMPTY;
       ++k, i = (i + 1) % SLOTS)
    if (blocks[i] == key) {
      blocks[i] = GONE;
      atomic_fetch_sub(&live_blocks, 1);
      found = 1;
      break;
    }
  unlock();
  return found;
}

long fault_live_blocks(void) { return atomic_load(&live_blocks); }

/* Whether clrelu's allocation is to fail (and counts it). */
static int alloc_fails(const char *name) {
  if (window != 1 || depth != 0)
    return 0;
  if (++alloc_calls == arm_alloc_n) {
    failed = name;
    return 1;
  }
  return 0;
}

void *malloc(size_t n) {
  if (!resolve_alloc())
    return arena_alloc(n);
  int m = mine();
  if (m && alloc_fails("malloc"))
    return NULL;
  void *p = real_malloc(n);
  if (m && p)
    track(p);
  return p;
}

void *calloc(size_t n, size_t size) {
  if (!resolve_alloc())
    return arena_alloc(n * size); /* zero: the arena is static */
  int m = mine();
  if (m && alloc_fails("calloc"))
    return NULL;
  void *p = real_calloc(n, size);
  if (m && p)
    track(p);
  return p;
}

void *realloc(void *old, size_t n) {
  if (!resolve_alloc() || in_arena(old)) {
    void *p = resolve_alloc() ? real_malloc(n) : arena_alloc(n);
    if (p && old) {
      size_t left = (size_t)(arena + sizeof arena - (unsigned char *)old);
      memcpy(p, old, n < left ? n : left);
    }
    return p;
  }
  int m = mine();
  if (m && alloc_fails("realloc"))
    return NULL;
  int was = untrack(old);
  void *p = real_realloc(old, n);
  if (p && (m || was))
    track(p);
  else if (!p && was && n > 0)
    track(old); /* it failed: old is still there */
  return p;
}

void free(void *p) {
  if (!p || in_arena(p))
    return;
  if (!resolve_alloc())
    return; /* cannot happen: nothing was allocated yet */
  untrack(p);
  real_free(p);
}

/* ---- OpenCL ----
 * INT_FN: returns cl_int. OBJ_FN: returns an object, error in errp.
 * EV: the function's event out-parameter (a new event on success). */

#define INT_FN(name, params, args, ev)                                         \
  CL_API_ENTRY cl_int CL_API_CALL name params {                                \
    static __typeof__(&name) real;                                             \
    LOAD(real, name);                                                          \
    cl_int code_;                                                              \
    int m_ = mine();                                                           \
    if (inject(#name, &code_))                                                 \
      return code_;                                                            \
    ++depth;                                                                   \
    cl_int r_ = real args;                                                     \
    --depth;                                                                   \
    if (m_ && r_ == CL_SUCCESS && (ev) != NULL)                                \
      atomic_fetch_add(&live_objects, 1);                                      \
    return r_;                                                                 \
  }

#define OBJ_FN(type, name, params, args, errp, ev)                             \
  CL_API_ENTRY type CL_API_CALL name params {                                  \
    static __typeof__(&name) real;                                             \
    LOAD(real, name);                                                          \
    cl_int code_;                                                              \
    int m_ = mine();                                                           \
    if (inject(#name, &code_)) {                                               \
      if (errp)                                                                \
        *(errp) = code_;                                                       \
      return NULL;                                                             \
    }                                                                          \
    ++depth;                                                                   \
    type r_ = real args;                                                       \
    --depth;                                                                   \
    if (m_ && r_)                                                              \
      atomic_fetch_add(&live_objects, 1 + ((ev) != NULL));                     \
    return r_;                                                                 \
  }

/* Retains count a reference; releases give one back (never failed). */
#define RETAIN_FN(name, type)                                                  \
  CL_API_ENTRY cl_int CL_API_CALL name(type obj) {                             \
    static __typeof__(&name) real;                                             \
    LOAD(real, name);                                                          \
    cl_int code_;                                                              \
    int m_ = mine();                                                           \
    if (inject(#name, &code_))                                                 \
      return code_;                                                            \
    ++depth;                                                                   \
    cl_int r_ = real(obj);                                                     \
    --depth;                                                                   \
    if (m_ && r_ == CL_SUCCESS)                                                \
      atomic_fetch_add(&live_objects, 1);                                      \
    return r_;                                                                 \
  }
#define RELEASE_FN(name, type)                                                 \
  CL_API_ENTRY cl_int CL_API_CALL name(type obj) {                             \
    static __typeof__(&name) real;                                             \
    LOAD(real, name);                                                          \
    int m_ = mine();                                                           \
    ++depth;                                                                   \
    cl_int r_ = real(obj);                                                     \
    --depth;                                                                   \
    if (m_ && r_ == CL_SUCCESS)                                                \
      atomic_fetch_sub(&live_objects, 1);                                      \
    return r_;                                                                 \
  }

#define NO_EVENT ((cl_event *)NULL)
#define NO_ERR ((cl_int *)NULL)

INT_FN(clGetPlatformIDs, (cl_uint n, cl_platform_id *p, cl_uint *np),
       (n, p, np), NO_EVENT)
INT_FN(clGetPlatformInfo,
       (cl_platform_id p, cl_platform_info i, size_t s, void *v, size_t *r),
       (p, i, s, v, r), NO_EVENT)
INT_FN(clGetDeviceIDs,
       (cl_platform_id p, cl_device_type t, cl_uint n, cl_device_id *d,
        cl_uint *nd),
       (p, t, n, d, nd), NO_EVENT)
INT_FN(clGetDeviceInfo,
       (cl_device_id d, cl_device_info i, size_t s, void *v, size_t *r),
       (d, i, s, v, r), NO_EVENT)
OBJ_FN(cl_context, clCreateContext,
       (const cl_context_properties *props, cl_uint n, const cl_device_id *d,
        void(CL_CALLBACK *notify)(const char *, const void *, size_t, void *),
        void *user, cl_int *err),
       (props, n, d, notify, user, err), err, NO_EVENT)
RETAIN_FN(clRetainContext, cl_context)
RELEASE_FN(clReleaseContext, cl_context)
OBJ_FN(cl_command_queue, clCreateCommandQueue,
       (cl_context c, cl_device_id d, cl_command_queue_properties p,
        cl_int *err),
       (c, d, p, err), err, NO_EVENT)
RETAIN_FN(clRetainCommandQueue, cl_command_queue)
RELEASE_FN(clReleaseCommandQueue, cl_command_queue)
INT_FN(clGetCommandQueueInfo,
       (cl_command_queue q, cl_command_queue_info i, size_t s, void *v,
        size_t *r),
       (q, i, s, v, r), NO_EVENT)
OBJ_FN(cl_program, clCreateProgramWithSource,
       (cl_context c, cl_uint n, const char **s, const size_t *l, cl_int *err),
       (c, n, s, l, err), err, NO_EVENT)
OBJ_FN(cl_program, clCreateProgramWithBinary,
       (cl_context c, cl_uint n, const cl_device_id *d, const size_t *l,
        const unsigned char **b, cl_int *st, cl_int *err),
       (c, n, d, l, b, st, err), err, NO_EVENT)
INT_FN(clBuildProgram,
       (cl_program p, cl_uint n, const cl_device_id *d, const char *o,
        void(CL_CALLBACK *notify)(cl_program, void *), void *user),
       (p, n, d, o, notify, user), NO_EVENT)
INT_FN(clGetProgramInfo,
       (cl_program p, cl_program_info i, size_t s, void *v, size_t *r),
       (p, i, s, v, r), NO_EVENT)
INT_FN(clGetProgramBuildInfo,
       (cl_program p, cl_device_id d, cl_program_build_info i, size_t s,
        void *v, size_t *r),
       (p, d, i, s, v, r), NO_EVENT)
RELEASE_FN(clReleaseProgram, cl_program)
OBJ_FN(cl_kernel, clCreateKernel, (cl_program p, const char *n, cl_int *err),
       (p, n, err), err, NO_EVENT)
RELEASE_FN(clReleaseKernel, cl_kernel)
INT_FN(clGetKernelWorkGroupInfo,
       (cl_kernel k, cl_device_id d, cl_kernel_work_group_info i, size_t s,
        void *v, size_t *r),
       (k, d, i, s, v, r), NO_EVENT)
INT_FN(clSetKernelArg, (cl_kernel k, cl_uint i, size_t s, const void *v),
       (k, i, s, v), NO_EVENT)
OBJ_FN(cl_mem, clCreateBuffer,
       (cl_context c, cl_mem_flags f, size_t s, void *h, cl_int *err),
       (c, f, s, h, err), err, NO_EVENT)
OBJ_FN(cl_mem, clCreateSubBuffer,
       (cl_mem b, cl_mem_flags f, cl_buffer_create_type t, const void *i,
        cl_int *err),
       (b, f, t, i, err), err, NO_EVENT)
RETAIN_FN(clRetainMemObject, cl_mem)
RELEASE_FN(clReleaseMemObject, cl_mem)
INT_FN(clGetMemObjectInfo,
       (cl_mem m, cl_mem_info i, size_t s, void *v, size_t *r), (m, i, s, v, r),
       NO_EVENT)
INT_FN(clEnqueueNDRangeKernel,
       (cl_command_queue q, cl_kernel k, cl_uint dim, const size_t *off,
        const size_t *g, const size_t *l, cl_uint nw, const cl_event *w,
        cl_event *e),
       (q, k, dim, off, g, l, nw, w, e), e)
INT_FN(clEnqueueReadBuffer,
       (cl_command_queue q, cl_mem b, cl_bool blk, size_t off, size_t s,
        void *p, cl_uint nw, const cl_event *w, cl_event *e),
       (q, b, blk, off, s, p, nw, w, e), e)
INT_FN(clEnqueueWriteBuffer,
       (cl_command_queue q, cl_mem b, cl_bool blk, size_t off, size_t s,
        const void *p, cl_uint nw, const cl_event *w, cl_event *e),
       (q, b, blk, off, s, p, nw, w, e), e)
INT_FN(clEnqueueFillBuffer,
       (cl_command_queue q, cl_mem b, const void *pat, size_t ps, size_t off,
        size_t s, cl_uint nw, const cl_event *w, cl_event *e),
       (q, b, pat, ps, off, s, nw, w, e), e)
INT_FN(clEnqueueUnmapMemObject,
       (cl_command_queue q, cl_mem m, void *p, cl_uint nw, const cl_event *w,
        cl_event *e),
       (q, m, p, nw, w, e), e)
INT_FN(clEnqueueMarkerWithWaitList,
       (cl_command_queue q, cl_uint nw, const cl_event *w, cl_event *e),
       (q, nw, w, e), e)
INT_FN(clEnqueueBarrierWithWaitList,
       (cl_command_queue q, cl_uint nw, const cl_event *w, cl_event *e),
       (q, nw, w, e), e)
INT_FN(clWaitForEvents, (cl_uint n, const cl_event *e), (n, e), NO_EVENT)
INT_FN(clGetEventInfo,
       (cl_event ev, cl_event_info i, size_t s, void *v, size_t *r),
       (ev, i, s, v, r), NO_EVENT)
RETAIN_FN(clRetainEvent, cl_event)
RELEASE_FN(clReleaseEvent, cl_event)
INT_FN(clFinish, (cl_command_queue q), (q), NO_EVENT)
INT_FN(clFlush, (cl_command_queue q), (q), NO_EVENT)

/* A mapping returns the mapped pointer, not an object. */
CL_API_ENTRY void *CL_API_CALL clEnqueueMapBuffer(cl_command_queue q, cl_mem b,
                                                  cl_bool blk, cl_map_flags f,
                                                  size_t off, size_t s,
                                                  cl_uint nw, const cl_event *w,
                                                  cl_event *e, cl_int *err) {
  static __typeof__(&clEnqueueMapBuffer) real;
  LOAD(real, clEnqueueMapBuffer);
  cl_int code;
  int m = mine();
  if (inject("clEnqueueMapBuffer", &code)) {
    if (err)
      *err = code;
    return NULL;
  }
  ++depth;
  cl_int r_err = CL_SUCCESS;
  void *r = real(q, b, blk, f, off, s, nw, w, e, &r_err);
  --depth;
  if (err)
    *err = r_err;
  if (m && r_err == CL_SUCCESS && e)
    atomic_fetch_add(&live_objects, 1);
  return r;
}
