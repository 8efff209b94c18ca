/* The fixed-order sums of kernels/reduce.cl on the host, channel by channel
 * over [outer][channels][inner]: the same additions in the same order, so
 * the CPU gives the device's bits. Level 1 is one sweep over the elements,
 * split among threads; each element is visited once, so the caller's run
 * function may also store a result for it (dx beside dbias). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define TILE 64     /* channels of a partial row block halved side by side */
#define STREAM 1024 /* channels of a full row block streamed at once */
#define LEVELS 8    /* CLRELU_SUM_BLOCK = 2^LEVELS */
#define BUF_FLOATS                                                             \
  ((size_t)CLRELU_SUM_BLOCK * TILE) /* >= (LEVELS + 2) * STREAM */

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
  size_t width;  /* channels a row unit (inner 1) */
  size_t units;  /* row blocks x channel tiles, or blocks x channels */
  int by_block;  /* planes: units block after block (short planes) */
  float *level1; /* channels * nb */
  float *bufs;   /* BUF_FLOATS a piece */
} sums_job;

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Channels c0 .. c0 + w - 1 of row r into v[0 .. w), in runs the run
 * function takes. */
static void row_terms(const sums_job *j, size_t r, size_t c0, size_t w,
                      float *v) {
  for (size_t q = 0; q < w; q += CLRELU_SUM_BLOCK)
    j->run(j->arg, r * j->channels + c0 + q, min_size(CLRELU_SUM_BLOCK, w - q),
           c0 + q, v + q);
}

/* A partial row block (k rows): tiles of channels read a row at a time into
 * v[row][channel] and halved down the rows, side by side. */
static void row_partial(const sums_job *j, size_t b, size_t c0, size_t w,
                        size_t k, float *v) {
  for (size_t t0 = c0; t0 < c0 + w; t0 += TILE) {
    const size_t tw = min_size(TILE, c0 + w - t0);
    for (size_t r = 0; r < k; ++r)
      row_terms(j, b * CLRELU_SUM_BLOCK + r, t0, tw, v + r * tw);
    halve_rows(v, tw, k);
    for (size_t q = 0; q < tw; ++q)
      j->level1[(t0 + q) * j->nb + b] = v[q];
  }
}

static size_t bit_reverse(size_t t) { /* of LEVELS bits */
  size_t r = 0;
  for (int l = 0; l < LEVELS; ++l, t >>= 1)
    r = r << 1 | (t & 1);
  return r;
}

/* A full row block, streamed: whole rows (contiguous, so the prefetcher
 * follows) in bit-reversed order, leaf t being row bit_reverse(t), each
 * added into a binary counter of partial sums (level l: 2^l leaves). The
 * halving pairs v[i] with v[i + s]; in bit-reversed order those are
 * neighbours, the earlier one on the left, so the counter's additions are
 * the halving's, in its order. */
static void row_stream(const sums_job *j, size_t b, size_t c0, size_t w,
                       float *buf) {
  float *leaf = buf, *level = buf + STREAM; /* level l at level + l * w */
  float *cur = leaf;
  for (size_t t = 0; t < CLRELU_SUM_BLOCK; ++t) {
    row_terms(j, b * CLRELU_SUM_BLOCK + bit_reverse(t), c0, w, leaf);
    cur = leaf;
    size_t l = 0;
    for (; (t >> l) & 1; ++l) {
      float *s = level + l * w;
      for (size_t q = 0; q < w; ++q)
        s[q] = s[q] + cur[q];
      cur = s;
    }
    if (t + 1 < CLRELU_SUM_BLOCK)
      memcpy(level + l * w, cur, w * sizeof *cur);
  }
  for (size_t q = 0; q < w; ++q)
    j->level1[(c0 + q) * j->nb + b] = cur[q];
}

/* Along rows (inner 1): block b is rows 256 b .. of every channel. */
static void row_unit(const sums_job *j, size_t u, float *buf) {
  const size_t tiles = (j->channels + j->width - 1) / j->width;
  const size_t b = u / tiles, c0 = (u - b * tiles) * j->width;
  const size_t w = min_size(j->width, j->channels - c0);
  const size_t k = min_size(CLRELU_SUM_BLOCK, j->outer - b * CLRELU_SUM_BLOCK);
  if (k == CLRELU_SUM_BLOCK && w > TILE)
    row_stream(j, b, c0, w, buf);
  else
    row_partial(j, b, c0, w, k, buf);
}

/* Along planes: block b of channel c is a few runs within planes. */
static void plane_unit(const sums_job *j, size_t u, float *v) {
  const size_t c = j->by_block ? u % j->channels : u / j->nb;
  const size_t b = j->by_block ? u / j->channels : u % j->nb;
  const size_t m = j->outer * j->inner, j0 = b * CLRELU_SUM_BLOCK;
  const size_t k = min_size(CLRELU_SUM_BLOCK, m - j0);
  size_t o = j0 / j->inner, i = j0 - o * j->inner;
  for (size_t t = 0; t < k; ++o, i = 0) {
    const size_t run = min_size(j->inner - i, k - t);
    j->run(j->arg, (o * j->channels + c) * j->inner + i, run, c, v + t);
    t += run;
  }
  halve_rows(v, 1, k);
  j->level1[c * j->nb + b] = v[0];
}

/* Piece k of n takes a contiguous range of units: neighbours in memory. */
static void level1_piece(void *arg, int k, int n) {
  const sums_job *j = arg;
  float *v = j->bufs + (size_t)k * BUF_FLOATS;
  const size_t u0 = j->units * (size_t)k / (size_t)n,
               u1 = j->units * ((size_t)k + 1) / (size_t)n;
  for (size_t u = u0; u < u1; ++u) {
    if (j->inner == 1)
      row_unit(j, u, v);
    else
      plane_unit(j, u, v);
  }
  clrelu__store_fence(); /* a run function's streaming stores */
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
  sums_job j = {run, arg, outer, channels, inner, 0, 0, 0, 0, NULL, NULL};
  if (channels == 1) { /* one plane of everything: the same terms, in order */
    j.outer = 1;
    j.inner = m;
  }
  j.nb = clrelu__sum_blocks(m);
  /* rows: tiles of STREAM channels (TILE when the rows are that short);
   * planes shorter than a block: every channel's block b, then b + 1, which
   * walks a few planes side by side through memory */
  j.width = channels > TILE ? STREAM : TILE;
  j.by_block = j.inner < CLRELU_SUM_BLOCK;
  j.units = j.inner == 1 ? j.nb * ((channels + j.width - 1) / j.width)
                         : channels * j.nb;
  int threads = clrelu__cpu_threads(m * channels);
  if ((size_t)threads > j.units)
    threads = (int)j.units;
  j.level1 = malloc(channels * j.nb * sizeof *j.level1);
  j.bufs = malloc((size_t)threads * BUF_FLOATS * sizeof *j.bufs);
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
