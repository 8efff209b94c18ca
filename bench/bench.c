/* clrelu-bench: main, setup and the timing rounds.
 *
 * For each size, every path (each op in each dtype on the device, end to
 * end and on the CPU; the two-pass bias + ReLU; the copies and oneDNN that
 * set the memory limit) runs once per round, in turn, with an idle gap
 * between paths, so that the machine's drifting bandwidth affects them
 * alike. torch, when it can run on the same GPU, is timed in its own run
 * before those rounds. */
#include "bench.h"

#include "device.h"
#include "peers.h"
#include "rerun.h"
#include "timer.h"
#include "torch.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int bench_fail(const char *what, clrelu_status st) {
  fprintf(stderr, "clrelu-bench: %s: %s: %s\n", what, clrelu_status_string(st),
          clrelu_last_error());
  return -1;
}

int bench_cl_fail(const char *what, cl_int err) {
  fprintf(stderr, "clrelu-bench: %s: OpenCL error %d\n", what, (int)err);
  return -1;
}

int bench_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("clrelu-bench: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return -1;
}

/* Everything one run holds. */
typedef struct bench_state {
  bench_options opt;
  bench_results res;
  bench_device *dev;
  host_team *team;
  dnnl_peer *dnnl;
  /* host arrays of each dtype (float, or uint16_t bit patterns); NULL for
   * dtypes not run. Float32 is always there: the references use it. */
  void *hx[BENCH_NDTYPES], *hdy[BENCH_NDTYPES], *hy[BENCH_NDTYPES],
      *hbias[BENCH_NDTYPES];
  float *hdslope;  /* PReLU's slope gradient, dbias: BIAS_CAP floats */
  uint32_t *hmask; /* the training passes' mask */
  torch_job *torch;
  int ntorch;
} bench_state;

/* One timed path: writes up to three rows per run (some paths give more
 * than one time). */
typedef struct job {
  path_id path;
  op_shape shape;
  int row[3]; /* -1: unused */
} job;

#define BIAS_CAP 1024

static void *host_array(size_t n, clrelu_dtype t) {
  size_t bytes = n * (size_t)bench_dtype_bytes(t);
  void *p = malloc(bytes); /* plain malloc, as users' arrays are */
  if (!p)
    bench_error("out of memory for %zu %s elements", n, bench_dtype_names[t]);
  return p;
}

/* Deterministic inputs in [-1, 1): half of them negative. */
static void fill(float *a, size_t n, unsigned seed, float scale) {
  unsigned s = seed * 2654435761u + 12345u;
  for (size_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    a[i] = ((float)(s >> 8) * (1.0f / 8388608.0f) - 1.0f) * scale;
  }
}

/* The cases of the op table's rows: CALL(name, args) for the elementwise
 * ops, and one bias call for every bias op. */
#define BIAS_CASE(C, ID, ...) case OP_BIAS_##ID:
#define CPU32_CASE(C, ID, name, inputs, param, ...)                            \
  case OP_##ID:                                                                \
    clrelu_cpu_##name(CLRELU_IN_ARGS_##inputs(dy, x), y,                       \
                      s->n CLRELU_PARAM_ARG_##param(s->alpha));                \
    break;
static void cpu_op32(const bench_state *b, const op_shape *s) {
  const float *x = b->hx[CLRELU_F32], *dy = b->hdy[CLRELU_F32],
              *bias = b->hbias[CLRELU_F32];
  float *y = b->hy[CLRELU_F32];
  switch (s->op) {
    CLRELU_ELTWISE_OPS(CPU32_CASE, 0)
    CLRELU_BIAS_ACTS(BIAS_CASE, 0) {
      const clrelu_act act = bench_act(s);
      clrelu_cpu_bias_act(x, bias, y, s->outer, s->channels, s->inner, &act);
    }
    break;
  case OP_PRELU:
    clrelu_cpu_prelu(x, bias, y, s->outer, s->channels, s->inner);
    break;
  case OP_BIAS_PRELU:
    clrelu_cpu_bias_prelu(x, bias, bias, y, s->outer, s->channels, s->inner);
    break;
  case OP_PRELU_BACKWARD:
    clrelu_cpu_prelu_backward(dy, x, bias, y, b->hdslope, s->outer, s->channels,
                              s->inner);
    break;
  case OP_BIAS_ACT_MASK: {
    const clrelu_act act = bench_act(s);
    clrelu_cpu_bias_act_mask(x, bias, y, b->hmask, s->outer, s->channels,
                             s->inner, &act);
  } break;
  case OP_ACT_BACKWARD_MASK: {
    const clrelu_act act = bench_act(s);
    clrelu_cpu_act_backward_mask(dy, b->hmask, y, b->hdslope, s->outer,
                                 s->channels, s->inner, &act);
  } break;
  case OP_BIAS_ACT_BACKWARD: {
    const clrelu_act act = bench_act(s);
    clrelu_cpu_bias_act_backward(dy, x, bias, y, b->hdslope, s->outer,
                                 s->channels, s->inner, &act);
  } break;
  default:
    break;
  }
  (void)dy;
}

/* clrelu_cpu_*_16 on the 16-bit arrays of s->dtype. */
#define CPU16_CASE(C, ID, name, inputs, param, ...)                            \
  case OP_##ID:                                                                \
    return clrelu_cpu_##name##_16(t, CLRELU_IN_ARGS_##inputs(dy, x), y,        \
                                  s->n CLRELU_PARAM_ARG_##param(s->alpha));
static clrelu_status cpu_op16(const bench_state *b, const op_shape *s) {
  clrelu_dtype t = s->dtype;
  const uint16_t *x = b->hx[t], *dy = b->hdy[t], *bias = b->hbias[t];
  uint16_t *y = b->hy[t];
  switch (s->op) {
    CLRELU_ELTWISE_OPS(CPU16_CASE, 0)
    CLRELU_BIAS_ACTS(BIAS_CASE, 0) {
      const clrelu_act act = bench_act(s);
      return clrelu_cpu_bias_act_16(t, x, bias, y, s->outer, s->channels,
                                    s->inner, &act);
    }
  case OP_PRELU:
    return clrelu_cpu_prelu_16(t, x, bias, y, s->outer, s->channels, s->inner);
  case OP_BIAS_PRELU:
    return clrelu_cpu_bias_prelu_16(t, x, bias, bias, y, s->outer, s->channels,
                                    s->inner);
  case OP_PRELU_BACKWARD:
    return clrelu_cpu_prelu_backward_16(t, dy, x, bias, y, b->hdslope, s->outer,
                                        s->channels, s->inner);
  case OP_BIAS_ACT_MASK: {
    const clrelu_act act = bench_act(s);
    return clrelu_cpu_bias_act_mask_16(t, x, bias, y, b->hmask, s->outer,
                                       s->channels, s->inner, &act);
  }
  case OP_ACT_BACKWARD_MASK: {
    const clrelu_act act = bench_act(s);
    return clrelu_cpu_act_backward_mask_16(
        t, dy, b->hmask, y, b->hdslope, s->outer, s->channels, s->inner, &act);
  }
  case OP_BIAS_ACT_BACKWARD: {
    const clrelu_act act = bench_act(s);
    return clrelu_cpu_bias_act_backward_16(
        t, dy, x, bias, y, b->hdslope, s->outer, s->channels, s->inner, &act);
  }
  default:
    return CLRELU_ERROR_INVALID_ARGUMENT;
  }
}

/* Runs one path once; t[0..2] get its times. */
static int run_job(bench_state *b, const job *j, double t[3]) {
  const op_shape *s = &j->shape;
  double t0;
  switch (j->path) {
  case P_DEV_KERNEL:
    return bdev_resident(b->dev, s, &t[0], &t[1]);
  case P_E2E:
    return bdev_e2e(b->dev, s, b->hx[s->dtype], b->hdy[s->dtype],
                    b->hy[s->dtype], &t[0]);
  case P_CPU_1T:
  case P_CPU_ALL: {
    int old = clrelu_cpu_set_threads(j->path == P_CPU_1T ? 1 : 0);
    clrelu_status st = CLRELU_SUCCESS;
    t0 = bench_now();
    if (s->dtype == CLRELU_F32)
      cpu_op32(b, s);
    else
      st = cpu_op16(b, s);
    t[0] = bench_now() - t0;
    clrelu_cpu_set_threads(old);
    return st == CLRELU_SUCCESS ? 0 : bench_fail("clrelu_cpu_*_16", st);
  }
  case P_2PASS_KERNEL:
    return bdev_two_pass(b->dev, s, &t[0], &t[1], &t[2]);
  case P_STREAM_COPY:
  case P_PLAIN_COPY:
  case P_MEMCPY: {
    float *y = b->hy[CLRELU_F32];
    const float *x = b->hx[CLRELU_F32];
    t0 = bench_now();
    if (j->path == P_STREAM_COPY)
      copy_stream2(b->team, y, x, s->n);
    else if (j->path == P_PLAIN_COPY)
      copy_plain2(b->team, y, x, s->n);
    else
      memcpy(y, x, s->n * sizeof *y);
    t[0] = bench_now() - t0;
    return 0;
  }
  case P_DNNL_RELU:
  case P_DNNL_LEAKY:
  case P_DNNL_CLIP: {
    t0 = bench_now();
    int rc = dnnl_peer_run(b->dnnl, DNNL_RELU + (int)(j->path - P_DNNL_RELU));
    t[0] = bench_now() - t0;
    return rc;
  }
  case P_CL_COPY:
    return bdev_cl_copy(b->dev, s->n, &t[0]);
  case P_OVH_CLRELU:
    return bdev_overhead_clrelu(b->dev, b->opt.calls, s->n, &t[0]);
  case P_OVH_BARE:
    return bdev_overhead_bare(b->dev, b->opt.calls, s->n, &t[0]);
  default:
    return bench_error("internal: unknown path %d", (int)j->path);
  }
}

/* Adds a job and its rows: one per path in paths[0..npaths). */
static int add_job(bench_state *b, job *jobs, int *njobs, size_t size,
                   const op_shape *s, int npaths, const path_id *paths) {
  double bytes = s->op == OP_NONE ? 8.0 * (double)s->n
                                  : bench_op_bytes(s->op, s->dtype, s->n);
  job *j = &jobs[*njobs];
  j->path = paths[0];
  j->shape = *s;
  for (int k = 0; k < 3; ++k) {
    j->row[k] = -1;
    if (k < npaths &&
        (j->row[k] = bench_add_row(&b->res, size, s, paths[k], bytes)) < 0)
      return bench_error("out of memory for the results");
  }
  ++*njobs;
  return 0;
}

/* A job of one path, and of the paths that come with it. */
static int add_path(bench_state *b, job *jobs, int *njobs, size_t size,
                    const op_shape *s, path_id path) {
  static const path_id dev[] = {P_DEV_KERNEL, P_DEV_CALL};
  static const path_id two[] = {P_2PASS_KERNEL, P_2PASS_CALL, P_BIAS_ADD};
  if (path == P_DEV_KERNEL)
    return add_job(b, jobs, njobs, size, s, 2, dev);
  if (path == P_2PASS_KERNEL)
    return add_job(b, jobs, njobs, size, s, 3, two);
  return add_job(b, jobs, njobs, size, s, 1, &path);
}

/* Times jobs[0..njobs) in rounds: warm-up rounds first, then reps rounds
 * in which every job runs once, the starting job rotating. */
static int run_rounds(bench_state *b, const job *jobs, int njobs) {
  const bench_options *o = &b->opt;
  for (int r = -o->warmup; r < o->reps; ++r) {
    for (int i = 0; i < njobs; ++i) {
      const job *j = &jobs[(i + (r < 0 ? 0 : r)) % njobs];
      double t[3] = {0, 0, 0};
      if (run_job(b, j, t) != 0)
        return -1;
      for (int k = 0; k < 3 && r >= 0; ++k)
        if (j->row[k] >= 0) {
          bench_row *row = &b->res.rows[j->row[k]];
          row->t[row->nt++] = t[k];
        }
      bench_sleep_ms(o->gap_ms);
    }
  }
  return 0;
}

/* Calls fn for each selected op (and layout) and dtype at size. */
typedef int (*shape_fn)(bench_state *b, size_t size, const op_shape *s,
                        void *arg);
static int each_shape(bench_state *b, size_t size, shape_fn fn, void *arg) {
  const bench_options *o = &b->opt;
  for (int op = 0; op < OP_COUNT; ++op) {
    if (!o->ops[op])
      continue;
    int nl = bench_ops[op].bias ? LAY_COUNT : 1;
    for (int l = 0; l < nl; ++l) {
      if (bench_ops[op].bias && !o->layouts[l])
        continue;
      for (int t = 0; t < BENCH_NDTYPES; ++t) {
        op_shape s;
        if (!bench_dtype_at(o, (clrelu_dtype)t, size) ||
            !bench_shape((op_id)op,
                         bench_ops[op].bias ? (layout_id)l : LAY_NONE,
                         (clrelu_dtype)t, size, &s))
          continue;
        int rc = fn(b, size, &s, arg);
        if (rc != 0)
          return rc;
      }
    }
  }
  return 0;
}

typedef struct job_list {
  job *jobs;
  int *njobs;
} job_list;

static int op_jobs(bench_state *b, size_t size, const op_shape *s, void *arg) {
  job_list *l = arg;
  if (add_path(b, l->jobs, l->njobs, size, s, P_DEV_KERNEL) ||
      add_path(b, l->jobs, l->njobs, size, s, P_E2E) ||
      add_path(b, l->jobs, l->njobs, size, s, P_CPU_1T) ||
      add_path(b, l->jobs, l->njobs, size, s, P_CPU_ALL))
    return -1;
  /* the two-pass peer is bias-add, then ReLU; the bias-add kernel is
   * float32 */
  if (s->op == OP_BIAS_RELU && s->dtype == CLRELU_F32 &&
      add_path(b, l->jobs, l->njobs, size, s, P_2PASS_KERNEL))
    return -1;
  return 0;
}

/* The jobs of one size: each selected op's paths in each dtype, then the
 * references. */
static int size_jobs(bench_state *b, size_t size, job *jobs, int *njobs) {
  job_list l = {jobs, njobs};
  if (each_shape(b, size, op_jobs, &l) != 0)
    return -1;
  op_shape ref = {OP_NONE, LAY_NONE, CLRELU_F32, size, size, 1, 1, 0.0f};
  if (add_path(b, jobs, njobs, size, &ref, P_STREAM_COPY) ||
      add_path(b, jobs, njobs, size, &ref, P_PLAIN_COPY) ||
      add_path(b, jobs, njobs, size, &ref, P_CL_COPY) ||
      add_path(b, jobs, njobs, size, &ref, P_MEMCPY))
    return -1;
  if (b->dnnl) {
    ref.alpha = BENCH_LEAKY_ALPHA;
    if (dnnl_peer_prepare(b->dnnl, b->hx[CLRELU_F32], b->hy[CLRELU_F32], size,
                          BENCH_LEAKY_ALPHA) ||
        add_path(b, jobs, njobs, size, &ref, P_DNNL_RELU) ||
        add_path(b, jobs, njobs, size, &ref, P_DNNL_LEAKY) ||
        add_path(b, jobs, njobs, size, &ref, P_DNNL_CLIP))
      return -1;
  }
  return 0;
}

#define MAX_JOBS (BENCH_NKEYS * (4 * BENCH_NDTYPES + 1) + 8)

/* Rows of size for the torch jobs timed there, their times copied. */
static int torch_rows(bench_state *b, size_t size) {
  for (int i = 0; i < b->ntorch; ++i) {
    const torch_job *tj = &b->torch[i];
    if (tj->size != size || tj->nt == 0)
      continue;
    int k = bench_add_row(
        &b->res, size, &tj->shape, P_TORCH,
        bench_op_bytes(tj->shape.op, tj->shape.dtype, tj->shape.n));
    if (k < 0)
      return bench_error("out of memory for the results");
    bench_row *row = &b->res.rows[k];
    for (int j = 0; j < tj->nt && j < b->opt.reps; ++j)
      row->t[row->nt++] = tj->t[j];
  }
  return 0;
}

static int measure_sizes(bench_state *b) {
  job jobs[MAX_JOBS];
  for (int si = 0; si < b->opt.nsizes; ++si) {
    size_t size = b->opt.sizes[si];
    bench_size *bs = &b->res.sizes[b->res.nsizes];
    bs->size = size;
    bs->first = b->res.nrows;
    bs->limit = calloc((size_t)b->opt.reps, sizeof *bs->limit);
    if (!bs->limit)
      return bench_error("out of memory for the results");
    ++b->res.nsizes;
    if (b->opt.progress)
      fprintf(stderr, "clrelu-bench: size %zu (%d of %d)\n", size, si + 1,
              b->opt.nsizes);
    int njobs = 0;
    if (size_jobs(b, size, jobs, &njobs) != 0 || torch_rows(b, size) != 0)
      return -1;
    bs->count = b->res.nrows - bs->first;
    if (run_rounds(b, jobs, njobs) != 0)
      return -1;
  }
  return 0;
}

static int measure_overhead(bench_state *b) {
  if (b->opt.progress)
    fprintf(stderr, "clrelu-bench: per-call overhead\n");
  static const size_t sizes[BENCH_NOVH] = BENCH_OVH_SIZES;
  job jobs[2 * BENCH_NOVH];
  int njobs = 0;
  for (int k = 0; k < BENCH_NOVH; ++k) {
    op_shape s;
    bench_shape(OP_RELU, LAY_NONE, CLRELU_F32, sizes[k], &s);
    if (add_path(b, jobs, &njobs, sizes[k], &s, P_OVH_CLRELU) ||
        add_path(b, jobs, &njobs, sizes[k], &s, P_OVH_BARE))
      return -1;
  }
  if (run_rounds(b, jobs, njobs) != 0)
    return -1;
  for (int k = 0; k < BENCH_NOVH; ++k) {
    b->res.ovh_clrelu[k] = &b->res.rows[jobs[2 * k].row[0]];
    b->res.ovh_bare[k] = &b->res.rows[jobs[2 * k + 1].row[0]];
  }
  return 0;
}

static int setup(bench_state *b) {
  const bench_options *o = &b->opt;
  bench_results *r = &b->res;
  r->reps = o->reps;
  r->warmup = o->warmup;
  r->calls = o->calls;
  r->gap_ms = o->gap_ms;
  if (o->progress)
    fprintf(stderr, "clrelu-bench: creating contexts\n");
  if (bdev_context_times(o->device, r->build_ms, r->create_ms) != 0)
    return -1;
  size_t cap = o->sizes[o->nsizes - 1];
  static const size_t ovh_sizes[BENCH_NOVH] = BENCH_OVH_SIZES;
  if (cap < ovh_sizes[BENCH_NOVH - 1]) /* the per-call test's largest */
    cap = ovh_sizes[BENCH_NOVH - 1];
  if (bdev_create(&b->dev, o->device, cap, BIAS_CAP, o->dtypes) != 0)
    return -1;
  clrelu_context *ctx = bdev_context(b->dev);
  snprintf(r->device, sizeof r->device, "%s", clrelu_context_device_name(ctx));
  snprintf(r->tuning, sizeof r->tuning, "%s", clrelu_context_tuning(ctx));
  r->cpu_isa = clrelu_cpu_isa();
  r->copy_isa = copy_stream_isa();

  /* float32 inputs; the 16-bit ones are the same values rounded */
  for (int t = 0; t < BENCH_NDTYPES; ++t) {
    if (t != CLRELU_F32 && !o->dtypes[t])
      continue;
    clrelu_dtype dt = (clrelu_dtype)t;
    if (!(b->hx[t] = host_array(cap, dt)) ||
        !(b->hdy[t] = host_array(cap, dt)) ||
        !(b->hy[t] = host_array(cap, dt)) ||
        !(b->hbias[t] = host_array(BIAS_CAP, dt)))
      return -1;
    if (!b->hdslope && !(b->hdslope = host_array(BIAS_CAP, CLRELU_F32)))
      return -1;
    if (!b->hmask && !(b->hmask = calloc(cap / 32 + 1, sizeof *b->hmask)))
      return bench_error("out of memory");
    memset(b->hy[t], 0, cap * (size_t)bench_dtype_bytes(dt));
  }
  fill(b->hx[CLRELU_F32], cap, 1, 1.0f);
  fill(b->hdy[CLRELU_F32], cap, 2, 1.0f);
  fill(b->hbias[CLRELU_F32], BIAS_CAP, 3, 0.5f);
  for (int t = 0; t < BENCH_NDTYPES; ++t) {
    if (!b->hx[t])
      continue;
    if (t != CLRELU_F32) {
      void (*to16)(const float *, uint16_t *, size_t) =
          t == CLRELU_F16 ? clrelu_f32_to_f16 : clrelu_f32_to_bf16;
      to16(b->hx[CLRELU_F32], b->hx[t], cap);
      to16(b->hdy[CLRELU_F32], b->hdy[t], cap);
      to16(b->hbias[CLRELU_F32], b->hbias[t], BIAS_CAP);
    }
    if (bdev_upload(b->dev, (clrelu_dtype)t, b->hx[t], b->hdy[t], b->hbias[t],
                    cap, BIAS_CAP) != 0)
      return -1;
  }

  if (team_create(&b->team) != 0)
    return -1;
  const char *why;
  if (dnnl_peer_create(&b->dnnl, &why) != 0)
    return -1;
  if (b->dnnl) {
    snprintf(r->dnnl, sizeof r->dnnl, "%s", dnnl_peer_version(b->dnnl));
    const char *wp = getenv("OMP_WAIT_POLICY");
    snprintf(r->omp_note, sizeof r->omp_note, "OMP_WAIT_POLICY=%s%s",
             wp ? wp : "(unset)",
             getenv("CLRELU_BENCH_SET_OMP") ? " (set by the bench)" : "");
  } else if (o->progress)
    fprintf(stderr, "clrelu-bench: no oneDNN peer (%s)\n", why);
  return 0;
}

/* The torch jobs: each selected op with a torch counterpart, in each dtype,
 * at each size. */
static int count_torch(bench_state *b, size_t size, const op_shape *s,
                       void *arg) {
  (void)b, (void)size;
  *(int *)arg += torch_has_op(s->op);
  return 0;
}

static int add_torch(bench_state *b, size_t size, const op_shape *s,
                     void *arg) {
  (void)arg;
  if (!torch_has_op(s->op))
    return 0;
  torch_job *tj = &b->torch[b->ntorch];
  memset(tj, 0, sizeof *tj);
  tj->size = size;
  tj->shape = *s;
  if (!(tj->t = calloc((size_t)b->opt.reps, sizeof *tj->t)))
    return bench_error("out of memory for the torch peer");
  ++b->ntorch;
  return 0;
}

static int measure_torch(bench_state *b) {
  const bench_options *o = &b->opt;
  bench_results *r = &b->res;
  if (!o->torch) {
    snprintf(r->torch, sizeof r->torch, "not run (--no-torch)");
    return 0;
  }
  int n = 0;
  /* $CLRELU_BENCH_TORCH_ANY_DEVICE=1 runs the peer whatever clrelu's device
   * is: for testing the plumbing (with a stand-in torch) */
  const char *any = getenv("CLRELU_BENCH_TORCH_ANY_DEVICE");
  int gpu = bdev_is_gpu(b->dev) || (any && !strcmp(any, "1"));
  for (int si = 0; si < o->nsizes && gpu; ++si)
    each_shape(b, o->sizes[si], count_torch, &n);
  if (n > 0 && !(b->torch = calloc((size_t)n, sizeof *b->torch)))
    return bench_error("out of memory for the torch peer");
  for (int si = 0; si < o->nsizes && n > 0; ++si)
    if (each_shape(b, o->sizes[si], add_torch, NULL) != 0)
      return -1;
  if (o->progress)
    fprintf(stderr, "clrelu-bench: torch peer (%d jobs)\n", b->ntorch);
  r->torch_ran = torch_run(o, r->device, gpu, b->torch, b->ntorch, r->torch,
                           sizeof r->torch);
  if (o->format != OUT_TABLE || o->progress)
    fprintf(stderr, "clrelu-bench: torch: %s\n", r->torch);
  return 0;
}

static void teardown(bench_state *b) {
  dnnl_peer_destroy(b->dnnl);
  team_destroy(b->team);
  bdev_destroy(b->dev);
  for (int t = 0; t < BENCH_NDTYPES; ++t) {
    free(b->hx[t]);
    free(b->hdy[t]);
    free(b->hy[t]);
    free(b->hbias[t]);
  }
  free(b->hdslope);
  free(b->hmask);
  for (int i = 0; i < b->ntorch; ++i)
    free(b->torch[i].t);
  free(b->torch);
  bench_results_free(&b->res);
}

int main(int argc, char **argv) {
  static bench_state b; /* large; zeroed */
  int rc = bench_parse_options(argc, argv, &b.opt);
  if (rc != 0)
    return rc > 0 ? 0 : 1;
#ifdef CLRELU_BENCH_HAVE_DNNL
  /* oneDNN's OpenMP threads spin after each call by default: here the
   * spinning took a core from the next path, and once they slept a call
   * took ~7 ms more. OpenMP reads the setting before main, so run again
   * with it set, unless the user chose one. */
  if (!getenv("OMP_WAIT_POLICY")) {
    static const char *const add[] = {"OMP_WAIT_POLICY=passive",
                                      "CLRELU_BENCH_SET_OMP=1", NULL};
    bench_rerun_with(argv, add); /* on failure: go on as we are */
  }
#endif
  double t0 = bench_now();
  rc = setup(&b);
  if (rc == 0)
    rc = measure_torch(&b);
  if (rc == 0)
    rc = measure_sizes(&b);
  if (rc == 0)
    rc = measure_overhead(&b);
  if (rc == 0) {
    b.res.wall_s = bench_now() - t0;
    bench_analyse(&b.res);
    rc = bench_report(stdout, &b.res, &b.opt);
  }
  teardown(&b);
  if (fflush(stdout) != 0)
    rc = bench_error("writing the report failed");
  return rc == 0 ? 0 : 1;
}
