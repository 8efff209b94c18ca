/* The fixed-order sum on the device (kernels/reduce.cl): a first level
 * that the caller's kernel writes, then SUM_BLOCKS level after level into
 * the destination, through scratch buffers. */
#include "internal.h"

clrelu_status clrelu__device_sum(clrelu_context *ctx, const clrelu_buffer *dst,
                                 size_t channels, size_t m,
                                 clrelu_first_level_fn first, void *user,
                                 const clrelu_events *ev) {
  size_t nb = clrelu__sum_blocks(m);
  /* the levels' kernel and both scratch buffers first, so that nothing is
   * enqueued unless all is: the first level's output, and the second's (later
   * levels are smaller and take turns in them) */
  const size_t sizes[2] = {
      nb > 1 ? nb : 0, clrelu__sum_blocks(nb) > 1 ? clrelu__sum_blocks(nb) : 0};
  if (nb > 1) {
    clrelu_status st = clrelu__program_ready(ctx, K_SUM_BLOCKS, CLRELU_F32);
    if (st != CLRELU_SUCCESS)
      return st;
  }
  cl_mem scratch[2] = {NULL, NULL};
  for (int k = 0; k < 2; ++k) {
    cl_int err = CL_SUCCESS;
    if (sizes[k])
      scratch[k] =
          clCreateBuffer(ctx->context, CL_MEM_READ_WRITE,
                         channels * sizes[k] * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS) {
      if (scratch[0])
        clReleaseMemObject(scratch[0]);
      return clrelu__cl_fail(err, "clCreateBuffer (a sum's scratch)");
    }
  }
  cl_mem out = nb > 1 ? scratch[0] : dst->mem;
  cl_ulong oo = nb > 1 ? 0 : dst->offset;
  /* ev's wait list to the first level, its done to the last command */
  clrelu_events wait = {ev ? ev->num_wait : 0, ev ? ev->wait : NULL,
                        nb > 1 || !ev ? NULL : ev->done};
  clrelu_status st = first(ctx, out, oo, nb, user, &wait);
  for (int k = 0; st == CLRELU_SUCCESS && nb > 1; k ^= 1) {
    const size_t nb2 = clrelu__sum_blocks(nb);
    cl_mem in = scratch[k];
    out = dst->mem;
    oo = dst->offset;
    if (nb2 > 1) {
      out = scratch[k ^ 1];
      oo = 0;
    }
    cl_ulong zero = 0, cm = nb, cnb2 = nb2;
    const clrelu_arg level[] = {{sizeof(cl_mem), &in}, {sizeof zero, &zero},
                                {sizeof cm, &cm},      {sizeof(cl_mem), &out},
                                {sizeof oo, &oo},      {sizeof cnb2, &cnb2}};
    const clrelu_events last = {0, NULL, nb2 > 1 || !ev ? NULL : ev->done};
    st = clrelu__launch(ctx, K_SUM_BLOCKS, CLRELU_F32, level, 6,
                        channels * nb2 * (size_t)ctx->tuning.local, &last);
    nb = nb2;
  }
  /* the commands keep the buffers alive until they are done */
  for (int k = 0; k < 2; ++k)
    if (scratch[k])
      clReleaseMemObject(scratch[k]);
  return st;
}
