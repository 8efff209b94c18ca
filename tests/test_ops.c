/* Every device op against the scalar reference, bit for bit: sizes around
 * every vector and work-group boundary, views at odd offsets, in place, and
 * every bias layout. Elements outside the op's range must not change. */
#include "reference.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define GUARD 5
static clrelu_context *ctx;
static int flush_ok;

/* A parent buffer of off + n + GUARD random elements, its host copy, and a
 * view of n + GUARD elements from off. */
typedef struct arr {
  clrelu_buffer *parent, *view;
  float *host;
  size_t size;
} arr;

static int arr_make(arr *a, size_t off, size_t n) {
  a->size = off + n + GUARD;
  a->host = malloc(a->size * sizeof(float));
  a->parent = a->view = NULL;
  if (!a->host)
    return 0;
  test_fill(a->host, a->size);
  if (clrelu_buffer_create(ctx, CLRELU_F32, a->size, &a->parent) !=
          CLRELU_SUCCESS ||
      clrelu_buffer_write(a->parent, 0, a->size, a->host) != CLRELU_SUCCESS ||
      clrelu_buffer_view(a->parent, off, n + GUARD, &a->view) !=
          CLRELU_SUCCESS) {
    fprintf(stderr, "setup failed: %s\n", clrelu_last_error());
    return 0;
  }
  return 1;
}

static void arr_free(arr *a) {
  clrelu_buffer_destroy(a->view);
  clrelu_buffer_destroy(a->parent);
  free(a->host);
}

/* Reads out's parent and compares with want (the whole parent). */
static void compare(const char *what, const arr *out, const float *want) {
  float *got = malloc(out->size * sizeof(float));
  CHECK(got != NULL, "out of memory");
  if (!got)
    return;
  CHECK_STATUS(clrelu_buffer_read(out->parent, 0, out->size, got),
               CLRELU_SUCCESS);
  int shown = 0;
  for (size_t i = 0; i < out->size; ++i)
    if (!test_same(got[i], want[i], flush_ok)) {
      if (shown++ < 5)
        CHECK(0, "%s: element %zu of %zu: got %a, want %a", what, i, out->size,
              (double)got[i], (double)want[i]);
      else
        ++test_failures;
    }
  free(got);
}

/* mode 0: separate output; 1: y is x; 2: y is dy */
static void check_eltwise(enum ref_op op, size_t n, size_t offx, size_t offdy,
                          size_t offy, int mode, float a) {
  arr x, dy, y;
  int ok = arr_make(&x, offx, n) && arr_make(&dy, offdy, n) &&
           (mode != 0 || arr_make(&y, offy, n));
  CHECK(ok, "setup");
  if (ok) {
    const arr *out = mode == 0 ? &y : mode == 1 ? &x : &dy;
    size_t oo = mode == 0 ? offy : mode == 1 ? offx : offdy;
    float *want = malloc(out->size * sizeof(float));
    memcpy(want, out->host, out->size * sizeof(float));
    for (size_t i = 0; i < n; ++i)
      want[oo + i] = ref_op(op, dy.host[offdy + i], x.host[offx + i], a);
    CHECK_STATUS(test_device_op(ctx, op, dy.view, x.view, out->view, n, a),
                 CLRELU_SUCCESS);
    char what[160];
    snprintf(what, sizeof what,
             "%s n=%zu offsets x=%zu dy=%zu y=%zu mode=%d alpha=%g",
             ref_op_names[op], n, offx, offdy, offy, mode, (double)a);
    compare(what, out, want);
    free(want);
  }
  arr_free(&x);
  arr_free(&dy);
  if (mode == 0)
    arr_free(&y);
}

/* Bias + act with parameter a (no bias when nobias) through clrelu_bias_act,
 * or through clrelu_bias_relu for the activations it means by alpha
 * (ReLU, and Leaky ReLU with alpha != 0), at every other output offset. */
static void check_bias(size_t outer, size_t channels, size_t inner, size_t offx,
                       size_t offb, size_t offy, int in_place, enum ref_act act,
                       float a, int nobias) {
  size_t total = outer * channels * inner;
  arr x, b, y;
  memset(&b, 0, sizeof b);
  int ok = arr_make(&x, offx, total) &&
           (nobias || arr_make(&b, offb, channels)) &&
           (in_place || arr_make(&y, offy, total));
  CHECK(ok, "setup");
  if (ok) {
    const arr *out = in_place ? &x : &y;
    size_t oo = in_place ? offx : offy;
    float *want = malloc(out->size * sizeof(float));
    memcpy(want, out->host, out->size * sizeof(float));
    ref_bias_act_array(x.host + offx, nobias ? NULL : b.host + offb, want + oo,
                       outer, channels, inner, act, a);
    int via_relu =
        !nobias && oo % 2 == 1 &&
        (act == REF_ACT_RELU || (act == REF_ACT_LEAKY_RELU && a != 0));
    const clrelu_act desc = {(clrelu_act_kind)act, a, 0.0f};
    if (via_relu)
      CHECK_STATUS(clrelu_bias_relu(ctx, x.view, b.view, out->view, outer,
                                    channels, inner,
                                    act == REF_ACT_RELU ? 0.0f : a),
                   CLRELU_SUCCESS);
    else
      CHECK_STATUS(clrelu_bias_act(ctx, x.view, nobias ? NULL : b.view,
                                   out->view, outer, channels, inner, &desc),
                   CLRELU_SUCCESS);
    char what[192];
    snprintf(what, sizeof what,
             "%s %s %zux%zux%zu offsets x=%zu b=%zu y=%zu in_place=%d "
             "alpha=%g%s",
             via_relu ? "bias_relu" : "bias_act", ref_act_names[act], outer,
             channels, inner, offx, offb, offy, in_place, (double)a,
             nobias ? " no bias" : "");
    compare(what, out, want);
    free(want);
  }
  arr_free(&x);
  if (!nobias)
    arr_free(&b);
  if (!in_place)
    arr_free(&y);
}

int main(void) {
  test_init();
  ctx = test_context();
  flush_ok = !test_device_denorms(ctx);
  printf("denormals %s\n", flush_ok ? "may flush" : "kept");

  /* Sizes: tiny, primes, and 2^k - 1, 2^k, 2^k + 1 up to 2^22. */
  size_t sizes[128];
  int ns = 0;
  static const size_t small[] = {0, 1, 2, 3, 5, 7, 11, 13, 31, 61, 127, 1021};
  for (size_t i = 0; i < sizeof small / sizeof small[0]; ++i)
    sizes[ns++] = small[i];
  for (int k = 2; k <= 22; ++k) {
    sizes[ns++] = ((size_t)1 << k) - 1;
    sizes[ns++] = (size_t)1 << k;
    sizes[ns++] = ((size_t)1 << k) + 1;
  }
  for (int s = 0; s < ns; ++s)
    for (int op = 0; op < REF_NOPS; ++op)
      check_eltwise((enum ref_op)op, sizes[s], 0, 0, 0, 0,
                    ref_op_param((enum ref_op)op, s));
  printf("eltwise: %d sizes x %d ops\n", ns, REF_NOPS);

  /* One size above 2^24. */
  for (int op = 0; op < REF_NOPS; ++op)
    check_eltwise((enum ref_op)op, ((size_t)1 << 24) + 3, 0, 0, 0, 0,
                  ref_op_param((enum ref_op)op, 0));

  /* Views at odd offsets, in place, every alpha. */
  static const size_t offsets[] = {1, 3, 7, 1023};
  static const size_t vsizes[] = {1, 17, 1000, 4099, 65537};
  for (size_t o = 0; o < 4; ++o)
    for (size_t v = 0; v < 5; ++v)
      for (int op = 0; op < REF_NOPS; ++op) {
        size_t off = offsets[o];
        float a = ref_op_param((enum ref_op)op, (int)(o + v));
        check_eltwise((enum ref_op)op, vsizes[v], off, offsets[(o + 1) % 4],
                      offsets[(o + 2) % 4], 0, a);
        check_eltwise((enum ref_op)op, vsizes[v], off, off, 0, 1, a);
        if (ref_op_binary((enum ref_op)op))
          check_eltwise((enum ref_op)op, vsizes[v], off, off + 1, 0, 2, a);
      }
  for (int op = 0; op < REF_NOPS; ++op)
    for (size_t v = 0; v < 5; ++v)
      check_eltwise((enum ref_op)op, vsizes[v], 0, 0, 0, 1,
                    ref_op_param((enum ref_op)op, (int)v + 1));
  printf("views and in place: done\n");

  /* Bias layouts: dense, NCHW (small and large planes), NHWC, channels 1,
   * inner 1, a single element; with offsets, in place, every alpha. */
  static const size_t shapes[][3] = {
      {7, 33, 1},    {64, 1000, 1},  {3, 4096, 1}, {2, 3, 17},
      {2, 16, 4099}, {1, 5, 65536},  {100, 64, 1}, {5, 1, 1000},
      {1000, 1, 1},  {1, 1, 1},      {3, 2, 2},    {1, 1024, 1},
      {4, 17, 3},    {1, 7, 300000}, {2, 1, 70001}};
  size_t nshapes = sizeof shapes / sizeof shapes[0];
  for (size_t s = 0; s < nshapes; ++s)
    for (int k = 0; k < 2 * REF_NACTS; ++k) {
      const size_t *sh = shapes[s];
      enum ref_act act = (enum ref_act)(k % REF_NACTS);
      float a = ref_act_param(act, (int)s + k / REF_NACTS);
      check_bias(sh[0], sh[1], sh[2], 0, 0, 0, 0, act, a, 0);
      check_bias(sh[0], sh[1], sh[2], offsets[k % 4], offsets[(k + 1) % 4],
                 offsets[(k + 2) % 4], 0, act, a, 0);
      check_bias(sh[0], sh[1], sh[2], offsets[(k + 3) % 4], 1, 0, 1, act, a, 0);
      if (k < REF_NACTS)
        check_bias(sh[0], sh[1], sh[2], offsets[k % 4], 0, offsets[(k + 1) % 4],
                   k % 2, act, a, 1);
    }
  /* zero-sized bias calls succeed and do nothing */
  check_bias(0, 5, 3, 1, 0, 2, 0, REF_ACT_RELU, 0.0f, 0);
  check_bias(4, 5, 0, 1, 0, 2, 0, REF_ACT_LEAKY_RELU, 0.1f, 0);
  printf("bias: %zu shapes x %d activations x 2 parameters x 3 placements, "
         "and without a bias\n",
         nshapes, REF_NACTS);

  CHECK_STATUS(clrelu_finish(ctx), CLRELU_SUCCESS);
  clrelu_context_destroy(ctx);
  return test_finish("test_ops");
}
