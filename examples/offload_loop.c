/* offload_loop: a small dense network run over a batch of inputs, the way
 * inference code is written, with the matrix products on the host and the
 * bias + activation of every layer on an OpenCL device.
 *
 *   offload_loop [--device SPEC] [--batch N] [--layers W0,W1,...,WL]
 *                [--alpha A] [--iters N] [--seed S]
 *
 * Each layer computes z = x W on the host (the same loop for both paths),
 * then y = act(z + b):
 *   device path  z is written to a device buffer, clrelu_bias_relu runs on
 *                it in place, and y is read back. The biases are uploaded
 *                once and stay on the device; the one scratch buffer is made
 *                once and reused by every layer and every batch.
 *   CPU path     clrelu_cpu_bias_relu on the host array, in place.
 * Hidden layers use ReLU (or Leaky ReLU with --alpha); the last layer has no
 * activation, which clrelu_bias_relu gives with alpha = 1 (Leaky ReLU with
 * slope 1 is the identity, exactly), so its bias is added on the device too.
 *
 * Both activations are exact and the host GEMM is the same code, so the two
 * paths must agree bit for bit. Both are also compared with the whole
 * network in float64: ||y - ref|| / ||ref|| must be at most 1e-5.
 *
 * Exit status: 0 when the outputs agree, 1 when they do not or a library
 * call failed, 2 for a bad command line. */
#include "clrelu.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LAYERS 16
#define MAX_WIDTH 65536
#define TOLERANCE 1e-5

typedef struct layer {
  size_t in, out;
  float *w;             /* [in][out], row-major: the GEMM's inner loop runs
                           along rows of w and of the output */
  float *b;             /* [out] */
  float alpha;          /* 0: ReLU; 1: none (last layer); else Leaky ReLU */
  clrelu_buffer *b_dev; /* b, resident on the device */
} layer;

/* ---- Helpers ------------------------------------------------------------- */

static void usage(FILE *f, const char *prog) {
  fprintf(f,
          "usage: %s [--device SPEC] [--batch N] [--layers W0,W1,...]\n"
          "          [--alpha A] [--iters N] [--seed S] [--help]\n"
          "Runs a dense network over a batch, with the GEMMs on the host and\n"
          "bias + activation on an OpenCL device, and compares it with the\n"
          "same network on the CPU and with a float64 reference.\n"
          "  --device SPEC  device to use, as $CLRELU_DEVICE: \"gpu\", "
          "\"cpu\",\n"
          "                 \"P:D\" (platform P, device D) or part of a name\n"
          "  --batch N      inputs per batch (default 16)\n"
          "  --layers LIST  layer widths, input first (default "
          "256,512,512,10)\n"
          "  --alpha A      slope of the hidden activations for x <= 0:\n"
          "                 0 is ReLU (default), else Leaky ReLU\n"
          "  --iters N      timed batches per path (default 5)\n"
          "  --seed S       seed for weights and inputs (default 42)\n",
          prog);
}

static int ok(clrelu_status st, const char *what) {
  if (st == CLRELU_SUCCESS)
    return 1;
  fprintf(stderr, "error: %s: %s: %s\n", what, clrelu_status_string(st),
          clrelu_last_error());
  return 0;
}

static int same_bits(float a, float b) {
  uint32_t ua, ub;
  memcpy(&ua, &a, sizeof ua);
  memcpy(&ub, &b, sizeof ub);
  return ua == ub || (a != a && b != b);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* splitmix64: a small, well-mixed, seeded generator. */
static uint64_t rng_state;
static uint64_t rng_next(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}
/* Uniform in [-1, 1), exactly representable in float. */
static float rng_uniform(void) {
  return (float)((double)(rng_next() >> 40) * 0x1p-23 - 1.0);
}

static int parse_size(const char *s, size_t lo, size_t hi, size_t *out) {
  char *end;
  if (*s < '0' || *s > '9')
    return 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end != '\0' || v < lo || v > hi)
    return 0;
  *out = (size_t)v;
  return 1;
}

static int parse_layers(const char *s, size_t *widths, int *count) {
  char buf[256];
  if (strlen(s) >= sizeof buf)
    return 0;
  strcpy(buf, s);
  *count = 0;
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    if (*count == MAX_LAYERS + 1 ||
        !parse_size(tok, 1, MAX_WIDTH, &widths[*count]))
      return 0;
    ++*count;
  }
  return *count >= 2;
}

/* ---- The network --------------------------------------------------------- */

/* z[batch][out] = x[batch][in] * w[in][out]. Row by row of the output, each
 * input element scaling one row of w: both inner streams are contiguous.
 * Each sum runs over i in order, so the result does not depend on how the
 * compiler vectorises over o. */
static void gemm(const float *x, size_t batch, const layer *L, float *z) {
  for (size_t b = 0; b < batch; ++b) {
    const float *xr = x + b * L->in;
    float *zr = z + b * L->out;
    for (size_t o = 0; o < L->out; ++o)
      zr[o] = 0.0f;
    for (size_t i = 0; i < L->in; ++i) {
      const float xi = xr[i];
      const float *wr = L->w + i * L->out;
      for (size_t o = 0; o < L->out; ++o)
        zr[o] += xi * wr[o];
    }
  }
}

/* One batch with the activations on the device. act[l] receives layer l's
 * output; act_ms accumulates the time of the activation steps (transfers
 * included). */
static int forward_device(clrelu_context *ctx, clrelu_buffer *scratch,
                          const layer *net, int nl, const float *input,
                          size_t batch, float **act, double *act_ms) {
  const float *x = input;
  for (int l = 0; l < nl; ++l) {
    const layer *L = &net[l];
    size_t n = batch * L->out;
    gemm(x, batch, L, act[l]);
    double t0 = now_ms();
    /* z up, bias + activation in place on the device, y back. The read
     * blocks until the op, queued before it, has run. */
    if (!ok(clrelu_buffer_write(scratch, 0, n, act[l]),
            "clrelu_buffer_write") ||
        !ok(clrelu_bias_relu(ctx, scratch, L->b_dev, scratch, batch, L->out, 1,
                             L->alpha),
            "clrelu_bias_relu") ||
        !ok(clrelu_buffer_read(scratch, 0, n, act[l]), "clrelu_buffer_read"))
      return 0;
    *act_ms += now_ms() - t0;
    x = act[l];
  }
  return 1;
}

/* The same batch with the activations on the host. */
static void forward_cpu(const layer *net, int nl, const float *input,
                        size_t batch, float **act, double *act_ms) {
  const float *x = input;
  for (int l = 0; l < nl; ++l) {
    const layer *L = &net[l];
    gemm(x, batch, L, act[l]);
    double t0 = now_ms();
    clrelu_cpu_bias_relu(act[l], L->b, act[l], batch, L->out, 1, L->alpha);
    *act_ms += now_ms() - t0;
    x = act[l];
  }
}

/* The whole network in float64, from the same float weights and inputs.
 * out receives the last layer's output; a and b are scratch of batch *
 * (widest layer) doubles. */
static void forward_f64(const layer *net, int nl, const float *input,
                        size_t batch, double *a, double *b, double *out) {
  for (size_t k = 0; k < batch * net[0].in; ++k)
    a[k] = input[k];
  for (int l = 0; l < nl; ++l) {
    const layer *L = &net[l];
    double *z = l == nl - 1 ? out : b;
    for (size_t r = 0; r < batch; ++r) {
      double *zr = z + r * L->out;
      for (size_t o = 0; o < L->out; ++o)
        zr[o] = L->b[o];
      for (size_t i = 0; i < L->in; ++i) {
        const double xi = a[r * L->in + i];
        const float *wr = L->w + i * L->out;
        for (size_t o = 0; o < L->out; ++o)
          zr[o] += xi * (double)wr[o];
      }
      for (size_t o = 0; o < L->out; ++o)
        zr[o] = zr[o] > 0 ? zr[o] : (double)L->alpha * zr[o];
    }
    double *t = a;
    a = z;
    b = t;
  }
}

static double rel_error(const float *y, const double *ref, size_t n) {
  double num = 0, den = 0;
  for (size_t k = 0; k < n; ++k) {
    double d = y[k] - ref[k];
    num += d * d;
    den += ref[k] * ref[k];
  }
  return den > 0 ? sqrt(num / den) : sqrt(num);
}

int main(int argc, char **argv) {
  const char *device = NULL;
  size_t widths[MAX_LAYERS + 1] = {256, 512, 512, 10};
  int nw = 4;
  size_t batch = 16, iters = 5, seed = 42;
  float alpha = 0.0f;

  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    int bad = 0;
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      usage(stdout, argv[0]);
      return 0;
    } else if (strncmp(arg, "--", 2) != 0 || !val) {
      val = NULL;
      bad = 1;
    } else if (strcmp(arg, "--device") == 0) {
      device = val;
    } else if (strcmp(arg, "--batch") == 0) {
      bad = !parse_size(val, 1, 1u << 20, &batch);
    } else if (strcmp(arg, "--layers") == 0) {
      bad = !parse_layers(val, widths, &nw);
    } else if (strcmp(arg, "--iters") == 0) {
      bad = !parse_size(val, 1, 100000, &iters);
    } else if (strcmp(arg, "--seed") == 0) {
      bad = !parse_size(val, 0, SIZE_MAX, &seed);
    } else if (strcmp(arg, "--alpha") == 0) {
      char *end;
      alpha = strtof(val, &end);
      bad = *end != '\0' || end == val || !isfinite(alpha);
    } else {
      val = NULL;
      bad = 1;
    }
    if (bad) {
      fprintf(stderr, "%s: bad or incomplete option '%s'%s%s\n", argv[0], arg,
              val ? " " : "", val ? val : "");
      usage(stderr, argv[0]);
      return 2;
    }
    ++i;
  }

  int nl = nw - 1, status = 1;
  layer net[MAX_LAYERS] = {{0}};
  float *input = NULL, *act_dev[MAX_LAYERS] = {NULL},
        *act_cpu[MAX_LAYERS] = {NULL};
  double *ref = NULL, *tmp_a = NULL, *tmp_b = NULL;
  clrelu_context *ctx = NULL;
  clrelu_buffer *scratch = NULL;

  /* Host data: weights (He-uniform, so activations keep their scale through
   * the layers), small biases and the inputs, all from the seed. */
  size_t widest = 0;
  for (int k = 0; k < nw; ++k)
    widest = widths[k] > widest ? widths[k] : widest;
  rng_state = seed;
  for (int l = 0; l < nl; ++l) {
    layer *L = &net[l];
    L->in = widths[l];
    L->out = widths[l + 1];
    L->alpha = l == nl - 1 ? 1.0f : alpha;
    L->w = malloc(L->in * L->out * sizeof *L->w);
    L->b = malloc(L->out * sizeof *L->b);
    act_dev[l] = malloc(batch * L->out * sizeof(float));
    act_cpu[l] = malloc(batch * L->out * sizeof(float));
    if (!L->w || !L->b || !act_dev[l] || !act_cpu[l]) {
      fprintf(stderr, "error: out of host memory\n");
      goto done;
    }
    float scale = (float)sqrt(6.0 / (double)L->in);
    for (size_t k = 0; k < L->in * L->out; ++k)
      L->w[k] = rng_uniform() * scale;
    for (size_t k = 0; k < L->out; ++k)
      L->b[k] = rng_uniform() * 0.1f;
  }
  input = malloc(batch * widths[0] * sizeof *input);
  ref = malloc(batch * widths[nw - 1] * sizeof *ref);
  tmp_a = malloc(batch * widest * sizeof *tmp_a);
  tmp_b = malloc(batch * widest * sizeof *tmp_b);
  if (!input || !ref || !tmp_a || !tmp_b) {
    fprintf(stderr, "error: out of host memory\n");
    goto done;
  }
  for (size_t k = 0; k < batch * widths[0]; ++k)
    input[k] = rng_uniform();

  /* Device: the context, the biases (uploaded once) and one scratch buffer
   * big enough for any layer's output. */
  if (!ok(clrelu_context_create(device, &ctx), "clrelu_context_create"))
    goto done;
  printf("device: %s\n", clrelu_context_device_name(ctx));
  printf("network:");
  for (int k = 0; k < nw; ++k)
    printf("%s%zu", k ? " -> " : " ", widths[k]);
  printf(", batch %zu, hidden activation %s (alpha %g), seed %zu\n", batch,
         alpha == 0.0f ? "relu" : "leaky relu", (double)alpha, seed);
  for (int l = 0; l < nl; ++l) {
    layer *L = &net[l];
    if (!ok(clrelu_buffer_create(ctx, CLRELU_F32, L->out, &L->b_dev),
            "clrelu_buffer_create") ||
        !ok(clrelu_buffer_write(L->b_dev, 0, L->out, L->b),
            "clrelu_buffer_write"))
      goto done;
  }
  if (!ok(clrelu_buffer_create(ctx, CLRELU_F32, batch * widest, &scratch),
          "clrelu_buffer_create"))
    goto done;

  /* One untimed batch per path (the first device run pays for first-use
   * costs), then the timed ones. Inputs are the same every time, so the
   * outputs of the last run are the ones compared. */
  double dev_act_ms = 0, cpu_act_ms = 0, t0;
  if (!forward_device(ctx, scratch, net, nl, input, batch, act_dev,
                      &dev_act_ms))
    goto done;
  dev_act_ms = 0;
  t0 = now_ms();
  for (size_t it = 0; it < iters; ++it)
    if (!forward_device(ctx, scratch, net, nl, input, batch, act_dev,
                        &dev_act_ms))
      goto done;
  double dev_ms = (now_ms() - t0) / (double)iters;

  forward_cpu(net, nl, input, batch, act_cpu, &cpu_act_ms);
  cpu_act_ms = 0;
  t0 = now_ms();
  for (size_t it = 0; it < iters; ++it)
    forward_cpu(net, nl, input, batch, act_cpu, &cpu_act_ms);
  double cpu_ms = (now_ms() - t0) / (double)iters;

  printf("device path: %8.3f ms per batch (bias + activation incl. "
         "transfers: %.3f ms)\n",
         dev_ms, dev_act_ms / (double)iters);
  printf("CPU path:    %8.3f ms per batch (bias + activation: %.3f ms; "
         "CPU ops use %s)\n",
         cpu_ms, cpu_act_ms / (double)iters, clrelu_cpu_isa());

  /* Device against CPU, every layer's output. */
  double max_diff = 0;
  size_t differ = 0, total = 0;
  for (int l = 0; l < nl; ++l) {
    for (size_t k = 0; k < batch * net[l].out; ++k) {
      float a = act_dev[l][k], b = act_cpu[l][k];
      if (!same_bits(a, b)) {
        ++differ;
        double d = fabs((double)a - (double)b);
        max_diff = d > max_diff || d != d ? d : max_diff;
      }
    }
    total += batch * net[l].out;
  }
  printf("largest |device - CPU| over all layer outputs: %g "
         "(%zu of %zu values differ in bits)\n",
         max_diff, differ, total);

  /* Both against float64. */
  forward_f64(net, nl, input, batch, tmp_a, tmp_b, ref);
  size_t nout = batch * widths[nw - 1];
  double err_dev = rel_error(act_dev[nl - 1], ref, nout);
  double err_cpu = rel_error(act_cpu[nl - 1], ref, nout);
  printf("||y - ref|| / ||ref|| against float64: device %.3g, CPU %.3g "
         "(limit %g)\n",
         err_dev, err_cpu, TOLERANCE);

  /* What an inference loop would hand on: the predicted class per input. */
  size_t classes = widths[nw - 1], show = batch < 8 ? batch : 8;
  printf("predicted classes of the first %zu inputs:", show);
  for (size_t r = 0; r < show; ++r) {
    const float *y = act_dev[nl - 1] + r * classes;
    size_t best = 0;
    for (size_t c = 1; c < classes; ++c)
      best = y[c] > y[best] ? c : best;
    printf(" %zu", best);
  }
  printf("\n");

  int agree = differ == 0 && err_dev <= TOLERANCE && err_cpu <= TOLERANCE;
  printf("agree: %s\n", agree ? "yes" : "no");
  status = agree ? 0 : 1;

done:
  clrelu_buffer_destroy(scratch);
  for (int l = 0; l < nl; ++l) {
    clrelu_buffer_destroy(net[l].b_dev);
    free(net[l].w);
    free(net[l].b);
    free(act_dev[l]);
    free(act_cpu[l]);
  }
  clrelu_context_destroy(ctx);
  free(input);
  free(ref);
  free(tmp_a);
  free(tmp_b);
  return status;
}
