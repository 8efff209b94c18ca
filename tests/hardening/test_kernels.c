/* Every kernel, dtype and bias path at sizes around each boundary of the
 * context's launch shape (vector width, a work-item's run, a work-group),
 * at odd view offsets and in place, checked bit for bit against the
 * reference, elements outside the range unchanged. Small enough to run under
 * the Oclgrind simulator, which reports invalid accesses, data races and
 * uninitialized values in the kernels (CTest fails on its reports). The
 * host bias op on the chunked path, in small chunks, starts the bias
 * kernels mid-plane and mid-row (a nonzero phase).
 * $CLRELU_KERNELS_MAX caps the largest size (elements). */
#include "hcheck.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD 3
static clrelu_context *ctx;
static int flush_ok;
static uint64_t rng = 12345;
static size_t max_n = 1 << 16;
static long launches;
static int verbose;      /* $CLRELU_KERNELS_VERBOSE: name each launch first */
static const char *only; /* $CLRELU_KERNELS_ONLY: launches whose name has it */
static const char
    *skip; /* $CLRELU_KERNELS_SKIP: "a|b": skip names with a or b */

/* Whether name contains one of the '|'-separated parts of list. */
static int has_any(const char *name, const char *list) {
  while (list && *list) {
    const char *bar = strchr(list, '|');
    size_t len = bar ? (size_t)(bar - list) : strlen(list);
    for (const char *p = name; len > 0 && *p; ++p)
      if (strncmp(p, list, len) == 0)
        return 1;
    list = bar ? bar + 1 : NULL;
  }
  return 0;
}

/* A parent of off + n + GUARD elements with random contents (its host copy
 * in host) and a view of n + GUARD elements from off. */
typedef struct arr {
  clrelu_buffer *parent, *view;
  unsigned char *host;
  size_t size;
} arr;

static int arr_make(arr *a, clrelu_dtype d, size_t off, size_t n) {
  size_t es = hc_size(d);
  a->size = off + n + GUARD;
  a->parent = a->view = NULL;
  a->host = malloc(a->size * es);
  if (!a->host)
    return 0;
  hc_fill(d, a->host, a->size, &rng);
  return clrelu_buffer_create(ctx, d, a->size, &a->parent) == CLRELU_SUCCESS &&
         clrelu_buffer_write(a->parent, 0, a->size, a->host) ==
             CLRELU_SUCCESS &&
         clrelu_buffer_view(a->parent, off, n + GUARD, &a->view) ==
             CLRELU_SUCCESS;
}

static void arr_free(arr *a) {
  clrelu_buffer_destroy(a->view);
  clrelu_buffer_destroy(a->parent);
  free(a->host);
}

/* One launch. For elementwise ops n counts the elements; for bias_relu
 * n = outer * channels * inner and the bias has channels elements.
 * mode 0: y separate; 1: y is x; 2: y is a (dy). */
static void check(enum hc_op op, clrelu_dtype d, size_t n, size_t outer,
                  size_t channels, size_t inner, size_t offa, size_t offx,
                  size_t offy, int mode, float alpha) {
  size_t es = hc_size(d), na = hc_is_bias(op) ? channels : n;
  arr a = {0}, x = {0}, y = {0};
  int ok = arr_make(&x, d, offx, n) &&
           (!hc_binary(op) || arr_make(&a, d, offa, na)) &&
           (mode != 0 || arr_make(&y, d, offy, n));
  char what[200];
  snprintf(what, sizeof what,
           "%s %s n=%zu (%zux%zux%zu) offsets a=%zu x=%zu y=%zu mode=%d "
           "alpha=%g",
           hc_op_names[op], hc_dtype_names[d], n, outer, channels, inner, offa,
           offx, offy, mode, (double)alpha);
  CHECK(ok || only || skip, "%s: setup: %s", what, clrelu_last_error());
  if ((only && !has_any(what, only)) || (skip && has_any(what, skip)))
    ok = 0;
  else if (verbose)
    printf("launch: %s\n", what);
  if (ok) {
    arr *out = mode == 0 ? &y : mode == 1 ? &x : &a;
    size_t oo = mode == 0 ? offy : mode == 1 ? offx : offa;
    unsigned char *want = malloc(out->size * es);
    unsigned char *got = malloc(out->size * es);
    memcpy(want, out->host, out->size * es);
    hc_expect(op, d, hc_binary(op) ? a.host + offa * es : NULL,
              x.host + offx * es, want + oo * es, n, channels, inner, alpha);
    CHECK_STATUS(hc_call(ctx, op, a.view, x.view, out->view, n, outer, channels,
                         inner, alpha, NULL),
                 CLRELU_SUCCESS);
    ++launches;
    CHECK_STATUS(clrelu_buffer_read(out->parent, 0, out->size, got),
                 CLRELU_SUCCESS);
    int shown = 0;
    for (size_t i = 0; i < out->size; ++i)
      if (!hc_same(d, got, want, i, flush_ok)) {
        if (shown++ < 3)
          CHECK(0, "%s: element %zu of %zu differs", what, i, out->size);
        else
          ++test_failures;
      }
    free(want);
    free(got);
  }
  arr_free(&x);
  if (hc_binary(op))
    arr_free(&a);
  if (mode == 0)
    arr_free(&y);
}

/* The host bias op (float32) on outer x channels x inner, in chunks of
 * HOST_CHUNK elements: each chunk is one launch from its place in the
 * channel pattern. in_place: y is x. */
#define HOST_CHUNK 97
static void check_host_bias(size_t outer, size_t channels, size_t inner,
                            int in_place, float alpha) {
  size_t n = outer * channels * inner;
  char what[160];
  snprintf(what, sizeof what,
           "bias_relu f32 host chunked n=%zu (%zux%zux%zu) in_place=%d "
           "alpha=%g",
           n, outer, channels, inner, in_place, (double)alpha);
  if ((only && !has_any(what, only)) || (skip && has_any(what, skip)))
    return;
  if (verbose)
    printf("launch: %s\n", what);
  float *x = malloc(n * sizeof *x), *b = malloc(channels * sizeof *b);
  float *y = malloc(n * sizeof *y), *want = malloc(n * sizeof *want);
  CHECK(x && b && y && want, "%s: out of memory", what);
  if (x && b && y && want) {
    hc_fill(CLRELU_F32, x, n, &rng);
    hc_fill(CLRELU_F32, b, channels, &rng);
    hc_expect(HC_BIAS, CLRELU_F32, b, x, want, n, channels, inner, alpha);
    float *out = in_place ? x : y;
    CHECK_STATUS(
        clrelu_host_bias_relu(ctx, x, b, out, outer, channels, inner, alpha),
        CLRELU_SUCCESS);
    launches += (long)((n + HOST_CHUNK - 1) / HOST_CHUNK);
    int shown = 0;
    for (size_t i = 0; i < n; ++i)
      if (!hc_same(CLRELU_F32, out, want, i, flush_ok)) {
        if (shown++ < 3)
          CHECK(0, "%s: element %zu of %zu differs", what, i, n);
        else
          ++test_failures;
      }
  }
  free(x);
  free(b);
  free(y);
  free(want);
}

/* Adds v to the sorted set s[0 .. *n) unless it is there or above max. */
static void add(size_t *s, int *n, size_t v, size_t max) {
  if (v > max)
    return;
  int i = 0;
  while (i < *n && s[i] < v)
    ++i;
  if (i < *n && s[i] == v)
    return;
  memmove(s + i + 1, s + i, (size_t)(*n - i) * sizeof *s);
  s[i] = v;
  ++*n;
}

static const float alphas[] = {0.01f, -0.5f, 3.0f, 1e-40f};

int main(void) {
  test_init();
  const char *cap = getenv("CLRELU_KERNELS_MAX");
  if (cap && atol(cap) > 0)
    max_n = (size_t)atol(cap);
  verbose = getenv("CLRELU_KERNELS_VERBOSE") != NULL;
  only = getenv("CLRELU_KERNELS_ONLY");
  skip = getenv("CLRELU_KERNELS_SKIP");
  /* the host op's path, fixed when the context is made */
  char host_chunk[24];
  snprintf(host_chunk, sizeof host_chunk, "%d", HOST_CHUNK);
  setenv("CLRELU_HOST_PATH", "chunked", 1);
  setenv("CLRELU_HOST_CHUNK", host_chunk, 1);
  ctx = test_context();
  flush_ok = !test_device_denorms(ctx);
  int vec = 0, items = 0, local = 0;
  if (sscanf(clrelu_context_tuning(ctx), "vec=%d items=%d local=%d", &vec,
             &items, &local) != 3) {
    fprintf(stderr, "cannot read the launch shape from \"%s\"\n",
            clrelu_context_tuning(ctx));
    return 1;
  }
  const size_t v = (size_t)vec, chunk = v * (size_t)items,
               group = chunk * (size_t)local;
  printf("vector %zu, work-item %zu, work-group %zu elements; sizes up to "
         "%zu\n",
         v, chunk, group, max_n);

  /* elementwise sizes: 0 .. 3, and one either side of a vector, two
   * vectors, a work-item's run, a work-group and two work-groups */
  size_t sizes[64];
  int ns = 0;
  for (size_t k = 0; k <= 3; ++k)
    add(sizes, &ns, k, max_n);
  const size_t marks[] = {v, 2 * v, chunk, group, 2 * group};
  for (size_t m = 0; m < sizeof marks / sizeof marks[0]; ++m)
    for (int dlt = -1; dlt <= 1; ++dlt)
      add(sizes, &ns, marks[m] + (size_t)dlt, max_n);
  add(sizes, &ns, 2 * group + chunk + v + 1, max_n);
  const size_t odd[] = {1, 3, v + 1};

  const clrelu_dtype dts[] = {CLRELU_F32, CLRELU_F16, CLRELU_BF16};
  for (int t = 0; t < 3; ++t) {
    clrelu_dtype d = dts[t];
    for (int op = 0; op < HC_BIAS; ++op)
      for (int s = 0; s < ns; ++s) {
        size_t n = sizes[s], o = odd[s % 3];
        float a = ref_op_param((enum ref_op)op, s);
        check((enum hc_op)op, d, n, 0, 0, 0, 0, 0, 0, 0, a);
        check((enum hc_op)op, d, n, 0, 0, 0, o + 1, o, o + 2, 0, a);
        check((enum hc_op)op, d, n, 0, 0, 0, 1, o, 0, 1, a);
        if (hc_binary((enum hc_op)op))
          check((enum hc_op)op, d, n, 0, 0, 0, o, 2, 0, 2, a);
      }
    printf("%s: %d sizes x %d ops\n", hc_dtype_names[d], ns, (int)HC_BIAS);

    /* bias_relu: rows (inner == 1): rows that share a work-item, rows of
     * several chunks, lengths around a vector and a chunk; planes (inner >
     * 1) smaller and larger than a vector and straddling vectors; one
     * channel (one plane of everything) */
    size_t shapes[96][3];
    int nsh = 0;
    const size_t lens[] = {2,         v - 1, v,         v + 1,
                           chunk - 1, chunk, chunk + 1, 2 * chunk + 3};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; ++i)
      if (lens[i] > 1) {
        const size_t rows[] = {1, 3, (size_t)local + 1};
        for (size_t r = 0; r < 3; ++r)
          if (rows[r] * lens[i] <= max_n) {
            shapes[nsh][0] = rows[r];
            shapes[nsh][1] = lens[i];
            shapes[nsh++][2] = 1;
          }
      }
    const size_t inners[] = {2, 3, v - 1, v, v + 1, 3 * v + 1, chunk + 1};
    for (size_t i = 0; i < sizeof inners / sizeof inners[0]; ++i)
      if (inners[i] > 1) {
        const size_t chs[][2] = {{1, 2}, {2, 3}, {3, 5}};
        for (size_t c = 0; c < 3; ++c)
          if (chs[c][0] * chs[c][1] * inners[i] <= max_n) {
            shapes[nsh][0] = chs[c][0];
            shapes[nsh][1] = chs[c][1];
            shapes[nsh++][2] = inners[i];
          }
      }
    const size_t ones[][2] = {{1, 1},         {7, 1},     {1, 7},
                              {3, group + 1}, {group, 1}, {2, v + 1}};
    for (size_t i = 0; i < sizeof ones / sizeof ones[0]; ++i)
      if (ones[i][0] * ones[i][1] <= max_n) {
        shapes[nsh][0] = ones[i][0];
        shapes[nsh][1] = 1;
        shapes[nsh++][2] = ones[i][1];
      }
    for (int s = 0; s < nsh; ++s) {
      size_t o = shapes[s][0], c = shapes[s][1], in = shapes[s][2];
      size_t n = o * c * in, off = odd[s % 3];
      for (int k = 0; k < 2; ++k) { /* ReLU and Leaky ReLU kernels */
        float a = k == 0 ? 0.0f : alphas[s % 4];
        check(HC_BIAS, d, n, o, c, in, 0, 0, 0, 0, a);
        check(HC_BIAS, d, n, o, c, in, off, off + 1, off + 2, 0, a);
        check(HC_BIAS, d, n, o, c, in, 2, off, 0, 1, a);
      }
      check(HC_PRELU, d, n, o, c, in, off, off + 1, off + 2, s % 2, 0.0f);
      /* every activation's kernels through clrelu_bias_act, one placement
       * each (the placements are the same code) */
      for (int k = 0; k < REF_NACTS; ++k) {
        enum hc_op op = (enum hc_op)(HC_BIAS + 1 + k);
        float a = ref_act_param((enum ref_act)k, s);
        if ((s + k) % 2)
          check(op, d, n, o, c, in, off, off + 1, off + 2, 0, a);
        else
          check(op, d, n, o, c, in, 2, off, 0, 1, a);
      }
    }
    printf("%s: %d bias layouts x %d activations\n", hc_dtype_names[d], nsh,
           REF_NACTS);
  }

  /* chunks starting mid-row (rows shorter and longer than a chunk) and
   * mid-plane (planes smaller than a vector, larger, longer than a chunk);
   * one channel, where the phase does not matter */
  const size_t host_shapes[][3] = {{9, 37, 1}, {2, 150, 1}, {20, 5, 3},
                                   {3, 4, 33}, {1, 2, 150}, {5, 1, 40}};
  const int nhost = (int)(sizeof host_shapes / sizeof host_shapes[0]);
  for (int s = 0; s < nhost; ++s) {
    const size_t *h = host_shapes[s];
    if (h[0] * h[1] * h[2] > max_n)
      continue;
    check_host_bias(h[0], h[1], h[2], 0, 0.0f);
    check_host_bias(h[0], h[1], h[2], 1, alphas[s % 4]);
  }
  printf("f32: %d host bias layouts in chunks of %d\n", nhost, HOST_CHUNK);
  CHECK_STATUS(clrelu_finish(ctx), CLRELU_SUCCESS);
  clrelu_context_destroy(ctx);
  printf("%ld launches checked\n", launches);
  return test_finish("test_kernels");
}
