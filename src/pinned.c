/* Pinned host memory for the host-array ops (host.c): the registry of
 * clrelu_host_alloc's allocations, the two in-order queues that move host
 * arrays, and one cached set of staging buffers for the chunked path. All of
 * it is this file's state in the context (CLRELU_LAYER_HOST), made on first
 * use and freed through host_release when the context goes. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct pinned {
  cl_mem mem;
  char *ptr;
  size_t bytes;
} pinned;

/* Under the context's lock. */
typedef struct host_state {
  pinned *pinned; /* clrelu_host_alloc's allocations */
  size_t npinned, pinned_cap;
  cl_command_queue queues[2]; /* writes, reads; made on first use */
  clrelu_staging *staging;    /* the cached set, or NULL */
} host_state;

static void staging_free(cl_command_queue q, clrelu_staging *s);

static void host_release(clrelu_context *ctx, void *state) {
  host_state *h = state;
  (void)ctx;
  /* Pinned allocations hold a reference: none is left by now. */
  free(h->pinned);
  staging_free(h->queues[0], h->staging);
  for (int i = 0; i < 2; ++i)
    if (h->queues[i])
      clReleaseCommandQueue(h->queues[i]);
  free(h);
}

/* The context's host state, made on first use; NULL when out of memory.
 * Called with the context's lock held. */
static host_state *state_of(clrelu_context *ctx) {
  clrelu_layer_state *l = &ctx->layers[CLRELU_LAYER_HOST];
  if (!l->state) {
    host_state *h = calloc(1, sizeof *h);
    if (!h)
      return NULL;
    *l = (clrelu_layer_state){h, host_release};
  }
  return l->state;
}

/* ---- the registry of pinned allocations ---- */

cl_mem clrelu__pinned_find(clrelu_context *ctx, const void *p, size_t bytes,
                           size_t *offset) {
  cl_mem found = NULL;
  uintptr_t a = (uintptr_t)p;
  pthread_mutex_lock(&ctx->lock);
  const host_state *h = ctx->layers[CLRELU_LAYER_HOST].state;
  for (size_t i = 0; h && i < h->npinned; ++i) {
    const pinned *e = &h->pinned[i];
    uintptr_t b = (uintptr_t)e->ptr;
    if (a >= b && a - b <= e->bytes && bytes <= e->bytes - (a - b)) {
      found = e->mem;
      *offset = a - b;
      clRetainMemObject(found);
      break;
    }
  }
  pthread_mutex_unlock(&ctx->lock);
  return found;
}

cl_int clrelu__host_queues(clrelu_context *ctx, cl_command_queue q[2]) {
  cl_int err = CL_SUCCESS;
  pthread_mutex_lock(&ctx->lock);
  host_state *h = state_of(ctx);
  if (!h)
    err = CL_OUT_OF_HOST_MEMORY;
  for (int i = 0; i < 2 && err == CL_SUCCESS; ++i)
    if (!h->queues[i])
      h->queues[i] = clCreateCommandQueue(ctx->context, ctx->device, 0, &err);
  q[0] = h ? h->queues[0] : NULL;
  q[1] = h ? h->queues[1] : NULL;
  pthread_mutex_unlock(&ctx->lock);
  return err;
}

/* Adds e to the registry; 0 when out of memory. */
static int registry_add(clrelu_context *ctx, pinned e) {
  pthread_mutex_lock(&ctx->lock);
  host_state *h = state_of(ctx); /* made by clrelu__host_queues already */
  if (h && h->npinned == h->pinned_cap) {
    size_t cap = h->pinned_cap ? 2 * h->pinned_cap : 8;
    pinned *grown = realloc(h->pinned, cap * sizeof *h->pinned);
    if (grown) {
      h->pinned = grown;
      h->pinned_cap = cap;
    }
  }
  int stored = h && h->npinned < h->pinned_cap;
  if (stored) {
    h->pinned[h->npinned++] = e;
    atomic_fetch_add(&ctx->refs, 1); /* like a buffer, it keeps ctx alive */
  }
  pthread_mutex_unlock(&ctx->lock);
  return stored;
}

void *clrelu_host_alloc(clrelu_context *ctx, size_t bytes) {
  if (!ctx) {
    clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                 "clrelu_host_alloc: ctx is NULL");
    return NULL;
  }
  if (bytes == 0) {
    clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                 "clrelu_host_alloc: bytes is 0");
    return NULL;
  }
  if (bytes > ctx->max_alloc) {
    clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY,
                 "clrelu_host_alloc: %zu bytes exceed the device's largest "
                 "allocation (CL_DEVICE_MAX_MEM_ALLOC_SIZE = %llu bytes)",
                 bytes, (unsigned long long)ctx->max_alloc);
    return NULL;
  }
  cl_command_queue q[2];
  cl_int err = clrelu__host_queues(ctx, q);
  if (err != CL_SUCCESS) {
    clrelu__cl_fail(err, "clrelu_host_alloc: clCreateCommandQueue");
    return NULL;
  }
  cl_mem mem =
      clCreateBuffer(ctx->context, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR,
                     bytes, NULL, &err);
  if (!mem) {
    clrelu__cl_fail(err, "clrelu_host_alloc: clCreateBuffer");
    return NULL;
  }
  void *ptr = clEnqueueMapBuffer(q[0], mem, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE,
                                 0, bytes, 0, NULL, NULL, &err);
  if (!ptr) {
    clReleaseMemObject(mem);
    clrelu__cl_fail(err, "clrelu_host_alloc: clEnqueueMapBuffer");
    return NULL;
  }
  if (!registry_add(ctx, (pinned){mem, ptr, bytes})) {
    clEnqueueUnmapMemObject(q[0], mem, ptr, 0, NULL, NULL);
    clFinish(q[0]);
    clReleaseMemObject(mem);
    clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "out of host memory");
    return NULL;
  }
  return ptr;
}

void clrelu_host_free(clrelu_context *ctx, void *ptr) {
  if (!ctx || !ptr)
    return;
  pinned e = {NULL, NULL, 0};
  cl_command_queue q = NULL;
  pthread_mutex_lock(&ctx->lock);
  host_state *h = ctx->layers[CLRELU_LAYER_HOST].state;
  for (size_t i = 0; h && i < h->npinned; ++i)
    if (h->pinned[i].ptr == ptr) {
      e = h->pinned[i];
      h->pinned[i] = h->pinned[--h->npinned];
      q = h->queues[0];
      break;
    }
  pthread_mutex_unlock(&ctx->lock);
  if (!e.mem)
    return; /* not ours: nothing to do */
  clEnqueueUnmapMemObject(q, e.mem, e.ptr, 0, NULL, NULL);
  clFinish(q);
  clReleaseMemObject(e.mem);
  clrelu__context_release(ctx);
}

/* ---- staging buffers for the chunked path ---- */

/* q: the queue the buffers were mapped on. */
static void staging_free(cl_command_queue q, clrelu_staging *s) {
  if (!s)
    return;
  for (int i = 0; i < CLRELU_SLOTS; ++i) {
    if (s->pin_ptr[i])
      clEnqueueUnmapMemObject(q, s->pin[i], s->pin_ptr[i], 0, NULL, NULL);
  }
  if (q)
    clFinish(q);
  for (int i = 0; i < CLRELU_SLOTS; ++i) {
    if (s->pin[i])
      clReleaseMemObject(s->pin[i]);
    if (s->dev[i])
      clReleaseMemObject(s->dev[i]);
  }
  free(s);
}

clrelu_status clrelu__staging_take(clrelu_context *ctx, size_t chunk,
                                   clrelu_staging **out) {
  cl_command_queue q[2];
  cl_int err = clrelu__host_queues(ctx, q);
  if (err != CL_SUCCESS)
    return clrelu__cl_fail(err, "clCreateCommandQueue");
  pthread_mutex_lock(&ctx->lock);
  host_state *h = ctx->layers[CLRELU_LAYER_HOST].state;
  clrelu_staging *s = h->staging;
  if (s && s->chunk == chunk)
    h->staging = NULL;
  else
    s = NULL;
  pthread_mutex_unlock(&ctx->lock);
  if (s) {
    *out = s;
    return CLRELU_SUCCESS;
  }
  s = calloc(1, sizeof *s);
  if (!s)
    return clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "out of host memory");
  s->chunk = chunk;
  size_t bytes = chunk * sizeof(float);
  const char *what = "clCreateBuffer";
  for (int i = 0; i < CLRELU_SLOTS && err == CL_SUCCESS; ++i) {
    s->dev[i] =
        clCreateBuffer(ctx->context, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (err == CL_SUCCESS)
      s->pin[i] = clCreateBuffer(ctx->context,
                                 CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR,
                                 bytes, NULL, &err);
    if (err == CL_SUCCESS) {
      what = "clEnqueueMapBuffer";
      s->pin_ptr[i] = clEnqueueMapBuffer(q[0], s->pin[i], CL_TRUE,
                                         CL_MAP_READ | CL_MAP_WRITE, 0, bytes,
                                         0, NULL, NULL, &err);
    }
  }
  if (err != CL_SUCCESS) {
    staging_free(q[0], s);
    char msg[96];
    snprintf(msg, sizeof msg, "staging buffers: %s", what);
    return clrelu__cl_fail(err, msg);
  }
  *out = s;
  return CLRELU_SUCCESS;
}

void clrelu__staging_give(clrelu_context *ctx, clrelu_staging *s) {
  pthread_mutex_lock(&ctx->lock);
  host_state *h = ctx->layers[CLRELU_LAYER_HOST].state;
  clrelu_staging *old = h->staging;
  h->staging = s;
  cl_command_queue q = h->queues[0];
  pthread_mutex_unlock(&ctx->lock);
  staging_free(q, old);
}
