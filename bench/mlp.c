/* clrelu-mlp: when does the device pay?
 *
 * Part 1 (default): a multilayer perceptron 784 -> 1024 -> 1024 -> 10,
 * ReLU between layers and none after the last (bias_relu with alpha 1 is
 * the identity), seeded random weights, over batch sizes, along three
 * paths timed in turn in every round:
 *   device  weights resident on the device; per inference the input is
 *           written, three clrelu_dense calls run, the output is read back
 *   cpu     an SGEMM on the host (oneDNN's dnnl_sgemm when built with
 *           oneDNN, else a plain blocked loop) then clrelu_cpu_bias_relu
 *   onednn  oneDNN's matmul primitive with bias and a ReLU post-op
 * It prints inferences per second (medians), the batch from which the
 * device stays ahead of each CPU path, each layer shape's first-call and
 * steady times on the device (CLBlast compiles on first use), and checks
 * that every path agrees with a float64 forward pass (normwise relative
 * error <= 1e-5; exit status 1 if not).
 *
 * Part 2 (--host-ops): the host-array ops (clrelu_host_*) against the CPU
 * ops on the same arrays, and the device-resident op, over 2^10 .. 2^24
 * elements: medians, the size from which the host op beats the CPU, and the
 * host op / device-resident ratio at the largest size.
 *
 *   clrelu-mlp [--batches 1,4,16,...] [--quick] [--rounds N] [--host-ops]
 *              [--max-log2 K] [--seed S] [--device SPEC]
 */
#include "rerun.h"

#include <clrelu.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef CLRELU_BENCH_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

#define LAYERS 3
static const size_t dims[LAYERS + 1] = {784, 1024, 1024, 10};
static const float alphas[LAYERS] = {0.0f, 0.0f, 1.0f}; /* 1: identity */
#define TOL 1e-5
#define MAX_BATCHES 32
#define MAX_ROUNDS 101

typedef struct options {
  size_t batches[MAX_BATCHES];
  int nbatches;
  int quick, rounds, host_ops, max_log2, aligned;
  uint64_t seed;
  const char *device;
} options;

/* ---- small helpers ---- */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(const double *v, int n) {
  double s[MAX_ROUNDS];
  memcpy(s, v, (size_t)n * sizeof *s);
  qsort(s, (size_t)n, sizeof *s, cmp_double);
  return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static uint64_t rng;
static double uniform(void) { /* [0, 1), splitmix64 */
  uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

static void *xmalloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p) {
    fprintf(stderr, "clrelu-mlp: out of memory (%zu bytes)\n", bytes);
    exit(2);
  }
  return p;
}

static void die(const char *what, clrelu_status st) {
  fprintf(stderr, "clrelu-mlp: %s: %s: %s\n", what, clrelu_status_string(st),
          clrelu_last_error());
  exit(2);
}

/* ---- options ---- */

static void usage(FILE *f) {
  fprintf(
      f,
      "usage: clrelu-mlp [options]\n"
      "  --batches LIST  batch sizes, e.g. 1,4,16 (default powers of 4 "
      "from 1 to 4096)\n"
      "  --quick         small batches, one round (CI smoke run)\n"
      "  --rounds N      rounds per batch or size (default: by time, 3 "
      "to 15)\n"
      "  --host-ops      time the host-array ops instead of the MLP\n"
      "  --max-log2 K    host ops: sizes 2^10 .. 2^K (default 24)\n"
      "  --aligned       host ops: 64-byte-aligned arrays (default: malloc's)\n"
      "  --seed S        weights and inputs (default 1)\n"
      "  --device SPEC   as clrelu_context_create (default: "
      "$CLRELU_DEVICE)\n");
}

static void parse(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  o->seed = 1;
  o->max_log2 = 24;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--quick") == 0)
      o->quick = 1;
    else if (strcmp(a, "--host-ops") == 0)
      o->host_ops = 1;
    else if (strcmp(a, "--aligned") == 0)
      o->aligned = 1;
    else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      exit(0);
    } else if (v && strcmp(a, "--rounds") == 0) {
      o->rounds = atoi(v);
      ++i;
    } else if (v && strcmp(a, "--max-log2") == 0) {
      o->max_log2 = atoi(v);
      ++i;
    } else if (v && strcmp(a, "--seed") == 0) {
      o->seed = strtoull(v, NULL, 0);
      ++i;
    } else if (v && strcmp(a, "--device") == 0) {
      o->device = v;
      ++i;
    } else if (v && strcmp(a, "--batches") == 0) {
      const char *p = v;
      while (*p && o->nbatches < MAX_BATCHES) {
        char *end;
        unsigned long long b = strtoull(p, &end, 10);
        if (end == p || b == 0 || b > 65536) {
          fprintf(stderr, "clrelu-mlp: bad --batches \"%s\"\n", v);
          exit(2);
        }
        o->batches[o->nbatches++] = (size_t)b;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') {
          fprintf(stderr, "clrelu-mlp: bad --batches \"%s\"\n", v);
          exit(2);
        }
      }
      ++i;
    } else {
      usage(stderr);
      exit(2);
    }
  }
  if (o->rounds < 0 || o->rounds > MAX_ROUNDS || o->max_log2 < 10 ||
      o->max_log2 > 28) {
    fprintf(stderr, "clrelu-mlp: --rounds 1..%d, --max-log2 10..28\n",
            MAX_ROUNDS);
    exit(2);
  }
  if (o->nbatches == 0) {
    if (o->quick) {
      static const size_t q[] = {1, 4, 16};
      for (int i = 0; i < 3; ++i)
        o->batches[o->nbatches++] = q[i];
    } else
      for (size_t b = 1; b <= 4096; b *= 4)
        o->batches[o->nbatches++] = b;
  }
  if (o->quick) {
    o->rounds = 1;
    if (o->max_log2 > 16)
      o->max_log2 = 16;
  }
}

/* Rounds for a round that took t seconds: about 2 s in all, 3 to 15. */
static int rounds_for(const options *o, double t) {
  if (o->rounds)
    return o->rounds;
  int r = t > 0 ? (int)(2.0 / t) : 15;
  return r < 3 ? 3 : r > 15 ? 15 : r;
}

/* ---- the network ---- */

typedef struct net {
  float *w[LAYERS], *b[LAYERS]; /* w [out][in] */
  float *wt[LAYERS];            /* w transposed, [in][out], for the loop */
} net;

static void net_make(net *n) {
  for (int l = 0; l < LAYERS; ++l) {
    size_t in = dims[l], out = dims[l + 1];
    double bound = sqrt(6.0 / (double)in); /* Kaiming uniform */
    n->w[l] = xmalloc(in * out * sizeof(float));
    n->wt[l] = xmalloc(in * out * sizeof(float));
    n->b[l] = xmalloc(out * sizeof(float));
    for (size_t i = 0; i < in * out; ++i)
      n->w[l][i] = (float)((uniform() * 2 - 1) * bound);
    for (size_t o = 0; o < out; ++o)
      for (size_t i = 0; i < in; ++i)
        n->wt[l][i * out + o] = n->w[l][o * in + i];
    for (size_t o = 0; o < out; ++o)
      n->b[l][o] = (float)((uniform() * 2 - 1) * 0.05);
  }
}

static void net_free(net *n) {
  for (int l = 0; l < LAYERS; ++l) {
    free(n->w[l]);
    free(n->wt[l]);
    free(n->b[l]);
  }
}

/* The float64 forward pass. */
static void forward_ref(const net *n, const float *x, double *y, size_t batch) {
  double *a = xmalloc(batch * 1024 * sizeof(double));
  double *t = xmalloc(batch * 1024 * sizeof(double));
  for (size_t i = 0; i < batch * dims[0]; ++i)
    a[i] = x[i];
  for (int l = 0; l < LAYERS; ++l) {
    size_t in = dims[l], out = dims[l + 1];
    for (size_t r = 0; r < batch; ++r)
      for (size_t o = 0; o < out; ++o) {
        double s = n->b[l][o];
        for (size_t i = 0; i < in; ++i)
          s += a[r * in + i] * (double)n->w[l][o * in + i];
        t[r * out + o] = s > 0 ? s : (double)alphas[l] * s;
      }
    double *swap = a;
    a = t;
    t = swap;
  }
  memcpy(y, a, batch * dims[LAYERS] * sizeof(double));
  free(a);
  free(t);
}

static double rel_error(const float *got, const double *ref, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = (double)got[i] - ref[i];
    num += d * d;
    den += ref[i] * ref[i];
  }
  return den > 0 ? sqrt(num / den) : sqrt(num);
}

/* ---- device path ---- */

typedef struct device_path {
  clrelu_context *ctx;
  clrelu_buffer *w[LAYERS], *b[LAYERS];
  clrelu_buffer *act[LAYERS + 1]; /* act[0] input, act[3] output */
  size_t batch;
} device_path;

static void device_make(device_path *d, clrelu_context *ctx, const net *n) {
  memset(d, 0, sizeof *d);
  d->ctx = ctx;
  for (int l = 0; l < LAYERS; ++l) {
    size_t in = dims[l], out = dims[l + 1];
    clrelu_status st;
    if ((st = clrelu_buffer_create(ctx, CLRELU_F32, in * out, &d->w[l])) ||
        (st = clrelu_buffer_create(ctx, CLRELU_F32, out, &d->b[l])) ||
        (st = clrelu_buffer_write(d->w[l], 0, in * out, n->w[l])) ||
        (st = clrelu_buffer_write(d->b[l], 0, out, n->b[l])))
      die("device weights", st);
  }
}

static void device_batch(device_path *d, size_t batch) {
  for (int l = 0; l <= LAYERS; ++l) {
    clrelu_buffer_destroy(d->act[l]);
    d->act[l] = NULL;
    clrelu_status st =
        clrelu_buffer_create(d->ctx, CLRELU_F32, batch * dims[l], &d->act[l]);
    if (st)
      die("device activations", st);
  }
  d->batch = batch;
}

static void device_free(device_path *d) {
  for (int l = 0; l < LAYERS; ++l) {
    clrelu_buffer_destroy(d->w[l]);
    clrelu_buffer_destroy(d->b[l]);
  }
  for (int l = 0; l <= LAYERS; ++l)
    clrelu_buffer_destroy(d->act[l]);
}

/* One inference: input written, three layers, output read. When layer_s is
 * not NULL each layer is finished and timed on its own. */
static void device_run(device_path *d, const float *x, float *y,
                       double *layer_s) {
  size_t batch = d->batch;
  clrelu_status st = clrelu_buffer_write(d->act[0], 0, batch * dims[0], x);
  if (st)
    die("device input", st);
  for (int l = 0; l < LAYERS; ++l) {
    double t0 = layer_s ? now() : 0;
    st = clrelu_dense(d->ctx, d->act[l], d->w[l], d->b[l], d->act[l + 1], batch,
                      dims[l], dims[l + 1], alphas[l]);
    if (st)
      die("clrelu_dense", st);
    if (layer_s) {
      if ((st = clrelu_finish(d->ctx)))
        die("clrelu_finish", st);
      layer_s[l] = now() - t0;
    }
  }
  st = clrelu_buffer_read(d->act[LAYERS], 0, batch * dims[LAYERS], y);
  if (st)
    die("device output", st);
}

/* ---- CPU path: SGEMM then clrelu_cpu_bias_relu ---- */

/* y[batch][out] = x[batch][in] wt[in][out], blocked: four rows at a time
 * over a slice of 256 outputs, so that the inner loop vectorises. */
static void sgemm_loop(const float *x, const float *wt, float *y, size_t batch,
                       size_t in, size_t out) {
  enum { RB = 4, OB = 256 };
  for (size_t r0 = 0; r0 < batch; r0 += RB) {
    size_t rn = batch - r0 < RB ? batch - r0 : RB;
    for (size_t o0 = 0; o0 < out; o0 += OB) {
      size_t on = out - o0 < OB ? out - o0 : OB;
      float acc[RB][OB];
      memset(acc, 0, sizeof acc);
      for (size_t i = 0; i < in; ++i) {
        const float *wr = wt + i * out + o0;
        for (size_t r = 0; r < rn; ++r) {
          float xv = x[(r0 + r) * in + i];
          for (size_t o = 0; o < on; ++o)
            acc[r][o] += xv * wr[o];
        }
      }
      for (size_t r = 0; r < rn; ++r)
        memcpy(y + (r0 + r) * out + o0, acc[r], on * sizeof(float));
    }
  }
}

static const char *cpu_gemm_name(void) {
#ifdef CLRELU_BENCH_HAVE_DNNL
  return "dnnl_sgemm";
#else
  return "blocked loop";
#endif
}

static void cpu_run(const net *n, const float *x, float *y, float *t1,
                    float *t2, size_t batch) {
  const float *in_act = x;
  float *outs[LAYERS] = {t1, t2, y};
  for (int l = 0; l < LAYERS; ++l) {
    size_t in = dims[l], out = dims[l + 1];
#ifdef CLRELU_BENCH_HAVE_DNNL
    dnnl_status_t s =
        dnnl_sgemm('N', 'T', (dnnl_dim_t)batch, (dnnl_dim_t)out, (dnnl_dim_t)in,
                   1.0f, in_act, (dnnl_dim_t)in, n->w[l], (dnnl_dim_t)in, 0.0f,
                   outs[l], (dnnl_dim_t)out);
    if (s != dnnl_success) {
      fprintf(stderr, "clrelu-mlp: dnnl_sgemm failed (%d)\n", (int)s);
      exit(2);
    }
#else
    sgemm_loop(in_act, n->wt[l], outs[l], batch, in, out);
#endif
    clrelu_cpu_bias_relu(outs[l], n->b[l], outs[l], batch, out, 1, alphas[l]);
    in_act = outs[l];
  }
#ifdef CLRELU_BENCH_HAVE_DNNL
  (void)sgemm_loop;
#endif
}

/* ---- oneDNN path: matmul with bias and a ReLU post-op ---- */

#ifdef CLRELU_BENCH_HAVE_DNNL
typedef struct onednn_path {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  dnnl_primitive_t prim[LAYERS];
  dnnl_memory_t src[LAYERS], wei[LAYERS], bias[LAYERS], dst[LAYERS];
  float *act[LAYERS]; /* outputs of layers 0 and 1; layer 2 writes y */
  size_t batch;
} onednn_path;

static void dnnl_check(dnnl_status_t s, const char *what) {
  if (s != dnnl_success) {
    fprintf(stderr, "clrelu-mlp: oneDNN: %s failed (%d)\n", what, (int)s);
    exit(2);
  }
}

static void onednn_release(onednn_path *p) {
  for (int l = 0; l < LAYERS; ++l) {
    if (p->prim[l])
      dnnl_primitive_destroy(p->prim[l]);
    if (p->src[l])
      dnnl_memory_destroy(p->src[l]);
    if (p->wei[l])
      dnnl_memory_destroy(p->wei[l]);
    if (p->bias[l])
      dnnl_memory_destroy(p->bias[l]);
    if (p->dst[l])
      dnnl_memory_destroy(p->dst[l]);
    free(p->act[l]);
    p->prim[l] = NULL;
    p->src[l] = p->wei[l] = p->bias[l] = p->dst[l] = NULL;
    p->act[l] = NULL;
  }
}

/* Primitives and memories for one batch size; y is the last layer's
 * output (set per run with dnnl_memory_set_data_handle). */
static void onednn_batch(onednn_path *p, const net *n, size_t batch) {
  onednn_release(p);
  p->batch = batch;
  for (int l = 0; l < LAYERS; ++l) {
    dnnl_dim_t in = (dnnl_dim_t)dims[l], out = (dnnl_dim_t)dims[l + 1];
    dnnl_dims_t sd = {(dnnl_dim_t)batch, in}, wd = {in, out}, bd = {1, out},
                dd = {(dnnl_dim_t)batch, out};
    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t po;
    dnnl_check(dnnl_primitive_attr_create(&attr), "attr");
    dnnl_check(dnnl_post_ops_create(&po), "post_ops");
    if (alphas[l] == 0.0f) {
#if DNNL_VERSION_MAJOR >= 3
      dnnl_check(dnnl_post_ops_append_eltwise(po, dnnl_eltwise_relu, 0, 0),
                 "relu post-op");
#else
      dnnl_check(
          dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0, 0),
          "relu post-op");
#endif
    }
    dnnl_check(dnnl_primitive_attr_set_post_ops(attr, po), "set post-ops");
    dnnl_primitive_desc_t pd;
#if DNNL_VERSION_MAJOR >= 3
    dnnl_memory_desc_t smd, wmd, bmd, dmd;
    dnnl_check(dnnl_memory_desc_create_with_tag(&smd, 2, sd, dnnl_f32, dnnl_ab),
               "src md");
    dnnl_check(dnnl_memory_desc_create_with_tag(&wmd, 2, wd, dnnl_f32, dnnl_ba),
               "weights md");
    dnnl_check(dnnl_memory_desc_create_with_tag(&bmd, 2, bd, dnnl_f32, dnnl_ab),
               "bias md");
    dnnl_check(dnnl_memory_desc_create_with_tag(&dmd, 2, dd, dnnl_f32, dnnl_ab),
               "dst md");
    dnnl_check(dnnl_matmul_primitive_desc_create(&pd, p->engine, smd, wmd, bmd,
                                                 dmd, attr),
               "matmul pd");
    const_dnnl_memory_desc_t s_md = smd, w_md = wmd, b_md = bmd, d_md = dmd;
#else
    dnnl_memory_desc_t smd, wmd, bmd, dmd;
    dnnl_check(dnnl_memory_desc_init_by_tag(&smd, 2, sd, dnnl_f32, dnnl_ab),
               "src md");
    dnnl_check(dnnl_memory_desc_init_by_tag(&wmd, 2, wd, dnnl_f32, dnnl_ba),
               "weights md");
    dnnl_check(dnnl_memory_desc_init_by_tag(&bmd, 2, bd, dnnl_f32, dnnl_ab),
               "bias md");
    dnnl_check(dnnl_memory_desc_init_by_tag(&dmd, 2, dd, dnnl_f32, dnnl_ab),
               "dst md");
    dnnl_matmul_desc_t md;
    dnnl_check(dnnl_matmul_desc_init(&md, &smd, &wmd, &bmd, &dmd), "matmul");
    dnnl_check(dnnl_primitive_desc_create(&pd, &md, attr, p->engine, NULL),
               "matmul pd");
    const dnnl_memory_desc_t *s_md = &smd, *w_md = &wmd, *b_md = &bmd,
                             *d_md = &dmd;
#endif
    dnnl_check(dnnl_primitive_create(&p->prim[l], pd), "matmul primitive");
    dnnl_primitive_desc_destroy(pd);
    dnnl_post_ops_destroy(po);
    dnnl_primitive_attr_destroy(attr);
    if (l < LAYERS - 1)
      p->act[l] = xmalloc(batch * dims[l + 1] * sizeof(float));
    dnnl_check(dnnl_memory_create(&p->src[l], s_md, p->engine,
                                  l ? p->act[l - 1] : DNNL_MEMORY_NONE),
               "src memory");
    dnnl_check(dnnl_memory_create(&p->wei[l], w_md, p->engine, n->w[l]),
               "weights memory");
    dnnl_check(dnnl_memory_create(&p->bias[l], b_md, p->engine, n->b[l]),
               "bias memory");
    dnnl_check(
        dnnl_memory_create(&p->dst[l], d_md, p->engine,
                           l < LAYERS - 1 ? p->act[l] : DNNL_MEMORY_NONE),
        "dst memory");
#if DNNL_VERSION_MAJOR >= 3
    dnnl_memory_desc_destroy(smd);
    dnnl_memory_desc_destroy(wmd);
    dnnl_memory_desc_destroy(bmd);
    dnnl_memory_desc_destroy(dmd);
#endif
  }
}

static void onednn_run(onednn_path *p, const float *x, float *y) {
  dnnl_check(dnnl_memory_set_data_handle(p->src[0], (void *)x), "input");
  dnnl_check(dnnl_memory_set_data_handle(p->dst[LAYERS - 1], y), "output");
  for (int l = 0; l < LAYERS; ++l) {
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, p->src[l]},
                              {DNNL_ARG_WEIGHTS, p->wei[l]},
                              {DNNL_ARG_BIAS, p->bias[l]},
                              {DNNL_ARG_DST, p->dst[l]}};
    dnnl_check(dnnl_primitive_execute(p->prim[l], p->stream, 4, args),
               "matmul");
  }
  dnnl_check(dnnl_stream_wait(p->stream), "stream wait");
}
#endif

/* ---- part 1: the MLP ---- */

enum { P_DEVICE, P_CPU, P_ONEDNN, NPATHS };
static const char *const path_names[NPATHS] = {"device", "cpu", "onednn"};

typedef struct mlp_result {
  size_t batch;
  double median_s[NPATHS]; /* 0: not run */
} mlp_result;

/* The first batch from which the device's median stays below the path's,
 * or 0 when it never does. */
static size_t overtakes(const mlp_result *r, int n, int path) {
  size_t from = 0;
  for (int i = 0; i < n; ++i) {
    if (r[i].median_s[path] <= 0)
      return 0;
    if (r[i].median_s[P_DEVICE] < r[i].median_s[path]) {
      if (!from)
        from = r[i].batch;
    } else
      from = 0;
  }
  return from;
}

static int run_mlp(const options *o, clrelu_context *ctx) {
  net n;
  net_make(&n);
  device_path dev;
  device_make(&dev, ctx, &n);
  {
    /* Without CLBlast there is no device path: say so and skip. */
    clrelu_buffer *t = NULL;
    clrelu_status st = clrelu_buffer_create(ctx, CLRELU_F32, 4, &t);
    if (!st)
      st = clrelu_dense(ctx, t, t, t, t, 0, 1, 1, 0.0f);
    if (!st) {
      clrelu_buffer *u = NULL;
      st = clrelu_buffer_create(ctx, CLRELU_F32, 1, &u);
      if (!st)
        st = clrelu_dense(ctx, t, t, t, u, 1, 1, 1, 0.0f);
      clrelu_buffer_destroy(u);
    }
    clrelu_buffer_destroy(t);
    if (st == CLRELU_ERROR_UNSUPPORTED) {
      printf("SKIPPED: %s\n", clrelu_last_error());
      device_free(&dev);
      net_free(&n);
      return 77;
    }
  }
  int have_onednn = 0;
#ifdef CLRELU_BENCH_HAVE_DNNL
  onednn_path dn;
  memset(&dn, 0, sizeof dn);
  dnnl_check(dnnl_engine_create(&dn.engine, dnnl_cpu, 0), "engine");
  dnnl_check(
      dnnl_stream_create(&dn.stream, dn.engine, dnnl_stream_default_flags),
      "stream");
  have_onednn = 1;
  const dnnl_version_t *v = dnnl_version();
  printf("oneDNN %d.%d.%d\n", v->major, v->minor, v->patch);
#endif
  printf("MLP 784 -> 1024 -> 1024 -> 10 (ReLU, ReLU, none); cpu path: %s + "
         "clrelu_cpu_bias_relu (%s)\n",
         cpu_gemm_name(), clrelu_cpu_isa());
  int failures = 0;

  /* Agreement with float64, on a few batches. */
  static const size_t check_batches[] = {1, 7, 64};
  int nchecks = o->quick ? 2 : 3;
  for (int c = 0; c < nchecks; ++c) {
    size_t batch = check_batches[c], nout = batch * dims[LAYERS];
    float *x = xmalloc(batch * dims[0] * sizeof(float));
    float *y = xmalloc(nout * sizeof(float));
    float *t1 = xmalloc(batch * 1024 * sizeof(float));
    float *t2 = xmalloc(batch * 1024 * sizeof(float));
    double *ref = xmalloc(nout * sizeof(double));
    for (size_t i = 0; i < batch * dims[0]; ++i)
      x[i] = (float)uniform();
    forward_ref(&n, x, ref, batch);
    for (int p = 0; p < NPATHS; ++p) {
      if (p == P_ONEDNN && !have_onednn)
        continue;
      memset(y, 0xff, nout * sizeof(float)); /* NaN */
      if (p == P_DEVICE) {
        device_batch(&dev, batch);
        device_run(&dev, x, y, NULL);
      } else if (p == P_CPU)
        cpu_run(&n, x, y, t1, t2, batch);
#ifdef CLRELU_BENCH_HAVE_DNNL
      else {
        onednn_batch(&dn, &n, batch);
        onednn_run(&dn, x, y);
      }
#endif
      double e = rel_error(y, ref, nout);
      int ok = e <= TOL;
      failures += !ok;
      printf("check batch %zu: %-6s normwise relative error %.2e %s\n", batch,
             path_names[p], e, ok ? "ok" : "FAILED (> 1e-5)");
    }
    free(x);
    free(y);
    free(t1);
    free(t2);
    free(ref);
  }

  /* Timing. */
  mlp_result res[MAX_BATCHES];
  printf("\nfirst call of each layer on the device (CLBlast compiles on "
         "first use), then its steady time:\n");
  for (int bi = 0; bi < o->nbatches; ++bi) {
    size_t batch = o->batches[bi];
    float *x = xmalloc(batch * dims[0] * sizeof(float));
    float *y = xmalloc(batch * dims[LAYERS] * sizeof(float));
    float *t1 = xmalloc(batch * 1024 * sizeof(float));
    float *t2 = xmalloc(batch * 1024 * sizeof(float));
    for (size_t i = 0; i < batch * dims[0]; ++i)
      x[i] = (float)uniform();
    device_batch(&dev, batch);
#ifdef CLRELU_BENCH_HAVE_DNNL
    onednn_batch(&dn, &n, batch);
#endif
    /* warm-up, one each; the device's layers timed apart */
    double first[LAYERS], steady[LAYERS];
    device_run(&dev, x, y, first);
    device_run(&dev, x, y, steady);
    printf("  batch %5zu:", batch);
    for (int l = 0; l < LAYERS; ++l)
      printf("  %zux%zux%zu %.1f / %.1f ms", batch, dims[l], dims[l + 1],
             first[l] * 1e3, steady[l] * 1e3);
    printf("\n");
    double t0 = now();
    cpu_run(&n, x, y, t1, t2, batch);
#ifdef CLRELU_BENCH_HAVE_DNNL
    onednn_run(&dn, x, y);
#endif
    double round_s = now() - t0 + steady[0] + steady[1] + steady[2];
    int rounds = rounds_for(o, round_s);
    double t[NPATHS][MAX_ROUNDS];
    for (int r = 0; r < rounds; ++r)
      for (int p = 0; p < NPATHS; ++p) {
        if (p == P_ONEDNN && !have_onednn)
          continue;
        double a = now();
        if (p == P_DEVICE)
          device_run(&dev, x, y, NULL);
        else if (p == P_CPU)
          cpu_run(&n, x, y, t1, t2, batch);
#ifdef CLRELU_BENCH_HAVE_DNNL
        else
          onednn_run(&dn, x, y);
#endif
        t[p][r] = now() - a;
      }
    res[bi].batch = batch;
    for (int p = 0; p < NPATHS; ++p)
      res[bi].median_s[p] =
          p == P_ONEDNN && !have_onednn ? 0 : median(t[p], rounds);
    free(x);
    free(y);
    free(t1);
    free(t2);
  }

  printf("\ninferences per second (median of the rounds; device includes "
         "writing the input and reading the output):\n");
  printf("| batch | device | cpu (%s) | onednn matmul | device / cpu | "
         "device / onednn |\n",
         cpu_gemm_name());
  printf("|---:|---:|---:|---:|---:|---:|\n");
  for (int bi = 0; bi < o->nbatches; ++bi) {
    const mlp_result *r = &res[bi];
    double ips[NPATHS];
    for (int p = 0; p < NPATHS; ++p)
      ips[p] = r->median_s[p] > 0 ? (double)r->batch / r->median_s[p] : 0;
    printf("| %zu | %.0f | %.0f | ", r->batch, ips[P_DEVICE], ips[P_CPU]);
    if (have_onednn)
      printf("%.0f | %.2fx | %.2fx |\n", ips[P_ONEDNN],
             ips[P_DEVICE] / ips[P_CPU], ips[P_DEVICE] / ips[P_ONEDNN]);
    else
      printf("- | %.2fx | - |\n", ips[P_DEVICE] / ips[P_CPU]);
  }
  for (int p = P_CPU; p < NPATHS; ++p) {
    if (p == P_ONEDNN && !have_onednn)
      continue;
    size_t b = overtakes(res, o->nbatches, p);
    if (b)
      printf("the device overtakes %s from batch %zu on\n", path_names[p], b);
    else
      printf("the device does not overtake %s at any batch measured "
             "(%zu .. %zu)\n",
             path_names[p], o->batches[0], o->batches[o->nbatches - 1]);
  }
#ifdef CLRELU_BENCH_HAVE_DNNL
  onednn_release(&dn);
  dnnl_stream_destroy(dn.stream);
  dnnl_engine_destroy(dn.engine);
#endif
  device_free(&dev);
  net_free(&n);
  if (failures)
    printf("clrelu-mlp: %d path(s) disagree with the float64 reference\n",
           failures);
  return failures ? 1 : 0;
}

/* ---- part 2: host-array ops ---- */

enum { H_RELU, H_LEAKY, H_BIAS, NHOPS };
static const char *const hop_names[NHOPS] = {"relu", "leaky_relu", "bias_relu"};
/* The paths: the host op on malloc'd arrays (its default way, then forced
 * chunked), on arrays from clrelu_host_alloc (pinned), the naive way
 * (clrelu_buffer_write, the device op, clrelu_buffer_read), the CPU op and
 * the device-resident op. */
enum { Q_HOST, Q_CHUNKED, Q_PINNED, Q_NAIVE, Q_CPU, Q_DEVICE, NQ };
#define CHANNELS 1024 /* bias_relu: rows of 1024 (a dense layer's output) */

static clrelu_status host_op(clrelu_context *ctx, int op, const float *x,
                             const float *b, float *y, size_t n) {
  if (op == H_RELU)
    return clrelu_host_relu(ctx, x, y, n);
  if (op == H_LEAKY)
    return clrelu_host_leaky_relu(ctx, x, y, n, 0.01f);
  return clrelu_host_bias_relu(ctx, x, b, y, n / CHANNELS, CHANNELS, 1, 0.0f);
}

static void cpu_op(int op, const float *x, const float *b, float *y, size_t n) {
  if (op == H_RELU)
    clrelu_cpu_relu(x, y, n);
  else if (op == H_LEAKY)
    clrelu_cpu_leaky_relu(x, y, n, 0.01f);
  else
    clrelu_cpu_bias_relu(x, b, y, n / CHANNELS, CHANNELS, 1, 0.0f);
}

static clrelu_status device_op(clrelu_context *ctx, int op,
                               const clrelu_buffer *x, const clrelu_buffer *b,
                               clrelu_buffer *y, size_t n) {
  clrelu_status st;
  if (op == H_RELU)
    st = clrelu_relu(ctx, x, y, n);
  else if (op == H_LEAKY)
    st = clrelu_leaky_relu(ctx, x, y, n, 0.01f);
  else
    st = clrelu_bias_relu(ctx, x, b, y, n / CHANNELS, CHANNELS, 1, 0.0f);
  return st ? st : clrelu_finish(ctx);
}

/* What a user without the host ops writes: upload, op, download. */
static clrelu_status naive_op(clrelu_context *ctx, int op, const float *x,
                              clrelu_buffer *dx, const clrelu_buffer *db,
                              clrelu_buffer *dy, float *y, size_t n) {
  clrelu_status st = clrelu_buffer_write(dx, 0, n, x);
  if (st)
    return st;
  if ((st = device_op(ctx, op, dx, db, dy, n)))
    return st;
  return clrelu_buffer_read(dy, 0, n, y);
}

static int run_host_ops(const options *o, clrelu_context *ctx) {
  size_t nmax = (size_t)1 << o->max_log2;
  float *x, *y;
  void *px = NULL, *py = NULL; /* --aligned: the allocations */
  if (o->aligned) {
    /* 64-byte aligned, at different offsets in their pages (576 bytes
     * apart) so that the CPU's stores do not alias the loads by 4 KiB */
    if (posix_memalign(&px, 4096, nmax * sizeof(float)) ||
        posix_memalign(&py, 4096, nmax * sizeof(float) + 4096)) {
      fprintf(stderr, "clrelu-mlp: out of memory\n");
      exit(2);
    }
    x = px;
    y = (float *)py + 144;
  } else {
    x = xmalloc(nmax * sizeof(float));
    y = xmalloc(nmax * sizeof(float));
  }
  float *yc = xmalloc(nmax * sizeof(float));
  float *b = xmalloc(CHANNELS * sizeof(float));
  for (size_t i = 0; i < nmax; ++i)
    x[i] = (float)(uniform() * 2 - 1);
  for (size_t i = 0; i < CHANNELS; ++i)
    b[i] = (float)(uniform() * 0.2 - 0.1);
  memset(y, 0, nmax * sizeof(float));
  memset(yc, 0, nmax * sizeof(float));
  float *pinx = clrelu_host_alloc(ctx, nmax * sizeof(float));
  float *piny = clrelu_host_alloc(ctx, nmax * sizeof(float));
  if (!pinx || !piny)
    die("clrelu_host_alloc", CLRELU_ERROR_OUT_OF_MEMORY);
  memcpy(pinx, x, nmax * sizeof(float));
  memset(piny, 0, nmax * sizeof(float));
  clrelu_buffer *dx, *dy, *db;
  clrelu_status st;
  if ((st = clrelu_buffer_create(ctx, CLRELU_F32, nmax, &dx)) ||
      (st = clrelu_buffer_create(ctx, CLRELU_F32, nmax, &dy)) ||
      (st = clrelu_buffer_create(ctx, CLRELU_F32, CHANNELS, &db)) ||
      (st = clrelu_buffer_write(dx, 0, nmax, x)) ||
      (st = clrelu_buffer_write(dy, 0, nmax, yc)) ||
      (st = clrelu_buffer_write(db, 0, CHANNELS, b)))
    die("device buffers", st);
  /* the chunked path, forced on a second context of the same device */
  const clrelu_options chunked = {.device = o->device, .host_path = "chunked"};
  clrelu_context *cctx = NULL;
  if ((st = clrelu_context_create_with(&chunked, &cctx)))
    die("clrelu_context_create_with", st);
  printf("host-array ops on %s arrays (x %% 64 = %zu, y %% 64 = %zu bytes) "
         "against the CPU ops and the device-resident op; medians, "
         "microseconds:\n",
         o->aligned ? "64-byte-aligned" : "malloc'd",
         (size_t)((uintptr_t)x % 64), (size_t)((uintptr_t)y % 64));
  printf("naive: clrelu_buffer_write of x, the device op, clrelu_buffer_read "
         "of y; pinned: the host op on arrays from clrelu_host_alloc\n");
  int failures = 0;
  for (int op = 0; op < NHOPS; ++op) {
    printf("\n%s\n| n | host op | host op chunked | pinned | naive | cpu op | "
           "device-resident | host / cpu | host / device-resident | "
           "naive / host | naive / pinned |\n"
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
           hop_names[op]);
    size_t cross = 0;
    double last_ratio = 0, last_naive_host = 0, last_naive_pinned = 0;
    for (int k = 10; k <= o->max_log2; ++k) {
      size_t n = (size_t)1 << k;
      /* warm-up, and the results bit for bit */
      if ((st = host_op(ctx, op, x, b, y, n)))
        die(hop_names[op], st);
      cpu_op(op, x, b, yc, n);
      if (memcmp(y, yc, n * sizeof(float)) != 0) {
        printf("%s n=%zu: host op and cpu op differ\n", hop_names[op], n);
        ++failures;
      }
      if ((st = host_op(cctx, op, x, b, y, n)))
        die(hop_names[op], st);
      if (memcmp(y, yc, n * sizeof(float)) != 0) {
        printf("%s n=%zu: chunked host op and cpu op differ\n", hop_names[op],
               n);
        ++failures;
      }
      if ((st = host_op(ctx, op, pinx, b, piny, n)))
        die(hop_names[op], st);
      if (memcmp(piny, yc, n * sizeof(float)) != 0) {
        printf("%s n=%zu: pinned host op and cpu op differ\n", hop_names[op],
               n);
        ++failures;
      }
      if ((st = naive_op(ctx, op, x, dx, db, dy, y, n)))
        die(hop_names[op], st);
      if (memcmp(y, yc, n * sizeof(float)) != 0) {
        printf("%s n=%zu: naive device op and cpu op differ\n", hop_names[op],
               n);
        ++failures;
      }
      if ((st = device_op(ctx, op, dx, db, dy, n)))
        die(hop_names[op], st);
      double t0 = now();
      host_op(ctx, op, x, b, y, n);
      cpu_op(op, x, b, y, n);
      device_op(ctx, op, dx, db, dy, n);
      int rounds = rounds_for(o, 4 * (now() - t0));
      if (!o->rounds && rounds < 11)
        rounds = 11;
      double t[NQ][MAX_ROUNDS], ratio_dev[MAX_ROUNDS], ratio_cpu[MAX_ROUNDS],
          ratio_nh[MAX_ROUNDS], ratio_np[MAX_ROUNDS];
      for (int r = 0; r < rounds; ++r) {
        for (int q = 0; q < NQ; ++q) {
          double a = now();
          if (q == Q_HOST)
            st = host_op(ctx, op, x, b, y, n);
          else if (q == Q_CHUNKED)
            st = host_op(cctx, op, x, b, y, n);
          else if (q == Q_PINNED)
            st = host_op(ctx, op, pinx, b, piny, n);
          else if (q == Q_NAIVE)
            st = naive_op(ctx, op, x, dx, db, dy, y, n);
          else if (q == Q_CPU) {
            cpu_op(op, x, b, y, n); /* the same arrays as the host op */
            st = CLRELU_SUCCESS;
          } else
            st = device_op(ctx, op, dx, db, dy, n);
          t[q][r] = now() - a;
          if (st)
            die(hop_names[op], st);
        }
        ratio_dev[r] = t[Q_HOST][r] / t[Q_DEVICE][r];
        ratio_cpu[r] = t[Q_HOST][r] / t[Q_CPU][r];
        ratio_nh[r] = t[Q_NAIVE][r] / t[Q_HOST][r];
        ratio_np[r] = t[Q_NAIVE][r] / t[Q_PINNED][r];
      }
      double m[NQ];
      for (int q = 0; q < NQ; ++q)
        m[q] = median(t[q], rounds);
      double rc = median(ratio_cpu, rounds), rd = median(ratio_dev, rounds);
      last_naive_host = median(ratio_nh, rounds);
      last_naive_pinned = median(ratio_np, rounds);
      printf("| 2^%d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2fx | "
             "%.2fx | %.2fx | %.2fx |\n",
             k, m[Q_HOST] * 1e6, m[Q_CHUNKED] * 1e6, m[Q_PINNED] * 1e6,
             m[Q_NAIVE] * 1e6, m[Q_CPU] * 1e6, m[Q_DEVICE] * 1e6, rc, rd,
             last_naive_host, last_naive_pinned);
      if (rc < 1.0) {
        if (!cross)
          cross = n;
      } else
        cross = 0;
      last_ratio = rd;
    }
    if (cross)
      printf("%s: the host op beats the cpu op from n = %zu on\n",
             hop_names[op], cross);
    else
      printf("%s: the host op does not beat the cpu op at any n measured\n",
             hop_names[op]);
    printf("%s: host op / device-resident op at n = 2^%d: %.2fx (%s 1.3x)\n",
           hop_names[op], o->max_log2, last_ratio,
           last_ratio <= 1.3 ? "within" : "above");
    printf("%s: at n = 2^%d the naive way takes %.2fx the host op's time and "
           "%.2fx the pinned host op's\n",
           hop_names[op], o->max_log2, last_naive_host, last_naive_pinned);
  }
  clrelu_host_free(ctx, pinx);
  clrelu_host_free(ctx, piny);
  clrelu_buffer_destroy(dx);
  clrelu_buffer_destroy(dy);
  clrelu_buffer_destroy(db);
  clrelu_context_destroy(cctx);
  if (o->aligned) {
    free(px);
    free(py);
  } else {
    free(x);
    free(y);
  }
  free(yc);
  free(b);
  return failures ? 1 : 0;
}

int main(int argc, char **argv) {
#ifdef CLRELU_BENCH_HAVE_DNNL
  /* oneDNN's OpenMP threads spin between calls by default and take the
   * cores that PoCL's threads (the device) and clrelu's CPU workers need:
   * on 2 cores that made every path several times slower. The OpenMP
   * runtime reads its environment as the program loads, so start again
   * with passive waiting unless the caller chose. */
  if (!getenv("OMP_WAIT_POLICY")) {
    static const char *const add[] = {"OMP_WAIT_POLICY=passive", NULL};
    bench_rerun_with(argv, add); /* on failure: go on as we are */
  }
#endif
  options o;
  parse(argc, argv, &o);
  rng = o.seed;
  clrelu_context *ctx = NULL;
  clrelu_status st = clrelu_context_create(o.device, &ctx);
  if (st)
    die("clrelu_context_create", st);
  printf("clrelu-mlp: %s, %s\n", clrelu_context_device_name(ctx),
         clrelu_context_tuning(ctx));
  int rc = o.host_ops ? run_host_ops(&o, ctx) : run_mlp(&o, ctx);
  clrelu_context_destroy(ctx);
  return rc;
}
