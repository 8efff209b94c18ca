/* Buffers: device memory, wraps of the caller's cl_mem, views, copies. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>

size_t clrelu__dtype_size(clrelu_dtype dtype) {
  switch (dtype) {
  case CLRELU_F32:
    return 4;
  case CLRELU_F16:
  case CLRELU_BF16:
    return 2;
  case CLRELU_MASK:
    break;
  }
  return 0;
}

static int dtype_valid(clrelu_dtype dtype) {
  return clrelu__dtype_size(dtype) > 0 || dtype == CLRELU_MASK;
}

size_t clrelu__bytes(clrelu_dtype dtype, size_t count) {
  return dtype == CLRELU_MASK ? count / 32 * 4 + (count % 32 ? 4 : 0)
                              : count * clrelu__dtype_size(dtype);
}

size_t clrelu__byte_at(clrelu_dtype dtype, size_t i) {
  return dtype == CLRELU_MASK ? i / 8 : i * clrelu__dtype_size(dtype);
}

/* The largest count of dtype whose bytes fit in size_t. */
static size_t max_count(clrelu_dtype dtype) {
  return dtype == CLRELU_MASK ? SIZE_MAX : SIZE_MAX / clrelu__dtype_size(dtype);
}

/* A mask's offsets are multiples of 32 bits. */
static clrelu_status check_mask_offset(const char *fn, clrelu_dtype dtype,
                                       size_t offset) {
  if (dtype == CLRELU_MASK && offset % 32)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: a mask's offset is in bits and must be a "
                        "multiple of 32; it is %zu",
                        fn, offset);
  return CLRELU_SUCCESS;
}

static clrelu_status buffer_new(clrelu_context *ctx, cl_mem mem, size_t offset,
                                size_t count, clrelu_dtype dtype, cl_mem root,
                                size_t root_byte, clrelu_buffer **out) {
  clrelu_buffer *b = malloc(sizeof *b);
  if (!b)
    return clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "out of host memory");
  b->ctx = ctx;
  b->mem = mem;
  b->offset = offset;
  b->count = count;
  b->dtype = dtype;
  b->root = root;
  b->root_byte = root_byte;
  atomic_fetch_add(&ctx->refs, 1);
  *out = b;
  return CLRELU_SUCCESS;
}

clrelu_status clrelu_buffer_create(clrelu_context *ctx, clrelu_dtype dtype,
                                   size_t count, clrelu_buffer **out) {
  if (out)
    *out = NULL;
  if (!ctx || !out)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_buffer_create: %s is NULL",
                        !ctx ? "ctx" : "out");
  if (!dtype_valid(dtype))
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_buffer_create: dtype %d is not a clrelu_dtype",
                        (int)dtype);
  if (count == 0)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_buffer_create: count is 0");
  if (count > max_count(dtype) || clrelu__bytes(dtype, count) > ctx->max_alloc)
    return clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY,
                        "clrelu_buffer_create: %zu elements of dtype %d "
                        "exceed the device's largest allocation "
                        "(CL_DEVICE_MAX_MEM_ALLOC_SIZE = %llu bytes)",
                        count, (int)dtype, (unsigned long long)ctx->max_alloc);
  cl_int err;
  cl_mem mem = clCreateBuffer(ctx->context, CL_MEM_READ_WRITE,
                              clrelu__bytes(dtype, count), NULL, &err);
  if (!mem)
    return clrelu__cl_fail(err, "clrelu_buffer_create: clCreateBuffer");
  clrelu_status st = buffer_new(ctx, mem, 0, count, dtype, mem, 0, out);
  if (st != CLRELU_SUCCESS)
    clReleaseMemObject(mem);
  return st;
}

clrelu_status clrelu_buffer_wrap(clrelu_context *ctx, cl_mem mem,
                                 clrelu_dtype dtype, size_t count,
                                 clrelu_buffer **out) {
  if (out)
    *out = NULL;
  if (!ctx || !mem || !out)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_buffer_wrap: %s is NULL",
                        !ctx   ? "ctx"
                        : !mem ? "mem"
                               : "out");
  if (!dtype_valid(dtype))
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_buffer_wrap: dtype %d is not a clrelu_dtype",
                        (int)dtype);
  if (count == 0)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_buffer_wrap: count is 0");
  cl_mem_object_type type = 0;
  cl_int err = clGetMemObjectInfo(mem, CL_MEM_TYPE, sizeof type, &type, NULL);
  if (err != CL_SUCCESS && err != CL_INVALID_MEM_OBJECT)
    return clrelu__cl_fail(err, "clrelu_buffer_wrap: clGetMemObjectInfo");
  if (err != CL_SUCCESS || type != CL_MEM_OBJECT_BUFFER)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_buffer_wrap: mem is not a valid buffer (%s)",
                        err != CL_SUCCESS ? clrelu__cl_name(err)
                                          : "an image or pipe");
  cl_context mctx = NULL;
  size_t size = 0, moff = 0;
  cl_mem parent = NULL;
  err = clGetMemObjectInfo(mem, CL_MEM_CONTEXT, sizeof mctx, &mctx, NULL);
  if (err == CL_SUCCESS)
    err = clGetMemObjectInfo(mem, CL_MEM_SIZE, sizeof size, &size, NULL);
  if (err == CL_SUCCESS)
    err = clGetMemObjectInfo(mem, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof parent,
                             &parent, NULL);
  if (err == CL_SUCCESS && parent)
    err = clGetMemObjectInfo(mem, CL_MEM_OFFSET, sizeof moff, &moff, NULL);
  if (err != CL_SUCCESS)
    return clrelu__cl_fail(err, "clrelu_buffer_wrap: clGetMemObjectInfo");
  if (mctx != ctx->context)
    return clrelu__fail(CLRELU_ERROR_CONTEXT_MISMATCH,
                        "clrelu_buffer_wrap: mem belongs to another OpenCL "
                        "context than ctx");
  if (count > max_count(dtype) || clrelu__bytes(dtype, count) > size)
    return clrelu__fail(CLRELU_ERROR_OUT_OF_RANGE,
                        "clrelu_buffer_wrap: mem holds %zu bytes, fewer than "
                        "%zu elements of dtype %d",
                        size, count, (int)dtype);
  err = clRetainMemObject(mem);
  if (err != CL_SUCCESS)
    return clrelu__cl_fail(err, "clrelu_buffer_wrap: clRetainMemObject");
  clrelu_status st = buffer_new(ctx, mem, 0, count, dtype,
                                parent ? parent : mem, parent ? moff : 0, out);
  if (st != CLRELU_SUCCESS)
    clReleaseMemObject(mem);
  return st;
}

clrelu_status clrelu_buffer_view(clrelu_buffer *parent, size_t offset,
                                 size_t count, clrelu_buffer **out) {
  if (out)
    *out = NULL;
  if (!parent || !out)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_buffer_view: %s is NULL",
                        !parent ? "parent" : "out");
  if (count == 0)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_buffer_view: count is 0");
  clrelu_status st =
      check_mask_offset("clrelu_buffer_view", parent->dtype, offset);
  if (st != CLRELU_SUCCESS)
    return st;
  if (offset > parent->count || count > parent->count - offset)
    return clrelu__fail(CLRELU_ERROR_OUT_OF_RANGE,
                        "clrelu_buffer_view: elements [%zu, %zu + %zu) do not "
                        "fit in a parent of %zu",
                        offset, offset, count, parent->count);
  cl_int err = clRetainMemObject(parent->mem);
  if (err != CL_SUCCESS)
    return clrelu__cl_fail(err, "clrelu_buffer_view: clRetainMemObject");
  st = buffer_new(parent->ctx, parent->mem, parent->offset + offset, count,
                  parent->dtype, parent->root,
                  parent->root_byte + clrelu__byte_at(parent->dtype, offset),
                  out);
  if (st != CLRELU_SUCCESS)
    clReleaseMemObject(parent->mem);
  return st;
}

void clrelu_buffer_destroy(clrelu_buffer *buf) {
  if (!buf)
    return;
  clReleaseMemObject(buf->mem);
  clrelu__context_release(buf->ctx);
  free(buf);
}

size_t clrelu_buffer_count(const clrelu_buffer *buf) {
  return buf ? buf->count : 0;
}

clrelu_dtype clrelu_buffer_dtype(const clrelu_buffer *buf) {
  return buf ? buf->dtype : CLRELU_F32;
}

cl_mem clrelu_buffer_mem(const clrelu_buffer *buf, size_t *offset) {
  if (offset)
    *offset = buf ? buf->offset : 0;
  return buf ? buf->mem : NULL;
}

/* ---- blocking copies ---- */

typedef struct copy_args {
  const clrelu_buffer *buf;
  size_t byte_off, bytes;
  const void *src; /* a write's source, or NULL for a read */
  void *dst;       /* a read's destination */
} copy_args;

static cl_int do_copy(clrelu_context *ctx, void *user, cl_uint nwait,
                      const cl_event *wait, cl_event *ev) {
  const copy_args *c = user;
  /* Non-blocking with an event, waited on outside the context's lock. */
  if (c->src)
    return clEnqueueWriteBuffer(ctx->queue, c->buf->mem, CL_FALSE, c->byte_off,
                                c->bytes, c->src, nwait, wait, ev);
  return clEnqueueReadBuffer(ctx->queue, c->buf->mem, CL_FALSE, c->byte_off,
                             c->bytes, c->dst, nwait, wait, ev);
}

/* The wait for a copy failed, but the copy may still be running, on the
 * caller's memory: return only once it has ended, with its own status. */
static cl_int copy_settle(cl_command_queue queue, cl_event done,
                          cl_int wait_err) {
  cl_int finish_err = clFinish(queue);
  cl_int status = CL_QUEUED;
  if (clGetEventInfo(done, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status,
                     &status, NULL) != CL_SUCCESS)
    return wait_err;
  if (status < 0)
    return status; /* the copy itself failed */
  if (status == CL_COMPLETE)
    return CL_SUCCESS; /* it finished after all */
  return finish_err != CL_SUCCESS ? finish_err : wait_err;
}

/* A write when write is set (from src), else a read (into dst). */
static clrelu_status copy(const clrelu_buffer *buf, size_t offset, size_t count,
                          const void *src, void *dst, int write) {
  const void *host = write ? src : dst;
  const char *fn = write ? "clrelu_buffer_write" : "clrelu_buffer_read";
  if (!buf)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: buf is NULL", fn);
  if (!host && count > 0)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                        write ? "src" : "dst");
  clrelu_status st = check_mask_offset(fn, buf->dtype, offset);
  if (st != CLRELU_SUCCESS)
    return st;
  if (buf->dtype == CLRELU_MASK && count % 32 &&
      (offset > buf->count || count != buf->count - offset))
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "%s: a mask moves whole words: count (%zu bits) must "
                        "be a multiple of 32 or reach the mask's end",
                        fn, count);
  if (offset > buf->count || count > buf->count - offset)
    return clrelu__fail(CLRELU_ERROR_OUT_OF_RANGE,
                        "%s: elements [%zu, %zu + %zu) exceed the buffer's "
                        "%zu",
                        fn, offset, offset, count, buf->count);
  if (count == 0)
    return CLRELU_SUCCESS;
  copy_args c = {buf, clrelu__byte_at(buf->dtype, buf->offset + offset),
                 clrelu__bytes(buf->dtype, count), write ? src : NULL, dst};
  /* Always with an event, waited for before the copy returns. */
  cl_event done = NULL;
  clrelu_events ev = {0, NULL, &done};
  cl_int err = clrelu__enqueue(buf->ctx, do_copy, &c, &ev);
  if (err == CL_SUCCESS) {
    err = clWaitForEvents(1, &done);
    if (err != CL_SUCCESS)
      err = copy_settle(buf->ctx->queue, done, err);
  }
  if (done)
    clReleaseEvent(done);
  if (err != CL_SUCCESS)
    return clrelu__cl_fail(err, write ? "clrelu_buffer_write"
                                      : "clrelu_buffer_read");
  return CLRELU_SUCCESS;
}

clrelu_status clrelu_buffer_write(clrelu_buffer *buf, size_t offset,
                                  size_t count, const void *src) {
  return copy(buf, offset, count, src, NULL, 1);
}

clrelu_status clrelu_buffer_read(const clrelu_buffer *buf, size_t offset,
                                 size_t count, void *dst) {
  return copy(buf, offset, count, NULL, dst, 0);
}

/* ---- zeros, for the ops that write a result without elements ---- */

typedef struct zero_args {
  const clrelu_buffer *b;
  size_t count;
} zero_args;

static cl_int do_zero(clrelu_context *ctx, void *user, cl_uint nwait,
                      const cl_event *wait, cl_event *event) {
  const zero_args *z = user;
  const float zero = 0.0f;
  return clEnqueueFillBuffer(ctx->queue, z->b->mem, &zero, sizeof zero,
                             z->b->offset * sizeof zero, z->count * sizeof zero,
                             nwait, wait, event);
}

cl_int clrelu__fill_zeros(const clrelu_buffer *b, size_t count,
                          const clrelu_events *ev) {
  zero_args z = {b, count};
  return clrelu__enqueue(b->ctx, do_zero, &z, ev);
}
