/* The clrelu_cpu_* functions against the scalar reference, bit for bit:
 * every size class (single-threaded, threaded, streaming stores), pointers
 * at every alignment, in place, every bias layout. CTest runs this once per
 * instruction set the machine has ($CLRELU_CPU caps it). */
#include "reference.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define GUARD 8

static void compare(const char *what, const float *got, const float *want,
                    size_t size) {
  int shown = 0;
  for (size_t i = 0; i < size; ++i)
    if (!test_same(got[i], want[i], 0)) {
      if (shown++ < 5)
        CHECK(0, "%s: element %zu: got %a, want %a", what, i, (double)got[i],
              (double)want[i]);
      else
        ++test_failures;
    }
}

/* mode 0: separate output; 1: in place on x; 2: in place on dy */
static void check(enum ref_op op, size_t n, size_t mis, int mode, float a) {
  size_t size = n + 2 * GUARD;
  float *x = malloc(size * 4), *dy = malloc(size * 4), *y = malloc(size * 4),
        *want = malloc(size * 4);
  CHECK(x && dy && y && want, "out of memory");
  if (x && dy && y && want) {
    test_fill(x, size);
    test_fill(dy, size);
    test_fill(y, size);
    size_t ox = GUARD - (mis % 4), od = GUARD - ((mis + 1) % 4),
           oy = GUARD - ((mis + 2) % 4);
    float *out = mode == 0 ? y : mode == 1 ? x : dy;
    size_t oo = mode == 0 ? oy : mode == 1 ? ox : od;
    if (mode == 1)
      od = ox + 1 < GUARD ? ox + 1 : ox - 1;
    memcpy(want, out, size * 4);
    for (size_t i = 0; i < n; ++i)
      want[oo + i] = ref_op(op, dy[od + i], x[ox + i], a);
    CHECK_STATUS(test_cpu_op(op, dy + od, x + ox, out + oo, n, a),
                 CLRELU_SUCCESS);
    char what[128];
    snprintf(what, sizeof what, "cpu %s n=%zu misalign=%zu mode=%d alpha=%g",
             ref_op_names[op], n, mis, mode, (double)a);
    compare(what, out, want, size);
  }
  free(x);
  free(dy);
  free(y);
  free(want);
}

/* clrelu_cpu_bias_act (clrelu_cpu_bias_relu for ReLU and Leaky ReLU with
 * alpha != 0 on odd misalignments); nobias: bias NULL. */
static void check_bias(size_t outer, size_t channels, size_t inner, size_t mis,
                       int in_place, enum ref_act act, float a, int nobias) {
  size_t total = outer * channels * inner, size = total + 2 * GUARD;
  float *x = malloc(size * 4), *y = malloc(size * 4), *want = malloc(size * 4);
  float *b = malloc((channels + 1) * 4);
  CHECK(x && y && want && b, "out of memory");
  if (x && y && want && b) {
    test_fill(x, size);
    test_fill(y, size);
    test_fill(b, channels + 1);
    size_t ox = GUARD - mis % 4, oy = in_place ? ox : GUARD - (mis + 1) % 4;
    float *out = in_place ? x : y;
    memcpy(want, out, size * 4);
    const float *bb = nobias ? NULL : b + mis % 2;
    ref_bias_act_array(x + ox, bb, want + oy, outer, channels, inner, act, a);
    int via_relu =
        bb && mis % 2 == 1 &&
        (act == REF_ACT_RELU || (act == REF_ACT_LEAKY_RELU && a != 0));
    const clrelu_act desc = {(clrelu_act_kind)act, a, 0.0f};
    if (via_relu)
      clrelu_cpu_bias_relu(x + ox, bb, out + oy, outer, channels, inner,
                           act == REF_ACT_RELU ? 0.0f : a);
    else
      CHECK_STATUS(clrelu_cpu_bias_act(x + ox, bb, out + oy, outer, channels,
                                       inner, &desc),
                   CLRELU_SUCCESS);
    char what[160];
    snprintf(what, sizeof what,
             "cpu bias %s %zux%zux%zu misalign=%zu in_place=%d alpha=%g%s",
             ref_act_names[act], outer, channels, inner, mis, in_place,
             (double)a, nobias ? " no bias" : "");
    compare(what, out, want, size);
  }
  free(x);
  free(y);
  free(want);
  free(b);
}

int main(void) {
  test_init();
  printf("instruction set: %s\n", clrelu_cpu_isa());
  static const size_t sizes[] = {
      0,      1,      2,      3,       7,       15,     16,   17,
      31,     33,     63,     64,      65,      1000,   4097, 65535,
      262143, 262144, 262145, 1048575, 1048577, 4194305};
  size_t ns = sizeof sizes / sizeof sizes[0];
  for (size_t s = 0; s < ns; ++s)
    for (int op = 0; op < REF_NOPS; ++op)
      for (size_t mis = 0; mis < 4; ++mis) {
        float a = ref_op_param((enum ref_op)op, (int)(s + mis));
        check((enum ref_op)op, sizes[s], mis, 0, a);
        if (mis < 2)
          check((enum ref_op)op, sizes[s], mis,
                1 + (ref_op_binary((enum ref_op)op) && mis == 1), a);
      }
  printf("eltwise: %zu sizes x %d ops x 4 alignments, in place\n", ns,
         REF_NOPS);

  static const size_t shapes[][3] = {
      {7, 33, 1},    {64, 1000, 1}, {2, 3, 17},     {2, 16, 4099},
      {100, 64, 1},  {5, 1, 1000},  {1000, 1, 1},   {1, 1, 1},
      {3, 2, 2},     {4, 17, 3},    {1, 7, 300000}, {2, 1, 1100001},
      {4096, 300, 1}};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s)
    for (int k = 0; k < REF_NACTS; ++k) {
      enum ref_act act = (enum ref_act)k;
      const size_t *sh = shapes[s];
      check_bias(sh[0], sh[1], sh[2], (size_t)k, 0, act,
                 ref_act_param(act, (int)s), 0);
      check_bias(sh[0], sh[1], sh[2], (size_t)k + 1, 1, act,
                 ref_act_param(act, (int)s + 1), (int)(s + (size_t)k) % 3 == 0);
    }
  check_bias(0, 3, 3, 0, 0, REF_ACT_RELU, 0.0f, 0);
  printf("bias: %zu shapes x %d activations, in place, without a bias\n",
         sizeof shapes / sizeof shapes[0], REF_NACTS);

  /* Every thread count gives the same bits. */
  int old = clrelu_cpu_set_threads(1);
  check(REF_LEAKY_RELU, 1048577, 1, 0, 0.01f);
  clrelu_cpu_set_threads(3);
  check(REF_RELU_BACKWARD, 1048577, 2, 0, 0.0f);
  clrelu_cpu_set_threads(old);
  return test_finish("test_cpu");
}
