/* Host-array ops: the device ops on plain host float arrays, blocking.
 *
 * Two ways to move the data, chosen per call:
 *  - zero-copy, on devices that share host memory
 *    (CL_DEVICE_HOST_UNIFIED_MEMORY, e.g. PoCL): the arrays are wrapped as
 *    CL_MEM_USE_HOST_PTR buffers and the kernel works on them in place. PoCL
 *    uses such a pointer as the buffer's storage whatever its alignment, but
 *    its kernels may assume CL_DEVICE_MEM_BASE_ADDR_ALIGN, so each wrap
 *    starts at the aligned address below the array and the op runs at an
 *    element offset into it. Nothing is copied: the aligned head belongs to
 *    the same page and is neither read nor written. The output is mapped
 *    once afterwards so the host sees it.
 *  - chunked, on discrete GPUs: chunks move through pinned staging buffers
 *    and three device buffers, so the write of chunk k+1, the kernel on
 *    chunk k and the read of chunk k-1 overlap (a queue for writes, one for
 *    reads, the context's queue for kernels, ordered by events).
 *    $CLRELU_HOST_PATH=chunked forces it on any device (for tests);
 *    $CLRELU_HOST_CHUNK sets the chunk in elements.
 * Either way the op is one launch per range (the whole array, or a chunk):
 * the kernels do the elements before the output's first vector boundary
 * apart, so their streaming stores apply to the rest whatever the array's
 * alignment (glibc's malloc returns addresses 16 bytes past a 64-byte
 * boundary), and the bias kernels take where the range starts in the
 * channel pattern, so a chunk may start and end mid-plane or mid-row.
 *
 * clrelu_host_alloc's memory is a CL_MEM_ALLOC_HOST_PTR buffer kept mapped.
 * The host ops find pointers into it in the context's registry: zero-copy
 * runs the kernel on that buffer itself (on unified memory the mapping is
 * the buffer's storage), chunked transfers use it directly for DMA with no
 * staging copy. */
#include "internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One call: the op, its arrays and shape (eltwise: outer = channels = 1,
 * inner = n). */
#define BIAS (-1)
typedef struct host_call {
  const char *fn;
  clrelu_context *ctx;
  int op; /* an elementwise kernel id, or BIAS */
  const float *x, *bias;
  float *y;
  size_t outer, channels, inner, total;
  float alpha;           /* of an elementwise op */
  const clrelu_act *act; /* of BIAS */
  int need_bias;         /* BIAS: a NULL bias is refused (else it is -0.0) */
} host_call;

/* The bias of a bias op called without one: x + -0.0 is x. */
static const float no_bias = -0.0f;

/* Where an array lives on the device for the zero-copy path. */
typedef struct placed {
  cl_mem mem;    /* retained */
  size_t offset; /* of the array's first element, in elements */
} placed;

/* ---- running the op on device buffers ---- */

/* A clrelu_buffer over elements [offset, offset + count) of mem, for the
 * device ops' checks and launches; not counted in the context. */
static clrelu_buffer view_of(clrelu_context *ctx, cl_mem mem, size_t offset,
                             size_t count) {
  clrelu_buffer b = {
      ctx, mem, offset, count, CLRELU_F32, mem, offset * sizeof(float)};
  return b;
}

/* Enqueues the op on flat elements [s, e) in one launch: x and y are
 * device buffers whose element 0 is the op's element base, bias holds
 * channel 0 on. bias_relu starts at s's place in the channel pattern, so
 * the range may start and end anywhere in a plane or row. The command waits
 * for *wait (when not NULL); *done receives its event (NULL when s == e). */
static clrelu_status enqueue_range(const host_call *c, const clrelu_buffer *x,
                                   const clrelu_buffer *bias,
                                   const clrelu_buffer *y, size_t base,
                                   size_t s, size_t e, cl_event *wait,
                                   cl_event *done) {
  clrelu_context *ctx = c->ctx;
  *done = NULL;
  if (s == e)
    return CLRELU_SUCCESS;
  size_t len = e - s;
  clrelu_buffer xv = view_of(ctx, x->mem, x->offset + (s - base), len);
  clrelu_buffer yv = view_of(ctx, y->mem, y->offset + (s - base), len);
  if (x->mem == y->mem && x->offset == y->offset)
    xv = yv; /* in place: the same elements */
  clrelu_events ev = {wait ? 1 : 0, wait, done};
  if (c->op != BIAS) {
    const clrelu_buffer *in[] = {&xv};
    return clrelu__eltwise(ctx, (enum clrelu_kernel_id)c->op, in, &yv, len,
                           c->alpha, &ev);
  }
  return clrelu__bias_launch(ctx, &xv, bias, &yv, len, c->channels, c->inner,
                             s % (c->channels * c->inner), c->act, &ev);
}

/* Waits for ev and turns a failed command into an OpenCL error. */
static cl_int wait_event(cl_event ev) {
  cl_int err = clWaitForEvents(1, &ev);
  cl_int status = 0;
  if (clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status,
                     &status, NULL) == CL_SUCCESS &&
      status < 0)
    err = status;
  return err;
}

/* ---- zero-copy ---- */

typedef struct region {
  const char *base;     /* the wrap's first byte: start, as a pointer */
  uintptr_t start, end; /* wrapped bytes [start, end) */
  int write;
  cl_mem mem;
} region;

/* Wraps the arrays of c (x, bias, y) and places each. On unified memory,
 * arrays in pinned memory use their allocation's buffer (its mapping is its
 * storage); the others get CL_MEM_USE_HOST_PTR wraps from the aligned
 * address below them, one per group of overlapping arrays (OpenCL leaves
 * overlapping wraps undefined). */
static clrelu_status zero_copy_place(const host_call *c, int unified,
                                     placed pl[3], int *fits) {
  clrelu_context *ctx = c->ctx;
  const void *ptrs[3] = {c->x, c->bias, c->y};
  size_t counts[3] = {c->total, c->op == BIAS ? c->channels : 0, c->total};
  size_t align = ctx->mem_align_bits / 8 ? ctx->mem_align_bits / 8 : 128;
  region rg[3];
  int nrg = 0, of[3] = {-1, -1, -1};
  *fits = 1;
  for (int i = 0; i < 3; ++i) {
    pl[i].mem = NULL;
    pl[i].offset = 0;
    if (counts[i] == 0)
      continue;
    size_t bytes = counts[i] * sizeof(float), off = 0;
    cl_mem m = unified ? clrelu__pinned_find(ctx, ptrs[i], bytes, &off) : NULL;
    if (m && off % sizeof(float) == 0) {
      pl[i].mem = m;
      pl[i].offset = off / sizeof(float);
      continue;
    }
    if (m)
      clReleaseMemObject(m);
    uintptr_t p = (uintptr_t)ptrs[i];
    region r = {(const char *)ptrs[i] - p % align, p - p % align, p + bytes,
                i == 2, NULL};
    rg[nrg] = r;
    of[i] = nrg++;
  }
  /* Merge regions that overlap, until none does. */
  for (int a = 0; a < nrg; ++a)
    for (int b = a + 1; b < nrg; ++b)
      if (rg[a].start < rg[b].end && rg[b].start < rg[a].end) {
        if (rg[b].start < rg[a].start) {
          rg[a].start = rg[b].start;
          rg[a].base = rg[b].base;
        }
        rg[a].end = rg[a].end > rg[b].end ? rg[a].end : rg[b].end;
        rg[a].write |= rg[b].write;
        --nrg;
        for (int k = 0; k < 3; ++k) {
          if (of[k] == b)
            of[k] = a;
          else if (of[k] == nrg)
            of[k] = b;
        }
        rg[b] = rg[nrg];
        a = -1; /* start again: the grown region may meet another */
        break;
      }
  for (int j = 0; j < nrg; ++j)
    if (rg[j].end - rg[j].start > ctx->max_alloc)
      *fits = 0;
  clrelu_status st = CLRELU_SUCCESS;
  for (int j = 0; j < nrg && *fits && st == CLRELU_SUCCESS; ++j) {
    cl_int err;
    cl_mem_flags flags = CL_MEM_USE_HOST_PTR |
                         (rg[j].write ? CL_MEM_READ_WRITE : CL_MEM_READ_ONLY);
    /* The device does not write a read-only region: casting away const is
     * what CL_MEM_USE_HOST_PTR's signature asks. */
    rg[j].mem = clCreateBuffer(ctx->context, flags, rg[j].end - rg[j].start,
                               (void *)rg[j].base, &err);
    if (!rg[j].mem)
      st = clrelu__cl_fail(err, "wrapping a host array: clCreateBuffer");
  }
  for (int i = 0; i < 3; ++i)
    if (of[i] >= 0) {
      pl[i].mem = rg[of[i]].mem;
      pl[i].offset = ((uintptr_t)ptrs[i] - rg[of[i]].start) / sizeof(float);
      if (pl[i].mem)
        clRetainMemObject(pl[i].mem);
    }
  for (int j = 0; j < nrg; ++j)
    if (rg[j].mem)
      clReleaseMemObject(rg[j].mem);
  return st;
}

static void placed_release(placed pl[3]) {
  for (int i = 0; i < 3; ++i)
    if (pl[i].mem) {
      clReleaseMemObject(pl[i].mem);
      pl[i].mem = NULL;
    }
}

typedef struct map_args {
  const clrelu_buffer *y;
  size_t count;
  void *ptr;
  cl_event unmapped;
} map_args;

static cl_int do_map(clrelu_context *ctx, void *user, cl_uint nwait,
                     const cl_event *wait, cl_event *event) {
  map_args *m = user;
  cl_int err;
  m->ptr =
      clEnqueueMapBuffer(ctx->queue, m->y->mem, CL_FALSE, CL_MAP_READ,
                         m->y->offset * sizeof(float), m->count * sizeof(float),
                         nwait, wait, event, &err);
  return m->ptr ? CL_SUCCESS : err;
}

static cl_int do_unmap(clrelu_context *ctx, void *user, cl_uint nwait,
                       const cl_event *wait, cl_event *event) {
  map_args *m = user;
  return clEnqueueUnmapMemObject(ctx->queue, m->y->mem, m->ptr, nwait, wait,
                                 event);
}

/* *done: 1 when the op ran; 0 when an array is too large to wrap (the
 * caller then goes chunked). */
static clrelu_status run_zero_copy(const host_call *c, int unified, int *done) {
  clrelu_context *ctx = c->ctx;
  placed pl[3];
  int fits;
  *done = 0;
  clrelu_status st = zero_copy_place(c, unified, pl, &fits);
  if (st != CLRELU_SUCCESS || !fits) {
    placed_release(pl);
    return st;
  }
  cl_command_queue q[2];
  cl_int err = clrelu__host_queues(ctx, q);
  if (err != CL_SUCCESS) {
    placed_release(pl);
    return clrelu__cl_fail(err, "clCreateCommandQueue");
  }
  clrelu_buffer xb = view_of(ctx, pl[0].mem, pl[0].offset, c->total);
  clrelu_buffer yb = view_of(ctx, pl[2].mem, pl[2].offset, c->total);
  clrelu_buffer bb = xb;
  if (c->op == BIAS)
    bb = view_of(ctx, pl[1].mem, pl[1].offset, c->channels);
  /* One launch: the kernels peel the output's unaligned head themselves. */
  cl_event last = NULL;
  st = enqueue_range(c, &xb, &bb, &yb, 0, 0, c->total, NULL, &last);
  if (st == CLRELU_SUCCESS) {
    /* Map the output after the kernels so the host sees it (no copy on a
     * device that shares host memory), then unmap; on the context's queue,
     * in order after the kernels. */
    map_args m = {&yb, c->total, NULL, NULL};
    err = clrelu__enqueue(ctx, do_map, &m, NULL);
    if (err == CL_SUCCESS) {
      clrelu_events ev = {0, NULL, &m.unmapped};
      err = clrelu__enqueue(ctx, do_unmap, &m, &ev);
    }
    if (err == CL_SUCCESS)
      err = wait_event(m.unmapped);
    if (m.unmapped)
      clReleaseEvent(m.unmapped);
    if (err == CL_SUCCESS && last)
      err = wait_event(last);
    if (err != CL_SUCCESS) {
      if (last)
        clWaitForEvents(1, &last);
      st = clrelu__cl_fail(err, "running the op on host arrays");
    }
  } else {
    /* Let what was enqueued finish before the arrays go back. */
    if (last)
      clWaitForEvents(1, &last);
  }
  if (last)
    clReleaseEvent(last);
  placed_release(pl);
  if (st == CLRELU_SUCCESS)
    *done = 1;
  return st;
}

/* ---- chunked ---- */

typedef struct copy_piece {
  char *dst;
  const char *src;
  size_t bytes;
} copy_piece;

static void copy_piece_fn(void *arg, int k, int n) {
  const copy_piece *p = arg;
  size_t per = (p->bytes / (size_t)n + 63) / 64 * 64;
  size_t a = per * (size_t)k;
  if (a >= p->bytes)
    return;
  size_t len = p->bytes - a < per ? p->bytes - a : per;
  memcpy(p->dst + a, p->src + a, len);
}

/* The host side of staging: large copies on every core. */
static void copy_floats(float *dst, const float *src, size_t n) {
  copy_piece p = {(char *)dst, (const char *)src, n * sizeof(float)};
  int cores = clrelu__cores();
  if (p.bytes < ((size_t)1 << 20) || cores < 2)
    memcpy(dst, src, p.bytes);
  else
    clrelu__parallel(copy_piece_fn, &p, cores);
}

typedef struct slot_state {
  cl_event read; /* the chunk's read back, NULL when idle */
  size_t start, len;
} slot_state;

/* Finishes slot s: waits for its read, copies out unless y is pinned. */
static cl_int slot_retire(const host_call *c, clrelu_staging *stg,
                          slot_state *ss, int s, int y_pinned) {
  if (!ss[s].read)
    return CL_SUCCESS;
  cl_int err = wait_event(ss[s].read);
  clReleaseEvent(ss[s].read);
  ss[s].read = NULL;
  if (err == CL_SUCCESS && !y_pinned)
    copy_floats(c->y + ss[s].start, stg->pin_ptr[s], ss[s].len);
  return err;
}

static clrelu_status run_chunked(const host_call *c) {
  clrelu_context *ctx = c->ctx;
  cl_command_queue q[2];
  cl_int err = clrelu__host_queues(ctx, q);
  if (err != CL_SUCCESS)
    return clrelu__cl_fail(err, "clCreateCommandQueue");
  size_t chunk = ctx->settings.host_chunk;
  if (chunk > c->total)
    chunk = c->total;
  if (chunk * sizeof(float) > ctx->max_alloc)
    chunk = (size_t)(ctx->max_alloc / sizeof(float));
  clrelu_staging *stg = NULL;
  clrelu_status st = clrelu__staging_take(ctx, chunk, &stg);
  if (st != CLRELU_SUCCESS || !stg)
    return st;

  /* the bias, whole, on the device */
  cl_mem bias_mem = NULL;
  if (c->op == BIAS) {
    if (c->channels * sizeof(float) > ctx->max_alloc) {
      clrelu__staging_give(ctx, stg);
      return clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY,
                          "%s: the bias (%zu elements) exceeds the device's "
                          "largest allocation",
                          c->fn, c->channels);
    }
    bias_mem =
        clCreateBuffer(ctx->context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                       c->channels * sizeof(float), (void *)c->bias, &err);
    if (!bias_mem) {
      clrelu__staging_give(ctx, stg);
      return clrelu__cl_fail(err, "copying the bias: clCreateBuffer");
    }
  }
  /* Arrays in pinned memory move by DMA straight from and to it. */
  size_t off;
  cl_mem m = clrelu__pinned_find(ctx, c->x, c->total * sizeof(float), &off);
  int x_pinned = m != NULL;
  if (m)
    clReleaseMemObject(m);
  m = clrelu__pinned_find(ctx, c->y, c->total * sizeof(float), &off);
  int y_pinned = m != NULL;
  if (m)
    clReleaseMemObject(m);

  slot_state ss[CLRELU_SLOTS] = {{NULL, 0, 0}};
  size_t nchunks = (c->total + chunk - 1) / chunk;
  for (size_t k = 0; k < nchunks && st == CLRELU_SUCCESS; ++k) {
    int s = (int)(k % CLRELU_SLOTS);
    err = slot_retire(c, stg, ss, s, y_pinned);
    if (err != CL_SUCCESS) {
      st = clrelu__cl_fail(err, "running the op on host arrays");
      break;
    }
    size_t start = k * chunk;
    size_t len = c->total - start < chunk ? c->total - start : chunk;
    const float *src = c->x + start;
    if (!x_pinned) {
      copy_floats(stg->pin_ptr[s], src, len);
      src = stg->pin_ptr[s];
    }
    cl_event written = NULL, ran = NULL;
    err = clEnqueueWriteBuffer(q[0], stg->dev[s], CL_FALSE, 0,
                               len * sizeof(float), src, 0, NULL, &written);
    if (err != CL_SUCCESS) {
      st = clrelu__cl_fail(err, "clEnqueueWriteBuffer");
      break;
    }
    clFlush(q[0]);
    /* the kernels, in place on the device */
    clrelu_buffer dv = view_of(ctx, stg->dev[s], 0, len);
    clrelu_buffer bv = view_of(ctx, bias_mem ? bias_mem : stg->dev[s], 0,
                               bias_mem ? c->channels : len);
    st = enqueue_range(c, &dv, &bv, &dv, start, start, start + len, &written,
                       &ran);
    clReleaseEvent(written);
    if (st != CLRELU_SUCCESS)
      break;
    void *dst = y_pinned ? (void *)(c->y + start) : (void *)stg->pin_ptr[s];
    err = clEnqueueReadBuffer(q[1], stg->dev[s], CL_FALSE, 0,
                              len * sizeof(float), dst, 1, &ran, &ss[s].read);
    clReleaseEvent(ran);
    if (err != CL_SUCCESS) {
      ss[s].read = NULL;
      st = clrelu__cl_fail(err, "clEnqueueReadBuffer");
      break;
    }
    ss[s].start = start;
    ss[s].len = len;
    clFlush(ctx->queue);
    clFlush(q[1]);
  }
  /* Drain in order; after a failure, only wait. */
  for (size_t k = nchunks; k < nchunks + CLRELU_SLOTS; ++k) {
    int s = (int)(k % CLRELU_SLOTS);
    if (st == CLRELU_SUCCESS) {
      err = slot_retire(c, stg, ss, s, y_pinned);
      if (err != CL_SUCCESS)
        st = clrelu__cl_fail(err, "running the op on host arrays");
    } else if (ss[s].read) {
      clWaitForEvents(1, &ss[s].read);
      clReleaseEvent(ss[s].read);
      ss[s].read = NULL;
    }
  }
  if (st != CLRELU_SUCCESS) {
    clFinish(q[0]);
    clFinish(ctx->queue);
    clFinish(q[1]);
  }
  if (bias_mem)
    clReleaseMemObject(bias_mem);
  clrelu__staging_give(ctx, stg);
  return st;
}

/* ---- entry points ---- */

/* Whether [a, a + na) and [b, b + nb) (floats) share bytes. */
static int floats_overlap(const float *a, size_t na, const float *b,
                          size_t nb) {
  return clrelu__ranges_overlap((uintptr_t)a, na * sizeof *a, (uintptr_t)b,
                                nb * sizeof *b);
}
/* The context's host path ($CLRELU_HOST_PATH or clrelu_options.host_path):
 * auto is zero-copy on unified memory. */
static clrelu_status host_path(const host_call *c, int *chunked, int *unified) {
  cl_bool u = CL_FALSE;
  cl_int err = clGetDeviceInfo(c->ctx->device, CL_DEVICE_HOST_UNIFIED_MEMORY,
                               sizeof u, &u, NULL);
  *unified = err == CL_SUCCESS && u;
  *chunked = !*unified;
  const clrelu_settings *s = &c->ctx->settings;
  if (s->host_path == CLRELU_PATH_CHUNKED)
    *chunked = 1;
  else if (s->host_path == CLRELU_PATH_ZERO_COPY)
    *chunked = 0;
  else if (s->host_path == CLRELU_PATH_BAD)
    return clrelu__bad_host_path(c->fn, "CLRELU_HOST_PATH", s->bad_host_path);
  return CLRELU_SUCCESS;
}

/* The checks in the documented order, then the chosen path. */
static clrelu_status host_run(host_call *c) {
  if (!c->ctx)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: ctx is NULL",
                        c->fn);
  int empty = c->outer == 0 || c->channels == 0 || c->inner == 0;
  if (!empty) {
    if (!c->x)
      return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: x is NULL",
                          c->fn);
    if (c->op == BIAS && !c->bias && c->need_bias)
      return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: bias is NULL",
                          c->fn);
    if (!c->y)
      return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: y is NULL",
                          c->fn);
  }
  clrelu_status st =
      c->op == BIAS
          ? clrelu__check_act(c->fn, c->act)
          : clrelu__check_param(c->fn, clrelu__op_info[c->op].param, c->alpha);
  if (st != CLRELU_SUCCESS)
    return st;
  if (empty)
    return CLRELU_SUCCESS;
  st = clrelu__check_shape(c->fn, c->outer, c->channels, c->inner,
                           sizeof(float), &c->total);
  if (st != CLRELU_SUCCESS)
    return st;
  if (c->op == BIAS && !c->bias) { /* one bias of -0.0 for everything */
    c->bias = &no_bias;
    c->outer = 1;
    c->channels = 1;
    c->inner = c->total;
  }
  if (c->x != c->y && floats_overlap(c->x, c->total, c->y, c->total))
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: y partly overlaps x (in place needs y == x)",
                        c->fn);
  if (c->op == BIAS && floats_overlap(c->bias, c->channels, c->y, c->total))
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: y overlaps bias",
                        c->fn);
  int chunked = 1, unified = 0;
  st = host_path(c, &chunked, &unified);
  if (st != CLRELU_SUCCESS)
    return st;
  /* Pointers not aligned for a float cannot be wrapped; copies can. */
  int ok_align = (uintptr_t)c->x % sizeof(float) == 0 &&
                 (uintptr_t)c->y % sizeof(float) == 0 &&
                 (c->op != BIAS || (uintptr_t)c->bias % sizeof(float) == 0);
  if (!chunked && ok_align) {
    int done;
    st = run_zero_copy(c, unified, &done);
    if (st != CLRELU_SUCCESS || done)
      return st;
  }
  return run_chunked(c);
}

clrelu_status clrelu_host_relu(clrelu_context *ctx, const float *x, float *y,
                               size_t n) {
  host_call c = {.fn = "clrelu_host_relu",
                 .ctx = ctx,
                 .op = K_RELU,
                 .x = x,
                 .y = y,
                 .outer = 1,
                 .channels = 1,
                 .inner = n};
  return host_run(&c);
}

clrelu_status clrelu_host_leaky_relu(clrelu_context *ctx, const float *x,
                                     float *y, size_t n, float alpha) {
  host_call c = {.fn = "clrelu_host_leaky_relu",
                 .ctx = ctx,
                 .op = K_LEAKY_RELU,
                 .x = x,
                 .y = y,
                 .outer = 1,
                 .channels = 1,
                 .inner = n,
                 .alpha = alpha};
  return host_run(&c);
}

/* Bias + act (bias NULL: refused when need_bias, else -0.0). */
static clrelu_status host_bias(const char *fn, clrelu_context *ctx,
                               const float *x, const float *bias, float *y,
                               size_t outer, size_t channels, size_t inner,
                               const clrelu_act *act, int need_bias) {
  host_call c = {.fn = fn,
                 .ctx = ctx,
                 .op = BIAS,
                 .x = x,
                 .bias = bias,
                 .y = y,
                 .outer = outer,
                 .channels = channels,
                 .inner = inner,
                 .act = act,
                 .need_bias = need_bias};
  return host_run(&c);
}

clrelu_status clrelu_host_bias_relu(clrelu_context *ctx, const float *x,
                                    const float *bias, float *y, size_t outer,
                                    size_t channels, size_t inner,
                                    float alpha) {
  const clrelu_act act = clrelu__act_of_alpha(alpha);
  return host_bias("clrelu_host_bias_relu", ctx, x, bias, y, outer, channels,
                   inner, &act, 1);
}

clrelu_status clrelu_host_bias_act(clrelu_context *ctx, const float *x,
                                   const float *bias, float *y, size_t outer,
                                   size_t channels, size_t inner,
                                   const clrelu_act *act) {
  return host_bias("clrelu_host_bias_act", ctx, x, bias, y, outer, channels,
                   inner, act, 0);
}
