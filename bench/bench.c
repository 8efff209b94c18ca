/* clrelu-bench: main, setup and the timing rounds.
 *
 * For each size, every path (each op on the device, end to end and on the
 * CPU; the two-pass bias + ReLU; the copies and oneDNN that set the memory
 * limit) runs once per round, in turn, with an idle gap between paths, so
 * that the machine's drifting bandwidth affects them alike. */
#include "bench.h"

#include "device.h"
#include "peers.h"
#include "timer.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
  float *hx, *hdy, *hy, *hbias;
} bench_state;

/* One timed path: writes up to three rows per run (some paths give more
 * than one time). */
typedef struct job {
  path_id path;
  op_shape shape;
  int row[3]; /* -1: unused */
} job;

#define BIAS_CAP 1024

static float *host_array(size_t n) {
  float *p = malloc(n * sizeof *p); /* plain malloc, as users' arrays are */
  if (!p)
    bench_error("out of memory for %zu floats", n);
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

static void cpu_op(const bench_state *b, const op_shape *s) {
  switch (s->op) {
  case OP_RELU:
    clrelu_cpu_relu(b->hx, b->hy, s->n);
    break;
  case OP_RELU_DERIVATIVE:
    clrelu_cpu_relu_derivative(b->hx, b->hy, s->n);
    break;
  case OP_RELU_BACKWARD:
    clrelu_cpu_relu_backward(b->hdy, b->hx, b->hy, s->n);
    break;
  case OP_LEAKY_RELU:
    clrelu_cpu_leaky_relu(b->hx, b->hy, s->n, s->alpha);
    break;
  case OP_LEAKY_RELU_BACKWARD:
    clrelu_cpu_leaky_relu_backward(b->hdy, b->hx, b->hy, s->n, s->alpha);
    break;
  case OP_BIAS_RELU:
    clrelu_cpu_bias_relu(b->hx, b->hbias, b->hy, s->outer, s->channels,
                         s->inner, s->alpha);
    break;
  default:
    break;
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
    return bdev_e2e(b->dev, s, b->hx, b->hdy, b->hy, &t[0]);
  case P_CPU_1T:
  case P_CPU_ALL: {
    int old = clrelu_cpu_set_threads(j->path == P_CPU_1T ? 1 : 0);
    t0 = bench_now();
    cpu_op(b, s);
    t[0] = bench_now() - t0;
    clrelu_cpu_set_threads(old);
    return 0;
  }
  case P_2PASS_KERNEL:
    return bdev_two_pass(b->dev, s, &t[0], &t[1], &t[2]);
  case P_STREAM_COPY:
  case P_PLAIN_COPY:
  case P_MEMCPY:
    t0 = bench_now();
    if (j->path == P_STREAM_COPY)
      copy_stream2(b->team, b->hy, b->hx, s->n);
    else if (j->path == P_PLAIN_COPY)
      copy_plain2(b->team, b->hy, b->hx, s->n);
    else
      memcpy(b->hy, b->hx, s->n * sizeof *b->hy);
    t[0] = bench_now() - t0;
    return 0;
  case P_DNNL_RELU:
  case P_DNNL_LEAKY: {
    t0 = bench_now();
    int rc = dnnl_peer_run(b->dnnl, j->path == P_DNNL_LEAKY);
    t[0] = bench_now() - t0;
    return rc;
  }
  case P_CL_COPY:
    return bdev_cl_copy(b->dev, s->n, &t[0]);
  case P_OVH_CLRELU:
    return bdev_overhead_clrelu(b->dev, b->opt.calls, &t[0]);
  case P_OVH_BARE:
    return bdev_overhead_bare(b->dev, b->opt.calls, &t[0]);
  default:
    return bench_error("internal: unknown path %d", (int)j->path);
  }
}

/* Adds a job and its rows: one per path in paths[0..npaths). */
static int add_job(bench_state *b, job *jobs, int *njobs, size_t size,
                   const op_shape *s, int npaths, const path_id *paths) {
  double bytes =
      s->op == OP_NONE ? 8.0 * (double)s->n : bench_op_bytes(s->op, s->n);
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

/* The jobs of one size: each selected op's paths, then the references. */
static int size_jobs(bench_state *b, size_t size, job *jobs, int *njobs) {
  const bench_options *o = &b->opt;
  for (int op = 0; op < OP_COUNT; ++op) {
    if (!o->ops[op])
      continue;
    int nl = op == OP_BIAS_RELU ? LAY_COUNT : 1;
    for (int l = 0; l < nl; ++l) {
      op_shape s;
      if (op == OP_BIAS_RELU && !o->layouts[l])
        continue;
      if (!bench_shape((op_id)op, op == OP_BIAS_RELU ? (layout_id)l : LAY_NONE,
                       size, &s))
        continue;
      if (add_path(b, jobs, njobs, size, &s, P_DEV_KERNEL) ||
          add_path(b, jobs, njobs, size, &s, P_E2E) ||
          add_path(b, jobs, njobs, size, &s, P_CPU_1T) ||
          add_path(b, jobs, njobs, size, &s, P_CPU_ALL))
        return -1;
      if (op == OP_BIAS_RELU &&
          add_path(b, jobs, njobs, size, &s, P_2PASS_KERNEL))
        return -1;
    }
  }
  op_shape ref = {OP_NONE, LAY_NONE, size, size, 1, 1, 0.0f};
  if (add_path(b, jobs, njobs, size, &ref, P_STREAM_COPY) ||
      add_path(b, jobs, njobs, size, &ref, P_PLAIN_COPY) ||
      add_path(b, jobs, njobs, size, &ref, P_CL_COPY) ||
      add_path(b, jobs, njobs, size, &ref, P_MEMCPY))
    return -1;
  if (b->dnnl) {
    ref.alpha = BENCH_LEAKY_ALPHA;
    if (dnnl_peer_prepare(b->dnnl, b->hx, b->hy, size, BENCH_LEAKY_ALPHA) ||
        add_path(b, jobs, njobs, size, &ref, P_DNNL_RELU) ||
        add_path(b, jobs, njobs, size, &ref, P_DNNL_LEAKY))
      return -1;
  }
  return 0;
}

#define MAX_JOBS (OP_COUNT * LAY_COUNT * 5 + 8)

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
    if (size_jobs(b, size, jobs, &njobs) != 0)
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
  op_shape s;
  bench_shape(OP_RELU, LAY_NONE, 1, &s);
  job jobs[2];
  int njobs = 0;
  if (add_path(b, jobs, &njobs, 1, &s, P_OVH_CLRELU) ||
      add_path(b, jobs, &njobs, 1, &s, P_OVH_BARE))
    return -1;
  if (run_rounds(b, jobs, njobs) != 0)
    return -1;
  b->res.ovh_clrelu = &b->res.rows[jobs[0].row[0]];
  b->res.ovh_bare = &b->res.rows[jobs[1].row[0]];
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
  if (bdev_create(&b->dev, o->device, cap, BIAS_CAP) != 0)
    return -1;
  clrelu_context *ctx = bdev_context(b->dev);
  snprintf(r->device, sizeof r->device, "%s", clrelu_context_device_name(ctx));
  snprintf(r->tuning, sizeof r->tuning, "%s", clrelu_context_tuning(ctx));
  r->cpu_isa = clrelu_cpu_isa();
  r->copy_isa = copy_stream_isa();

  if (!(b->hx = host_array(cap)) || !(b->hdy = host_array(cap)) ||
      !(b->hy = host_array(cap)) || !(b->hbias = host_array(BIAS_CAP)))
    return -1;
  fill(b->hx, cap, 1, 1.0f);
  fill(b->hdy, cap, 2, 1.0f);
  fill(b->hbias, BIAS_CAP, 3, 0.5f);
  memset(b->hy, 0, cap * sizeof *b->hy);
  if (bdev_upload(b->dev, b->hx, b->hdy, b->hbias, cap, BIAS_CAP) != 0)
    return -1;

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

static void teardown(bench_state *b) {
  dnnl_peer_destroy(b->dnnl);
  team_destroy(b->team);
  bdev_destroy(b->dev);
  free(b->hx);
  free(b->hdy);
  free(b->hy);
  free(b->hbias);
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
    setenv("OMP_WAIT_POLICY", "passive", 1);
    setenv("CLRELU_BENCH_SET_OMP", "1", 1);
    execv("/proc/self/exe", argv);
    unsetenv("CLRELU_BENCH_SET_OMP"); /* no re-exec: go on as we are */
    unsetenv("OMP_WAIT_POLICY");
  }
#endif
  double t0 = bench_now();
  rc = setup(&b);
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
