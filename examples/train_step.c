/* train_step: one training step through a bias + activation layer, the way
 * training code uses clrelu's mask passes.
 *
 *   train_step [--device SPEC] [--batch N] [--channels C] [--plane HxW]
 *              [--act relu|leaky|relu6]
 *
 * Forward:  y = a(x + bias[c]) on NCHW activations, saving a 1-bit mask of
 *           the branch each element took (clrelu_bias_act_mask). x is not
 *           needed afterwards: the mask is 32x smaller than x.
 * Backward: given dy (the gradient from the layer above), dx = a'(t) * dy
 *           from the mask, in place on dy, and dbias[c] = the sum of dx over
 *           channel c, in the same sweep (clrelu_act_backward_mask).
 * Both are checked bit for bit against the CPU twins (dbias included: its
 * order of summation is fixed, so every device gives the same bits).
 *
 * Exit status: 0 when the checks pass, 1 when they fail or a call fails, 2
 * for a bad command line. */
#include "clrelu.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f, const char *prog) {
  fprintf(f,
          "usage: %s [--device SPEC] [--batch N] [--channels C] "
          "[--plane HxW]\n"
          "          [--act relu|leaky|relu6] [--help]\n"
          "One forward pass with a mask and one backward pass with the bias\n"
          "gradient through y = a(x + bias), checked against the CPU.\n"
          "  --device SPEC  device to use, as $CLRELU_DEVICE: \"gpu\", "
          "\"cpu\",\n"
          "                 \"P:D\" (platform P, device D) or part of a name\n"
          "  --batch N      images (default 8)\n"
          "  --channels C   channels (default 64)\n"
          "  --plane HxW    each channel's plane (default 28x28)\n"
          "  --act A        relu (default), leaky (alpha 0.01) or relu6\n",
          prog);
}

static int ok(clrelu_status st, const char *what) {
  if (st == CLRELU_SUCCESS)
    return 1;
  fprintf(stderr, "error: %s: %s: %s\n", what, clrelu_status_string(st),
          clrelu_last_error());
  return 0;
}

static uint64_t rng = 7;
static float uniform(void) { /* in [-1, 1) */
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((double)(rng >> 11) * 0x1p-53 * 2.0 - 1.0);
}

/* How many of n floats differ in their bits. */
static size_t differ(const float *a, const float *b, size_t n) {
  size_t d = 0;
  for (size_t i = 0; i < n; ++i)
    d += memcmp(&a[i], &b[i], sizeof *a) != 0;
  return d;
}

static int parse_size(const char *s, size_t *out) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (*s == '-' || *end || v == 0 || v > (1u << 20))
    return 0;
  *out = (size_t)v;
  return 1;
}

int main(int argc, char **argv) {
  const char *device = NULL;
  size_t batch = 8, channels = 64, h = 28, w = 28;
  clrelu_act act = {CLRELU_ACT_RELU, 0.0f, 0.0f};
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int good = 1;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout, argv[0]);
      return 0;
    } else if (!strcmp(a, "--device") && v)
      device = v;
    else if (!strcmp(a, "--batch") && v)
      good = parse_size(v, &batch);
    else if (!strcmp(a, "--channels") && v)
      good = parse_size(v, &channels);
    else if (!strcmp(a, "--plane") && v) {
      char *x = strchr(v, 'x');
      char hs[32];
      good = x && (size_t)(x - v) < sizeof hs;
      if (good) {
        memcpy(hs, v, (size_t)(x - v));
        hs[x - v] = 0;
        good = parse_size(hs, &h) && parse_size(x + 1, &w);
      }
    } else if (!strcmp(a, "--act") && v) {
      if (!strcmp(v, "relu"))
        act = (clrelu_act){CLRELU_ACT_RELU, 0.0f, 0.0f};
      else if (!strcmp(v, "leaky"))
        act = (clrelu_act){CLRELU_ACT_LEAKY_RELU, 0.01f, 0.0f};
      else if (!strcmp(v, "relu6"))
        act = (clrelu_act){CLRELU_ACT_CLIPPED_RELU, 6.0f, 0.0f};
      else
        good = 0;
    } else
      good = 0;
    if (!good || batch * channels * h * w > ((size_t)1 << 28)) {
      fprintf(stderr, "%s: bad or incomplete option '%s'%s%s\n", argv[0], a,
              v ? " " : "", v ? v : "");
      usage(stderr, argv[0]);
      return 2;
    }
    ++i;
  }
  const size_t inner = h * w, n = batch * channels * inner;
  const size_t words = (n + 31) / 32;

  clrelu_context *ctx = NULL;
  if (!ok(clrelu_context_create(device, &ctx), "clrelu_context_create"))
    return 1;
  printf("device: %s\nlayer: [%zu][%zu][%zux%zu], y = a(x + bias)\n",
         clrelu_context_device_name(ctx), batch, channels, h, w);
  int status = 1;
  float *x = malloc(n * sizeof *x), *bias = malloc(channels * sizeof *bias);
  float *dy = malloc(n * sizeof *dy), *y = malloc(n * sizeof *y);
  float *dx = malloc(n * sizeof *dx), *dbias = malloc(channels * sizeof *dbias);
  float *cy = malloc(n * sizeof *cy), *cdx = malloc(n * sizeof *cdx);
  float *cdbias = malloc(channels * sizeof *cdbias);
  uint32_t *mask = malloc(words * sizeof *mask),
           *cmask = malloc(words * sizeof *cmask);
  clrelu_buffer *xd = NULL, *bd = NULL, *yd = NULL, *md = NULL, *dyd = NULL,
                *dbd = NULL;
  if (!x || !bias || !dy || !y || !dx || !dbias || !cy || !cdx || !cdbias ||
      !mask || !cmask) {
    fprintf(stderr, "error: out of memory\n");
    goto done;
  }
  for (size_t i = 0; i < n; ++i) {
    x[i] = uniform() * 8.0f; /* some of it above ReLU6's cap */
    dy[i] = uniform();
  }
  for (size_t c = 0; c < channels; ++c)
    bias[c] = uniform();

  /* forward: y and the mask; x may be freed now */
  if (!ok(clrelu_buffer_create(ctx, CLRELU_F32, n, &xd), "buffer") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_F32, channels, &bd), "buffer") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_F32, n, &yd), "buffer") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_MASK, n, &md), "buffer") ||
      !ok(clrelu_buffer_write(xd, 0, n, x), "clrelu_buffer_write") ||
      !ok(clrelu_buffer_write(bd, 0, channels, bias), "clrelu_buffer_write") ||
      !ok(clrelu_bias_act_mask(ctx, xd, bd, yd, md, batch, channels, inner,
                               &act),
          "clrelu_bias_act_mask"))
    goto done;
  clrelu_buffer_destroy(xd);
  xd = NULL;

  /* backward: dx in place on dy, and dbias */
  if (!ok(clrelu_buffer_create(ctx, CLRELU_F32, n, &dyd), "buffer") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_F32, channels, &dbd), "buffer") ||
      !ok(clrelu_buffer_write(dyd, 0, n, dy), "clrelu_buffer_write") ||
      !ok(clrelu_act_backward_mask(ctx, dyd, md, dyd, dbd, batch, channels,
                                   inner, &act),
          "clrelu_act_backward_mask") ||
      !ok(clrelu_buffer_read(yd, 0, n, y), "clrelu_buffer_read") ||
      !ok(clrelu_buffer_read(md, 0, n, mask), "clrelu_buffer_read") ||
      !ok(clrelu_buffer_read(dyd, 0, n, dx), "clrelu_buffer_read") ||
      !ok(clrelu_buffer_read(dbd, 0, channels, dbias), "clrelu_buffer_read"))
    goto done;

  /* the same on the CPU */
  if (!ok(clrelu_cpu_bias_act_mask(x, bias, cy, cmask, batch, channels, inner,
                                   &act),
          "clrelu_cpu_bias_act_mask") ||
      !ok(clrelu_cpu_act_backward_mask(dy, cmask, cdx, cdbias, batch, channels,
                                       inner, &act),
          "clrelu_cpu_act_backward_mask"))
    goto done;
  const size_t dy_bits = differ(y, cy, n), dx_bits = differ(dx, cdx, n),
               db_bits = differ(dbias, cdbias, channels);
  const int mask_same = memcmp(mask, cmask, words * sizeof *mask) == 0;
  size_t passed = 0;
  for (size_t i = 0; i < n; ++i)
    passed += (mask[i / 32] >> (i % 32)) & 1u;
  printf("mask: %zu bytes instead of x's %zu (%.0fx smaller); %.1f%% of the "
         "elements took the pass-through branch\n",
         words * sizeof *mask, n * sizeof *x,
         (double)(n * sizeof *x) / (double)(words * sizeof *mask),
         100.0 * (double)passed / (double)n);
  printf("dbias[0..3]: %.7g %.7g %.7g %.7g\n", (double)dbias[0],
         (double)(channels > 1 ? dbias[1] : 0.0f),
         (double)(channels > 2 ? dbias[2] : 0.0f),
         (double)(channels > 3 ? dbias[3] : 0.0f));
  const int agree = !dy_bits && !dx_bits && !db_bits && mask_same;
  printf("forward (y, mask) and backward (dx, dbias) agree with the CPU bit "
         "for bit: %s\n",
         agree ? "yes" : "NO");
  if (!agree)
    printf("  differing: y %zu, dx %zu, dbias %zu of %zu, mask %s\n", dy_bits,
           dx_bits, db_bits, channels, mask_same ? "same" : "differs");
  status = !agree;

done:
  clrelu_buffer_destroy(xd);
  clrelu_buffer_destroy(bd);
  clrelu_buffer_destroy(yd);
  clrelu_buffer_destroy(md);
  clrelu_buffer_destroy(dyd);
  clrelu_buffer_destroy(dbd);
  clrelu_context_destroy(ctx);
  free(x), free(bias), free(dy), free(y), free(dx), free(dbias), free(cy);
  free(cdx), free(cdbias), free(mask), free(cmask);
  return status;
}
