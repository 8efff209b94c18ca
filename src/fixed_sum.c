/* The fixed-order sums of kernels/reduce.cl on the host, channel by channel
 * over [outer][channels][inner]: the same additions in the same order, so
 * the CPU gives the device's bits. Level 1 is one sweep over the elements,
 * split among threads; each element is visited once, so the caller's run
 * function may also store a result for it (dx beside dbias). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define TILE 64 /* channels of a row block summed side by side */

size_t clrelu__sum_blocks(size_t m) {
  return (m + CLRELU_SUM_BLOCK - 1) / CLRELU_SUM_BLOCK;
}

/* Rows 0 .. k-1 of v[CLRELU_SUM_BLOCK][w] summed by halving into row 0,
 * column by column: v[i] = v[i] + v[i + s] for s = 128, ..., 1 and i < s.
 * Rows from k on are the block's +0.0 padding and are not read: a row with
 * padding for partner adds +0.0 (which turns -0.0 into +0.0), a padding row
 * stays +0.0. */
static void halve_rows(float *v, size_t w, size_t k) {
  for (size_t s = CLRELU_SUM_BLOCK / 2; s > 0; s >>= 1) {
    const size_t both = k > s ? k - s : 0, top = k < s ? k : s;
    float *lo = v;
    const float *hi = v + s * w; /* rows s .., apart from rows 0 .. both */
    for (size_t q = 0; q < both * w; ++q)
      lo[q] = lo[q] + hi[q];
    for (size_t q = both * w; q < top * w; ++q)
      lo[q] = lo[q] + 0.0f;
    k = top;
  }
}

/* The levels above the first: s[0 .. nb) (a channel's block sums, in block
 * order) are summed block after block, in place, until one remains. */
static float sum_levels(float *s, size_t nb) {
  while (nb > 1) {
    const size_t nb2 = clrelu__sum_blocks(nb);
    for (size_t b = 0; b < nb2; ++b) { /* s[b] lies in a block already read */
      float *blk = s + b * CLRELU_SUM_BLOCK;
      const size_t k = nb - b * CLRELU_SUM_BLOCK;
      halve_rows(blk, 1, k < CLRELU_SUM_BLOCK ? k : CLRELU_SUM_BLOCK);
      s[b] = blk[0];
    }
    nb = nb2;
  }
  return s[0];
}

typedef struct sums_job {
  clrelu_run_fn run;
  const void *arg;
  size_t outer, channels, inner;
  size_t nb;     /* level-1 blocks a channel */
  size_t units;  /* row blocks x channel tiles, or channels x blocks */
  float *level1; /* channels * nb */
  float *bufs;   /* a CLRELU_SUM_BLOCK x TILE buffer a piece */
} sums_job;

/* Along rows (inner 1): block b is rows 256 b .. of every channel; a tile
 * of channels is read a row at a time into v[row][channel] and halved down
 * the rows, the tile's columns side by side. */
static void row_unit(const sums_job *j, size_t u, float *v) {
  const size_t tiles = (j->channels + TILE - 1) / TILE;
  const size_t b = u / tiles, c0 = (u - b * tiles) * TILE;
  const size_t r0 = b * CLRELU_SUM_BLOCK,
               w = j->channels - c0 < TILE ? j->channels - c0 : TILE;
  const size_t k =
      j->outer - r0 < CLRELU_SUM_BLOCK ? j->outer - r0 : CLRELU_SUM_BLOCK;
  for (size_t r = 0; r < k; ++r)
    j->run(j->arg, (r0 + r) * j->channels + c0, w, c0, v + r * w);
  halve_rows(v, w, k);
  for (size_t q = 0; q < w; ++q)
    j->level1[(c0 + q) * j->nb + b] = v[q];
}

/* Along planes: block b of channel c is a few runs within planes. */
static void plane_unit(const sums_job *j, size_t u, float *v) {
  const size_t c = u / j->nb, b = u - c * j->nb;
  const size_t m = j->outer * j->inner, j0 = b * CLRELU_SUM_BLOCK;
  const size_t k = m - j0 < CLRELU_SUM_BLOCK ? m - j0 : CLRELU_SUM_BLOCK;
  size_t o = j0 / j->inner, i = j0 - o * j->inner;
  for (size_t t = 0; t < k; ++o, i = 0) {
    const size_t run = j->inner - i < k - t ? j->inner - i : k - t;
    j->run(j->arg, (o * j->channels + c) * j->inner + i, run, c, v + t);
    t += run;
  }
  halve_rows(v, 1, k);
  j->level1[u] = v[0];
}

/* Piece k of n takes a contiguous range of units: neighbours in memory. */
static void level1_piece(void *arg, int k, int n) {
  const sums_job *j = arg;
  float *v = j->bufs + (size_t)k * CLRELU_SUM_BLOCK * TILE;
  const size_t u0 = j->units * (size_t)k / (size_t)n,
               u1 = j->units * ((size_t)k + 1) / (size_t)n;
  for (size_t u = u0; u < u1; ++u) {
    if (j->inner == 1)
      row_unit(j, u, v);
    else
      plane_unit(j, u, v);
  }
}

clrelu_status clrelu__channel_sums(clrelu_run_fn run, const void *arg,
                                   size_t outer, size_t channels, size_t inner,
                                   float *sums) {
  const size_t m = outer * inner;
  if (channels == 0)
    return CLRELU_SUCCESS;
  if (m == 0) { /* no terms: +0.0 */
    for (size_t c = 0; c < channels; ++c)
      sums[c] = 0.0f;
    return CLRELU_SUCCESS;
  }
  sums_job j = {run, arg, outer, channels, inner, 0, 0, NULL, NULL};
  if (channels == 1) { /* one plane of everything: the same terms, in order */
    j.outer = 1;
    j.inner = m;
  }
  j.nb = clrelu__sum_blocks(m);
  j.units =
      j.inner == 1 ? j.nb * ((channels + TILE - 1) / TILE) : channels * j.nb;
  int threads = clrelu__cpu_threads(m * channels);
  if ((size_t)threads > j.units)
    threads = (int)j.units;
  j.level1 = malloc(channels * j.nb * sizeof *j.level1);
  j.bufs = malloc((size_t)threads * CLRELU_SUM_BLOCK * TILE * sizeof *j.bufs);
  if (!j.level1 || !j.bufs) {
    free(j.level1);
    free(j.bufs);
    return CLRELU_ERROR_OUT_OF_MEMORY;
  }
  clrelu__parallel(level1_piece, &j, threads);
  for (size_t c = 0; c < channels; ++c)
    sums[c] = sum_levels(j.level1 + c * j.nb, j.nb);
  free(j.level1);
  free(j.bufs);
  return CLRELU_SUCCESS;
}
