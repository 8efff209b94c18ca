/* The OpenCL side of clrelu-bench: a clrelu context with its buffers, the
 * op paths, and the bench's own reference kernels (a bias-add for the
 * two-pass composition, a trivial kernel for the bare launch cost). */
#ifndef CLRELU_BENCH_DEVICE_H
#define CLRELU_BENCH_DEVICE_H

#include "bench.h"

typedef struct bench_device bench_device;

/* Creates and destroys a context twice on spec; build_ms gets
 * clrelu_context_build_ms of each, create_ms the whole create call.
 * Returns 0, or -1 after printing why. */
int bdev_context_times(const char *spec, double build_ms[2],
                       double create_ms[2]);

/* A context on spec with, for each dtype selected in dtypes[], buffers x,
 * dy, y of cap elements and bias of bias_cap, and the bench's own kernels.
 * Returns 0, or -1 after printing why (*out is NULL then). */
int bdev_create(bench_device **out, const char *spec, size_t cap,
                size_t bias_cap, const int dtypes[BENCH_NDTYPES]);
void bdev_destroy(bench_device *d);
clrelu_context *bdev_context(const bench_device *d);
/* Whether the context's device is a GPU (CL_DEVICE_TYPE_GPU). */
int bdev_is_gpu(const bench_device *d);

/* Copies the inputs of dtype to the device: n elements of x and dy, nb of
 * bias (float, or uint16_t bit patterns for 16-bit dtypes). */
int bdev_upload(bench_device *d, clrelu_dtype dtype, const void *x,
                const void *dy, const void *bias, size_t n, size_t nb);

/* Device-resident: the op's _ev form, then clrelu_finish. kernel_s is the
 * op's profiled START..END, call_s the host time of enqueue + finish. */
int bdev_resident(bench_device *d, const op_shape *s, double *kernel_s,
                  double *call_s);
/* End to end from host arrays of s->dtype: write the inputs, run the op,
 * read y. */
int bdev_e2e(bench_device *d, const op_shape *s, const void *hx,
             const void *hdy, void *hy, double *call_s);
/* The two-pass composition of bias_relu (float32 only): the bench's
 * bias-add kernel into
 * y, then clrelu_relu_ev in place (leaky when alpha != 0). kernel_s spans
 * the first kernel's START to the second's END; add_s is the bias-add
 * kernel's own START..END. */
int bdev_two_pass(bench_device *d, const op_shape *s, double *kernel_s,
                  double *call_s, double *add_s);
/* clEnqueueCopyBuffer of n floats x -> y; profiled time. */
int bdev_cl_copy(bench_device *d, size_t n, double *kernel_s);
/* Per-call cost of calls launches on n elements queued back to back, then
 * one finish: clrelu_relu, or clSetKernelArg x6 + clEnqueueNDRangeKernel of
 * the same kernel (clrelu's, built by the bench with the context's launch
 * shape) with the same global and local sizes. */
int bdev_overhead_clrelu(bench_device *d, int calls, size_t n,
                         double *per_call_s);
int bdev_overhead_bare(bench_device *d, int calls, size_t n,
                       double *per_call_s);

#endif /* CLRELU_BENCH_DEVICE_H */
