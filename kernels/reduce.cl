/* Sums in a fixed order, fixed by the sizes alone (not by the launch
 * shape or the device), so every device and the CPU give the same bits.
 *
 * Channel c's terms are taken in increasing memory order and cut into
 * blocks of 256 (the last one padded with +0.0); a block is summed by
 * halving, v[i] = v[i] + v[i + s] for s = 128, 64, ..., 1 and i < s, its sum
 * being v[0]; the block sums, in block order, are the terms of the next
 * level, until one value remains. A work-group sums one block, whatever
 * its size: each work-item takes every get_local_size(0)-th lane.
 *
 * out[oo + c * nb + b] receives block b of channel c, for nb blocks a
 * channel; work-group g is block g % nb of channel g / nb. */
#define SUM_BLOCK 256

/* Sums v[0 .. SUM_BLOCK) into v[0] by halving. */
inline void sum_block(local float *v) {
  for (uint s = SUM_BLOCK / 2; s > 0; s >>= 1) {
    for (uint k = get_local_id(0); k < s; k += get_local_size(0))
      v[k] = v[k] + v[k + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
}

/* A further level: channel c's m terms are in[io + c * m + j]. float32 in
 * every dtype (the names follow the kernels' dtype suffixes). */
#define SUM_BLOCKS_KERNEL(SUFFIX)                                              \
  kernel void clrelu_sum_blocks##SUFFIX(global const float *in, ulong io,      \
                                        ulong m, global float *out, ulong oo,  \
                                        ulong nb) {                            \
    local float v[SUM_BLOCK];                                                  \
    const ulong g = get_group_id(0), c = g / nb, b = g - c * nb;               \
    for (uint k = get_local_id(0); k < SUM_BLOCK; k += get_local_size(0)) {    \
      const ulong j = b * SUM_BLOCK + k;                                       \
      v[k] = j < m ? in[io + c * m + j] : 0.0f;                                \
    }                                                                          \
    barrier(CLK_LOCAL_MEM_FENCE);                                              \
    sum_block(v);                                                              \
    if (get_local_id(0) == 0)                                                  \
      out[oo + c * nb + b] = v[0];                                             \
  }

#if CLRELU_STAMPS(2, 0)
SUM_BLOCKS_KERNEL()
#elif CLRELU_STAMPS(2, 1)
SUM_BLOCKS_KERNEL(_f16)
#elif CLRELU_STAMPS(2, 2)
SUM_BLOCKS_KERNEL(_bf16)
#endif
