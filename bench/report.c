/* The report of clrelu-bench: an aligned table, CSV or JSON. */
#include "bench.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

/* "2^20" for powers of two, else the number. */
static const char *size_label(size_t n, char *buf, size_t len) {
  if (n && (n & (n - 1)) == 0) {
    int k = 0;
    while (((size_t)1 << k) != n)
      ++k;
    snprintf(buf, len, "2^%d", k);
  } else {
    snprintf(buf, len, "%zu", n);
  }
  return buf;
}

/* "relu" or "bias_relu:dense". */
static const char *op_label(const op_shape *s, char *buf, size_t len) {
  if (s->op == OP_NONE)
    snprintf(buf, len, "reference");
  else if (s->layout != LAY_NONE)
    snprintf(buf, len, "%s:%s", bench_op_names[s->op],
             bench_layout_names[s->layout]);
  else
    snprintf(buf, len, "%s", bench_op_names[s->op]);
  return buf;
}

static const char *layout_name(layout_id l) {
  return l == LAY_NONE ? "" : bench_layout_names[l];
}

/* ---- the table ----------------------------------------------------------- */

typedef struct op_key {
  op_id op;
  layout_id layout;
} op_key;

/* The ops (and layouts) that were measured, in order. */
static int measured_ops(const bench_results *r, op_key *keys) {
  int n = 0;
  for (int op = 0; op < OP_COUNT; ++op)
    for (int l = op == OP_BIAS_RELU ? 0 : LAY_NONE;
         l < (op == OP_BIAS_RELU ? LAY_COUNT : 0); ++l)
      for (int si = 0; si < r->nsizes; ++si)
        if (bench_find(r, si, (op_id)op, (layout_id)l, P_DEV_KERNEL)) {
          keys[n].op = (op_id)op;
          keys[n].layout = (layout_id)l;
          ++n;
          break;
        }
  return n;
}

typedef double (*metric_fn)(const bench_results *r, int si, op_key k);

static double m_dev_limit(const bench_results *r, int si, op_key k) {
  const bench_row *a = bench_find(r, si, k.op, k.layout, P_DEV_KERNEL);
  return a ? a->of_limit : -1;
}
static double m_call_limit(const bench_results *r, int si, op_key k) {
  const bench_row *a = bench_find(r, si, k.op, k.layout, P_DEV_CALL);
  return a ? a->of_limit : -1;
}
static double m_cpu_limit(const bench_results *r, int si, op_key k) {
  const bench_row *a = bench_find(r, si, k.op, k.layout, P_CPU_ALL);
  return a ? a->of_limit : -1;
}
static double vs_dnnl(const bench_results *r, int si, op_key k, path_id p) {
  const bench_row *a = bench_find(r, si, k.op, k.layout, p);
  const bench_row *b =
      bench_find(r, si, OP_NONE, LAY_NONE, bench_dnnl_peer(k.op));
  return a && b ? bench_ratio(a, b) : -1;
}
static double m_dev_dnnl(const bench_results *r, int si, op_key k) {
  return vs_dnnl(r, si, k, P_DEV_KERNEL);
}
static double m_call_dnnl(const bench_results *r, int si, op_key k) {
  return vs_dnnl(r, si, k, P_DEV_CALL);
}
static double m_cpu_dnnl(const bench_results *r, int si, op_key k) {
  return vs_dnnl(r, si, k, P_CPU_ALL);
}
static double m_cpu1_dnnl(const bench_results *r, int si, op_key k) {
  return vs_dnnl(r, si, k, P_CPU_1T);
}
static double pair(const bench_results *r, int si, op_key k, path_id pa,
                   op_key kb, path_id pb) {
  const bench_row *a = bench_find(r, si, k.op, k.layout, pa);
  const bench_row *b = bench_find(r, si, kb.op, kb.layout, pb);
  return a && b ? bench_ratio(a, b) : -1;
}
static double m_fused_kernel(const bench_results *r, int si, op_key k) {
  return pair(r, si, k, P_DEV_KERNEL, k, P_2PASS_KERNEL);
}
static double m_fused_call(const bench_results *r, int si, op_key k) {
  return pair(r, si, k, P_DEV_CALL, k, P_2PASS_CALL);
}
static double m_bias_vs_relu(const bench_results *r, int si, op_key k) {
  op_key relu = {OP_RELU, LAY_NONE};
  return pair(r, si, k, P_DEV_KERNEL, relu, P_DEV_KERNEL);
}
static double m_e2e_cpu(const bench_results *r, int si, op_key k) {
  return pair(r, si, k, P_E2E, k, P_CPU_ALL);
}

/* Rows: ops (bias_only: only bias_relu's layouts); columns: sizes. */
static void matrix(FILE *f, const bench_results *r, const char *title,
                   metric_fn fn, int bias_only) {
  op_key keys[OP_COUNT + LAY_COUNT];
  int nk = measured_ops(r, keys);
  int any = 0;
  for (int i = 0; i < nk; ++i)
    any |= !bias_only || keys[i].op == OP_BIAS_RELU;
  if (!any)
    return;
  char buf[64];
  fprintf(f, "\n%s\n%-26s", title, "op \\ size");
  for (int si = 0; si < r->nsizes; ++si)
    fprintf(f, " %8s", size_label(r->sizes[si].size, buf, sizeof buf));
  fputc('\n', f);
  for (int i = 0; i < nk; ++i) {
    if (bias_only && keys[i].op != OP_BIAS_RELU)
      continue;
    op_shape s = {keys[i].op, keys[i].layout, 0, 0, 0, 0, 0.0f};
    fprintf(f, "%-26s", op_label(&s, buf, sizeof buf));
    for (int si = 0; si < r->nsizes; ++si) {
      double v = fn(r, si, keys[i]);
      if (v > 0)
        fprintf(f, " %7.2fx", v);
      else
        fprintf(f, " %8s", "-");
    }
    fputc('\n', f);
  }
}

static void header(FILE *f, const bench_results *r) {
  unsigned v = clrelu_version();
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  fprintf(f, "clrelu-bench, clrelu %u.%u.%u\n", v / 10000, v / 100 % 100,
          v % 100);
  fprintf(f, "device          %s\n", r->device);
  fprintf(f, "launch shape    %s\n", r->tuning);
  fprintf(f, "cpu ops         %s, %ld threads when all; streaming copy: %s\n",
          r->cpu_isa, cores, r->copy_isa);
  if (r->dnnl[0])
    fprintf(f,
            "oneDNN          %s, eltwise ReLU forward on its own threads, "
            "%s\n",
            r->dnnl, r->omp_note);
  else
    fprintf(f, "oneDNN          not found (limit from the copies only)\n");
  fprintf(f,
          "context build   cold %.1f ms (create %.1f ms), warm %.1f ms "
          "(create %.1f ms)\n"
          "                %s\n",
          r->build_ms[0], r->create_ms[0], r->build_ms[1], r->create_ms[1],
          r->build_ms[0] < 1.5 * r->build_ms[1]
              ? "cold about as fast as warm: the OpenCL implementation's "
                "kernel cache\n                (PoCL's) served the first "
                "build too"
              : "the cold one may still be served in part by PoCL's kernel "
                "cache");
  fprintf(f,
          "method          %d rounds after %d warm-up; each round runs every "
          "path once, in\n"
          "                turn, %g ms idle between paths; times are per "
          "call; GB/s and\n"
          "                Gel/s at the median time; ratios are medians of "
          "per-round ratios\n",
          r->reps, r->warmup, r->gap_ms);
  fprintf(f, "bytes           8 B/elem (relu, derivative, leaky, bias_relu, "
             "copies), 12 B/elem\n"
             "                (backward ops); GB = 1e9 bytes\n");
  fprintf(f,
          "limit           best of stream-copy, plain-copy and dnnl-relu in "
          "each round;\n"
          "                x lim = GB/s over that limit. While the arrays fit "
          "in the caches the\n"
          "                copies' thread hand-off dominates and x lim > 1 "
          "says little;\n"
          "                read it at large sizes\n");
  fprintf(f, "paths           dev-kernel: profiled kernel time, data on the "
             "device; dev-call:\n"
             "                host time of the call + clrelu_finish; e2e: "
             "clrelu_buffer_write of\n"
             "                the inputs (not bias) + op + clrelu_buffer_read; "
             "cpu-1t / cpu-all:\n"
             "                clrelu_cpu_* on 1 / all threads; 2pass: the "
             "bench's bias-add kernel,\n"
             "                then clrelu_relu in place (bias-add: that first "
             "kernel alone)\n");
}

static void size_table(FILE *f, const bench_results *r, int si) {
  const bench_size *s = &r->sizes[si];
  char buf[64], lb[64];
  fprintf(f,
          "\n== size %zu (%s, %.1f MiB per array); memory limit %.1f GB/s "
          "==\n",
          s->size, size_label(s->size, lb, sizeof lb),
          (double)s->size * 4.0 / 1048576.0, s->limit_med);
  fprintf(f, "%-26s %9s %-12s %10s %10s %7s %7s %6s %6s\n", "op", "n", "path",
          "med us", "min us", "GB/s", "Gel/s", "x lim", "spread");
  for (int i = s->first; i < s->first + s->count; ++i) {
    const bench_row *row = &r->rows[i];
    if (row->nt == 0)
      continue;
    fprintf(f, "%-26s %9zu %-12s %10.1f %10.1f %7.2f %7.3f",
            op_label(&row->shape, buf, sizeof buf), row->shape.n,
            bench_path_names[row->path], row->med * 1e6, row->min * 1e6,
            row->gbps, row->gelems);
    if (row->of_limit > 0)
      fprintf(f, " %5.2fx", row->of_limit);
    else
      fprintf(f, " %6s", "-");
    fprintf(f, " %5.0f%%%s\n", row->spread * 100,
            row->spread > BENCH_WIDE_SPREAD ? " wide" : "");
  }
}

static void limit_table(FILE *f, const bench_results *r) {
  static const path_id refs[] = {P_STREAM_COPY, P_PLAIN_COPY, P_DNNL_RELU,
                                 P_DNNL_LEAKY,  P_CL_COPY,    P_MEMCPY};
  char buf[64];
  fprintf(f, "\nmemory limit and references (GB/s at the median time)\n");
  fprintf(f, "%-10s %8s", "size", "limit");
  for (size_t k = 0; k < sizeof refs / sizeof *refs; ++k)
    fprintf(f, " %11s", bench_path_names[refs[k]]);
  fputc('\n', f);
  for (int si = 0; si < r->nsizes; ++si) {
    fprintf(f, "%-10s %8.1f", size_label(r->sizes[si].size, buf, sizeof buf),
            r->sizes[si].limit_med);
    for (size_t k = 0; k < sizeof refs / sizeof *refs; ++k) {
      const bench_row *row = bench_find(r, si, OP_NONE, LAY_NONE, refs[k]);
      if (row)
        fprintf(f, " %11.1f", row->gbps);
      else
        fprintf(f, " %11s", "-");
    }
    fputc('\n', f);
  }
}

static void overhead_table(FILE *f, const bench_results *r) {
  if (!r->ovh_clrelu || !r->ovh_bare)
    return;
  fprintf(f,
          "\nper-call overhead: %d launches on 1 element queued back to back, "
          "then one finish\n",
          r->calls);
  fprintf(f, "  %-58s %8.2f us/call (min %.2f)\n", "clrelu_relu",
          r->ovh_clrelu->med * 1e6, r->ovh_clrelu->min * 1e6);
  fprintf(f, "  %-58s %8.2f us/call (min %.2f)\n",
          "clSetKernelArg x6 + clEnqueueNDRangeKernel (bench's kernel)",
          r->ovh_bare->med * 1e6, r->ovh_bare->min * 1e6);
  fprintf(f, "  %-58s %8.2fx\n", "clrelu / bare", r->ovh_ratio);
}

static void crossover_table(FILE *f, const bench_results *r) {
  char buf[64], lo[32], hi[32];
  fprintf(f, "\ncrossover: the smallest size at which e2e on the device beats "
             "cpu-all\n");
  size_label(r->sizes[0].size, lo, sizeof lo);
  size_label(r->sizes[r->nsizes - 1].size, hi, sizeof hi);
  for (int i = 0; i < r->ncross; ++i) {
    const bench_crossover *c = &r->cross[i];
    op_shape s = {c->op, c->layout, 0, 0, 0, 0, 0.0f};
    fprintf(f, "  %-26s ", op_label(&s, buf, sizeof buf));
    if (c->size == 0) {
      fprintf(f, "never in range (%s .. %s)\n", lo, hi);
    } else {
      char sb[32];
      fprintf(f, "%zu (%s), %.2fx faster there%s\n", c->size,
              size_label(c->size, sb, sizeof sb), c->ratio,
              c->later_loses ? "; loses again at a larger size" : "");
    }
  }
}

/* Ops whose device-resident kernel falls below 0.85x the limit at the
 * largest size. */
static void shortfalls(FILE *f, const bench_results *r) {
  int si = r->nsizes - 1;
  if (r->sizes[si].limit_med <= 0)
    return;
  op_key keys[OP_COUNT + LAY_COUNT];
  int nk = measured_ops(r, keys), any = 0;
  char buf[64], sb[32];
  for (int i = 0; i < nk; ++i) {
    const bench_row *row =
        bench_find(r, si, keys[i].op, keys[i].layout, P_DEV_KERNEL);
    if (!row || row->of_limit < 0 || row->of_limit >= 0.85)
      continue;
    if (!any)
      fprintf(f, "\nbelow 0.85x the memory limit at %s (dev-kernel):\n",
              size_label(r->sizes[si].size, sb, sizeof sb));
    any = 1;
    fprintf(f, "  %-26s %.2fx (%.1f GB/s against %.1f)\n",
            op_label(&row->shape, buf, sizeof buf), row->of_limit, row->gbps,
            r->sizes[si].limit_med);
  }
  if (!any)
    fprintf(f,
            "\nevery op reaches 0.85x the memory limit at %s "
            "(dev-kernel)\n",
            size_label(r->sizes[si].size, sb, sizeof sb));
}

static void report_table(FILE *f, const bench_results *r) {
  header(f, r);
  for (int si = 0; si < r->nsizes; ++si)
    size_table(f, r, si);
  limit_table(f, r);
  matrix(f, r, "device-resident kernel, fraction of the memory limit",
         m_dev_limit, 0);
  matrix(f, r,
         "device-resident call (host time), fraction of the memory "
         "limit",
         m_call_limit, 0);
  matrix(f, r, "cpu-all, fraction of the memory limit", m_cpu_limit, 0);
  if (r->dnnl[0]) {
    matrix(f, r,
           "device kernel / oneDNN (GB/s; leaky ops against its Leaky ReLU, "
           "others its ReLU)",
           m_dev_dnnl, 0);
    matrix(f, r, "device call / oneDNN", m_call_dnnl, 0);
    matrix(f, r, "cpu-all / oneDNN", m_cpu_dnnl, 0);
    matrix(f, r, "cpu-1t / oneDNN", m_cpu1_dnnl, 0);
  }
  matrix(f, r, "fused bias_relu / two-pass (kernel time)", m_fused_kernel, 1);
  matrix(f, r, "fused bias_relu / two-pass (call time)", m_fused_call, 1);
  matrix(f, r, "bias_relu / relu (device kernel GB/s)", m_bias_vs_relu, 1);
  matrix(f, r, "e2e / cpu-all (above 1x the device wins end to end)", m_e2e_cpu,
         0);
  overhead_table(f, r);
  crossover_table(f, r);
  shortfalls(f, r);
  int wide = 0, total = 0;
  for (int i = 0; i < r->nrows; ++i)
    if (r->rows[i].nt > 0) {
      ++total;
      wide += r->rows[i].spread > BENCH_WIDE_SPREAD;
    }
  fprintf(f,
          "\nspread = (p90 - p10) / median of the times; %d of %d rows wide "
          "(> %.0f%%)\n",
          wide, total, BENCH_WIDE_SPREAD * 100);
  fprintf(f, "total time %.1f s\n", r->wall_s);
}

/* ---- CSV ------------------------------------------------------------------
 */

static void report_csv(FILE *f, const bench_results *r) {
  fprintf(f, "size,op,layout,n,outer,channels,inner,path,bytes,reps,median_s,"
             "min_s,p10_s,p90_s,gbps,gelem_s,x_limit,limit_gbps,spread,"
             "wide\n");
  for (int i = 0; i < r->nrows; ++i) {
    const bench_row *row = &r->rows[i];
    if (row->nt == 0)
      continue;
    double limit = 0;
    for (int si = 0; si < r->nsizes; ++si)
      if (i >= r->sizes[si].first &&
          i < r->sizes[si].first + r->sizes[si].count)
        limit = r->sizes[si].limit_med;
    const op_shape *s = &row->shape;
    fprintf(f,
            "%zu,%s,%s,%zu,%zu,%zu,%zu,%s,%.0f,%d,%.9g,%.9g,%.9g,%.9g,"
            "%.4f,%.5f,",
            row->size, s->op == OP_NONE ? "reference" : bench_op_names[s->op],
            layout_name(s->layout), s->n, s->outer, s->channels, s->inner,
            bench_path_names[row->path], row->bytes, row->nt, row->med,
            row->min, row->p10, row->p90, row->gbps, row->gelems);
    if (row->of_limit > 0)
      fprintf(f, "%.4f", row->of_limit);
    fprintf(f, ",%.4f,%.4f,%d\n", limit, row->spread,
            row->spread > BENCH_WIDE_SPREAD);
  }
}

/* ---- JSON -----------------------------------------------------------------
 */

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

/* A number, or null for an unknown (<= 0 or not finite) one. */
static void json_num(FILE *f, double v) {
  if (v > 0 && isfinite(v))
    fprintf(f, "%.6g", v);
  else
    fputs("null", f);
}

static void json_row(FILE *f, const bench_row *row) {
  const op_shape *s = &row->shape;
  fprintf(f, "{\"op\": ");
  json_str(f, s->op == OP_NONE ? "reference" : bench_op_names[s->op]);
  fprintf(f, ", \"layout\": ");
  json_str(f, layout_name(s->layout));
  fprintf(f,
          ", \"path\": \"%s\", \"n\": %zu, \"outer\": %zu, \"channels\": "
          "%zu, \"inner\": %zu, \"bytes\": %.0f, \"median_s\": %.9g, "
          "\"min_s\": %.9g, \"p10_s\": %.9g, \"p90_s\": %.9g, \"gbps\": ",
          bench_path_names[row->path], s->n, s->outer, s->channels, s->inner,
          row->bytes, row->med, row->min, row->p10, row->p90);
  json_num(f, row->gbps);
  fprintf(f, ", \"gelem_s\": ");
  json_num(f, row->gelems);
  fprintf(f, ", \"x_limit\": ");
  json_num(f, row->of_limit);
  fprintf(f, ", \"spread\": %.4f, \"wide\": %s, \"times_s\": [", row->spread,
          row->spread > BENCH_WIDE_SPREAD ? "true" : "false");
  for (int k = 0; k < row->nt; ++k)
    fprintf(f, "%s%.9g", k ? ", " : "", row->t[k]);
  fprintf(f, "]}");
}

static void json_ratios(FILE *f, const bench_results *r, int si) {
  op_key keys[OP_COUNT + LAY_COUNT];
  int nk = measured_ops(r, keys);
  static const struct {
    const char *name;
    metric_fn fn;
    int bias_only;
  } m[] = {{"dev_kernel_over_dnnl", m_dev_dnnl, 0},
           {"dev_call_over_dnnl", m_call_dnnl, 0},
           {"cpu_all_over_dnnl", m_cpu_dnnl, 0},
           {"cpu_1t_over_dnnl", m_cpu1_dnnl, 0},
           {"e2e_over_cpu_all", m_e2e_cpu, 0},
           {"fused_over_two_pass_kernel", m_fused_kernel, 1},
           {"fused_over_two_pass_call", m_fused_call, 1},
           {"bias_relu_over_relu", m_bias_vs_relu, 1}};
  char buf[64];
  fprintf(f, "{");
  for (size_t k = 0; k < sizeof m / sizeof *m; ++k) {
    fprintf(f, "%s\n        \"%s\": {", k ? "," : "", m[k].name);
    int first = 1;
    for (int i = 0; i < nk; ++i) {
      if (m[k].bias_only && keys[i].op != OP_BIAS_RELU)
        continue;
      op_shape s = {keys[i].op, keys[i].layout, 0, 0, 0, 0, 0.0f};
      fprintf(f, "%s", first ? "" : ", ");
      json_str(f, op_label(&s, buf, sizeof buf));
      fprintf(f, ": ");
      json_num(f, m[k].fn(r, si, keys[i]));
      first = 0;
    }
    fprintf(f, "}");
  }
  fprintf(f, "}");
}

static void report_json(FILE *f, const bench_results *r) {
  unsigned v = clrelu_version();
  fprintf(f,
          "{\n  \"bench\": \"clrelu-bench\",\n  \"clrelu_version\": "
          "\"%u.%u.%u\",\n  \"device\": ",
          v / 10000, v / 100 % 100, v % 100);
  json_str(f, r->device);
  fprintf(f, ",\n  \"tuning\": ");
  json_str(f, r->tuning);
  fprintf(f, ",\n  \"cpu_isa\": ");
  json_str(f, r->cpu_isa);
  fprintf(f, ",\n  \"cpu_threads\": %ld,\n  \"stream_copy_isa\": ",
          sysconf(_SC_NPROCESSORS_ONLN));
  json_str(f, r->copy_isa);
  fprintf(f, ",\n  \"onednn\": ");
  if (r->dnnl[0])
    json_str(f, r->dnnl);
  else
    fputs("null", f);
  fprintf(f, ",\n  \"onednn_threads\": ");
  json_str(f, r->omp_note);
  fprintf(f,
          ",\n  \"context\": {\"build_ms_cold\": %.3f, \"build_ms_warm\": "
          "%.3f, \"create_ms_cold\": %.3f, \"create_ms_warm\": %.3f, "
          "\"note\": \"the cold build may already be served by the OpenCL "
          "implementation's kernel cache\"},\n",
          r->build_ms[0], r->build_ms[1], r->create_ms[0], r->create_ms[1]);
  fprintf(f,
          "  \"reps\": %d,\n  \"warmup\": %d,\n  \"gap_ms\": %g,\n  "
          "\"wall_s\": %.3f,\n  \"sizes\": [",
          r->reps, r->warmup, r->gap_ms, r->wall_s);
  for (int si = 0; si < r->nsizes; ++si) {
    const bench_size *s = &r->sizes[si];
    fprintf(f, "%s\n    {\"size\": %zu, \"limit_gbps\": ", si ? "," : "",
            s->size);
    json_num(f, s->limit_med);
    fprintf(f, ",\n      \"rows\": [");
    for (int i = s->first; i < s->first + s->count; ++i) {
      fprintf(f, "%s\n        ", i > s->first ? "," : "");
      json_row(f, &r->rows[i]);
    }
    fprintf(f, "],\n      \"ratios\": ");
    json_ratios(f, r, si);
    fprintf(f, "}");
  }
  fprintf(f, "],\n  \"overhead\": ");
  if (r->ovh_clrelu && r->ovh_bare) {
    fprintf(f,
            "{\"calls\": %d, \"clrelu_relu_s\": %.9g, \"clrelu_relu_min_s\": "
            "%.9g, \"bare_launch_s\": %.9g, \"bare_launch_min_s\": %.9g, "
            "\"ratio\": %.4f}",
            r->calls, r->ovh_clrelu->med, r->ovh_clrelu->min, r->ovh_bare->med,
            r->ovh_bare->min, r->ovh_ratio);
  } else {
    fputs("null", f);
  }
  fprintf(f, ",\n  \"crossover\": [");
  char buf[64];
  for (int i = 0; i < r->ncross; ++i) {
    const bench_crossover *c = &r->cross[i];
    op_shape s = {c->op, c->layout, 0, 0, 0, 0, 0.0f};
    fprintf(f, "%s\n    {\"op\": ", i ? "," : "");
    json_str(f, op_label(&s, buf, sizeof buf));
    if (c->size)
      fprintf(f, ", \"size\": %zu, \"ratio\": %.4f, \"later_loses\": %s}",
              c->size, c->ratio, c->later_loses ? "true" : "false");
    else
      fprintf(f, ", \"size\": null}");
  }
  fprintf(f, "]\n}\n");
}

int bench_report(FILE *f, const bench_results *r, const bench_options *o) {
  if (o->format == OUT_CSV)
    report_csv(f, r);
  else if (o->format == OUT_JSON)
    report_json(f, r);
  else
    report_table(f, r);
  if (o->plot) {
    op_id op = o->plot_op;
    layout_id lay = o->plot_layout;
    if (op == OP_NONE) { /* relu, else the first op that ran */
      op_key keys[OP_COUNT + LAY_COUNT];
      int nk = measured_ops(r, keys);
      op = nk ? keys[0].op : OP_RELU;
      lay = nk ? keys[0].layout : LAY_NONE;
    }
    if (bench_plot(o->plot, r, op, lay) != 0)
      return -1;
  }
  return 0;
}
