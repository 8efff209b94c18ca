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
  clrelu_dtype dtype;
} op_key;

#define MAX_KEYS (BENCH_NKEYS * BENCH_NDTYPES)

/* The ops (and layouts) that were measured, each in the dtypes it ran in:
 * op by op, its dtypes next to each other. */
static int measured_ops(const bench_results *r, op_key *keys) {
  int n = 0;
  for (int op = 0; op < OP_COUNT; ++op)
    for (int l = bench_ops[op].bias ? 0 : LAY_NONE;
         l < (bench_ops[op].bias ? LAY_COUNT : 0); ++l)
      for (int t = 0; t < BENCH_NDTYPES; ++t)
        for (int si = 0; si < r->nsizes; ++si)
          if (bench_find(r, si, (op_id)op, (layout_id)l, (clrelu_dtype)t,
                         P_DEV_KERNEL)) {
            keys[n].op = (op_id)op;
            keys[n].layout = (layout_id)l;
            keys[n].dtype = (clrelu_dtype)t;
            ++n;
            break;
          }
  return n;
}

/* Which dtypes the ops ran in. */
static void dtypes_run(const bench_results *r, int run[BENCH_NDTYPES]) {
  for (int t = 0; t < BENCH_NDTYPES; ++t)
    run[t] = 0;
  for (int i = 0; i < r->nrows; ++i)
    if (r->rows[i].nt > 0 && r->rows[i].path == P_DEV_KERNEL)
      run[r->rows[i].shape.dtype] = 1;
}

static const bench_row *find_key(const bench_results *r, int si, op_key k,
                                 path_id p) {
  return bench_find(r, si, k.op, k.layout, k.dtype, p);
}

typedef double (*metric_fn)(const bench_results *r, int si, op_key k);

static double m_dev_limit(const bench_results *r, int si, op_key k) {
  const bench_row *a = find_key(r, si, k, P_DEV_KERNEL);
  return a ? a->of_limit : -1;
}
static double m_call_limit(const bench_results *r, int si, op_key k) {
  const bench_row *a = find_key(r, si, k, P_DEV_CALL);
  return a ? a->of_limit : -1;
}
static double m_cpu_limit(const bench_results *r, int si, op_key k) {
  const bench_row *a = find_key(r, si, k, P_CPU_ALL);
  return a ? a->of_limit : -1;
}
static double vs_dnnl(const bench_results *r, int si, op_key k, path_id p) {
  const bench_row *a = find_key(r, si, k, p);
  const bench_row *b =
      bench_find(r, si, OP_NONE, LAY_NONE, CLRELU_F32, bench_dnnl_peer(k.op));
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
  const bench_row *a = find_key(r, si, k, pa);
  const bench_row *b = find_key(r, si, kb, pb);
  return a && b ? bench_ratio(a, b) : -1;
}
static double m_fused_kernel(const bench_results *r, int si, op_key k) {
  return pair(r, si, k, P_DEV_KERNEL, k, P_2PASS_KERNEL);
}
static double m_fused_call(const bench_results *r, int si, op_key k) {
  return pair(r, si, k, P_DEV_CALL, k, P_2PASS_CALL);
}
static double m_bias_vs_relu(const bench_results *r, int si, op_key k) {
  op_key relu = {OP_RELU, LAY_NONE, k.dtype};
  return pair(r, si, k, P_DEV_KERNEL, relu, P_DEV_KERNEL);
}
static double m_e2e_cpu(const bench_results *r, int si, op_key k) {
  return pair(r, si, k, P_E2E, k, P_CPU_ALL);
}
/* 16-bit over float32 in elements per second, per-round median. */
static double sixteen(const bench_results *r, int si, op_key k, path_id p) {
  if (k.dtype == CLRELU_F32)
    return -1;
  op_key k32 = k;
  k32.dtype = CLRELU_F32;
  const bench_row *a = find_key(r, si, k, p), *b = find_key(r, si, k32, p);
  return a && b ? bench_ratio_elems(a, b) : -1;
}
static double m_16_kernel(const bench_results *r, int si, op_key k) {
  return sixteen(r, si, k, P_DEV_KERNEL);
}
static double m_16_call(const bench_results *r, int si, op_key k) {
  return sixteen(r, si, k, P_DEV_CALL);
}
static double m_16_e2e(const bench_results *r, int si, op_key k) {
  return sixteen(r, si, k, P_E2E);
}
static double m_16_cpu(const bench_results *r, int si, op_key k) {
  return sixteen(r, si, k, P_CPU_ALL);
}
/* clrelu's device kernel over torch, GB/s at the median times. */
static double m_torch(const bench_results *r, int si, op_key k) {
  const bench_row *a = find_key(r, si, k, P_DEV_KERNEL);
  const bench_row *b = find_key(r, si, k, P_TORCH);
  return a && b ? bench_ratio_medians(a, b) : -1;
}

enum { ALL_OPS = 0, BIAS_ONLY = 1, F32_ONLY = 2 };

/* Rows: ops in each dtype (flags: only bias_relu's layouts, only float32),
 * those without any value left out; columns: sizes. */
static void matrix(FILE *f, const bench_results *r, const char *title,
                   metric_fn fn, int flags) {
  op_key keys[MAX_KEYS];
  int nk = measured_ops(r, keys), shown = 0;
  char buf[64];
  for (int i = 0; i < nk; ++i) {
    if (((flags & BIAS_ONLY) && !bench_ops[keys[i].op].bias) ||
        ((flags & F32_ONLY) && keys[i].dtype != CLRELU_F32))
      continue;
    double v[BENCH_MAX_SIZES];
    int any = 0;
    for (int si = 0; si < r->nsizes; ++si)
      any |= (v[si] = fn(r, si, keys[i])) > 0;
    if (!any)
      continue;
    if (!shown++) {
      fprintf(f, "\n%s\n%-22s %-5s", title, "op \\ size", "dtype");
      for (int si = 0; si < r->nsizes; ++si)
        fprintf(f, " %8s", size_label(r->sizes[si].size, buf, sizeof buf));
      fputc('\n', f);
    }
    op_shape s = {keys[i].op, keys[i].layout, keys[i].dtype, 0, 0, 0, 0, 0.0f};
    fprintf(f, "%-22s %-5s", op_label(&s, buf, sizeof buf),
            bench_dtype_names[keys[i].dtype]);
    for (int si = 0; si < r->nsizes; ++si)
      if (v[si] > 0)
        fprintf(f, " %7.2fx", v[si]);
      else
        fprintf(f, " %8s", "-");
    fputc('\n', f);
  }
}

static void header(FILE *f, const bench_results *r, const bench_options *o) {
  unsigned v = clrelu_version();
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  char buf[64];
  fprintf(f, "clrelu-bench, clrelu %u.%u.%u\n", v / 10000, v / 100 % 100,
          v % 100);
  fprintf(f, "device          %s\n", r->device);
  fprintf(f, "launch shape    %s\n", r->tuning[0] ? r->tuning : "(not told)");
  fprintf(f, "cpu ops         %s, %ld threads when all; streaming copy: %s\n",
          r->cpu_isa, cores, r->copy_isa);
  int run[BENCH_NDTYPES];
  dtypes_run(r, run);
  fprintf(f, "dtypes         ");
  for (int t = 0; t < BENCH_NDTYPES; ++t)
    if (run[t])
      fprintf(f, " %s", bench_dtype_names[t]);
  if (run[CLRELU_F16] || run[CLRELU_BF16]) {
    fprintf(f, "; 16-bit buffers hold uint16_t bit patterns,\n"
               "                computed in float32 (CPU: clrelu_cpu_*_16)");
    if (o->thin16) {
      fprintf(f, "; with the default\n                sizes 16-bit runs at");
      for (int si = 0; si < r->nsizes; ++si)
        if (bench_dtype_at(o, CLRELU_F16, r->sizes[si].size) ||
            bench_dtype_at(o, CLRELU_BF16, r->sizes[si].size))
          fprintf(f, " %s", size_label(r->sizes[si].size, buf, sizeof buf));
    }
  }
  fputc('\n', f);
  if (r->dnnl[0])
    fprintf(f,
            "oneDNN          %s, eltwise ReLU forward on its own threads, "
            "%s\n",
            r->dnnl, r->omp_note);
  else
    fprintf(f, "oneDNN          not found (limit from the copies only)\n");
  if (r->torch_ran)
    fprintf(f,
            "torch           %s\n"
            "                in its own run before clrelu's rounds "
            "(bench/torch_peer.py):\n"
            "                CUDA events around a CUDA graph of back-to-back "
            "calls, per call\n",
            r->torch);
  else
    fprintf(f, "torch: %s\n", r->torch);
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
  fprintf(f, "bytes           per element of each array read or written: 4 B "
             "(f32), 2 B (f16,\n"
             "                bf16); 2 arrays (relu, derivative, leaky, "
             "bias_relu, copies), 3\n"
             "                (backward ops); GB = 1e9 bytes, Gel = 1e9 "
             "elements\n");
  fprintf(f,
          "limit           best of stream-copy, plain-copy and dnnl-relu "
          "(float32) in each\n"
          "                round; x lim = GB/s over that limit. While the "
          "arrays fit in the\n"
          "                caches the copies' thread hand-off dominates and x "
          "lim > 1 says\n"
          "                little; read it at large sizes\n");
  fprintf(f, "paths           dev-kernel: profiled time from a marker the op "
             "waits for to its\n"
             "                last command's end, data on the device; "
             "dev-call:\n"
             "                host time of the call + clrelu_finish; e2e: "
             "clrelu_buffer_write of\n"
             "                the inputs (not bias) + op + clrelu_buffer_read; "
             "cpu-1t / cpu-all:\n"
             "                clrelu_cpu_* on 1 / all threads; 2pass (f32): "
             "the bench's bias-add\n"
             "                kernel, then clrelu_relu in place (bias-add: "
             "that first kernel alone)\n");
}

/* v in 6 characters, as many decimals as fit (at most 3). */
static const char *num6(double v, char *buf, size_t len) {
  if (!(v > 0))
    snprintf(buf, len, "-");
  else if (v < 9.9995)
    snprintf(buf, len, "%.3f", v);
  else if (v < 99.995)
    snprintf(buf, len, "%.2f", v);
  else if (v < 9999.5)
    snprintf(buf, len, "%.1f", v);
  else
    snprintf(buf, len, "%.0f", v);
  return buf;
}

/* One line per op and path, the dtypes side by side: Gel/s, GB/s, 16-bit
 * over float32 in elements per second. */
static void side_by_side(FILE *f, const bench_results *r, int si) {
  static const path_id paths[] = {P_DEV_KERNEL, P_DEV_CALL, P_E2E,
                                  P_CPU_1T,     P_CPU_ALL,  P_TORCH};
  int run[BENCH_NDTYPES], nd = 0, n16 = 0;
  dtypes_run(r, run);
  for (int t = 0; t < BENCH_NDTYPES; ++t) {
    nd += run[t];
    n16 += t != CLRELU_F32 && run[t] && run[CLRELU_F32];
  }
  char buf[64], h1[64];
  snprintf(h1, sizeof h1, "%*s", 7 * nd, "Gel/s");
  fprintf(f, "%-22s %-11s %s %*s", "", "", h1, 7 * nd, "GB/s");
  if (n16)
    fprintf(f, " %*s", 7 * n16, n16 > 1 ? "16-bit/f32" : "16b/f32");
  fprintf(f, " %7s\n%-22s %-11s", "worst", "op", "path");
  for (int g = 0; g < 2; ++g) {
    for (int t = 0; t < BENCH_NDTYPES; ++t)
      if (run[t])
        fprintf(f, " %6s", bench_dtype_names[t]);
    fputc(' ', f);
  }
  for (int t = 1; t < BENCH_NDTYPES; ++t)
    if (run[t] && run[CLRELU_F32])
      fprintf(f, " %6s", bench_dtype_names[t]);
  fprintf(f, " %7s\n", "spread");
  for (int op = 0; op < OP_COUNT; ++op)
    for (int l = bench_ops[op].bias ? 0 : LAY_NONE;
         l < (bench_ops[op].bias ? LAY_COUNT : 0); ++l)
      for (size_t p = 0; p < sizeof paths / sizeof *paths; ++p) {
        const bench_row *row[BENCH_NDTYPES];
        int any = 0;
        double worst = 0;
        for (int t = 0; t < BENCH_NDTYPES; ++t) {
          row[t] = bench_find(r, si, (op_id)op, (layout_id)l, (clrelu_dtype)t,
                              paths[p]);
          any |= row[t] != NULL;
          if (row[t] && row[t]->spread > worst)
            worst = row[t]->spread;
        }
        if (!any)
          continue;
        op_shape s = {(op_id)op, (layout_id)l, CLRELU_F32, 0, 0, 0, 0, 0.0f};
        fprintf(f, "%-22s %-11s", op_label(&s, buf, sizeof buf),
                bench_path_names[paths[p]]);
        for (int t = 0; t < BENCH_NDTYPES; ++t)
          if (run[t])
            fprintf(f, " %6s",
                    num6(row[t] ? row[t]->gelems : 0, buf, sizeof buf));
        fputc(' ', f);
        for (int t = 0; t < BENCH_NDTYPES; ++t)
          if (run[t])
            fprintf(f, " %6s",
                    num6(row[t] ? row[t]->gbps : 0, buf, sizeof buf));
        fputc(' ', f);
        for (int t = 1; t < BENCH_NDTYPES; ++t) {
          if (!run[t] || !run[CLRELU_F32])
            continue;
          double q = paths[p] == P_TORCH
                         ? (row[t] && row[0] && row[0]->gelems > 0
                                ? row[t]->gelems / row[0]->gelems
                                : 0)
                         : bench_ratio_elems(row[t], row[0]);
          if (q > 0)
            fprintf(f, " %5.2fx", q);
          else
            fprintf(f, " %6s", "-");
        }
        fprintf(f, " %6.0f%%%s\n", worst * 100,
                worst > BENCH_WIDE_SPREAD ? " wide" : "");
      }
}

/* The rows of one dtype at one size, in full (references with float32). */
static void dtype_rows(FILE *f, const bench_results *r, int si,
                       clrelu_dtype t) {
  const bench_size *s = &r->sizes[si];
  char buf[64];
  int shown = 0;
  for (int i = s->first; i < s->first + s->count; ++i) {
    const bench_row *row = &r->rows[i];
    if (row->nt == 0 || row->shape.dtype != t)
      continue;
    if (!shown++) {
      fprintf(f, "\n-- %s (%.0f B per element) --\n", bench_dtype_names[t],
              bench_dtype_bytes(t));
      fprintf(f, "%-22s %9s %-12s %10s %10s %7s %7s %6s %6s\n", "op", "n",
              "path", "med us", "min us", "GB/s", "Gel/s", "x lim", "spread");
    }
    fprintf(f, "%-22s %9zu %-12s %10.1f %10.1f %7.2f %7.3f",
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

static void size_table(FILE *f, const bench_results *r, int si) {
  const bench_size *s = &r->sizes[si];
  char lb[64];
  fprintf(f,
          "\n== size %zu (%s; %.1f MiB per f32 array, %.1f per 16-bit); "
          "memory limit %.1f GB/s ==\n",
          s->size, size_label(s->size, lb, sizeof lb),
          (double)s->size * 4.0 / 1048576.0, (double)s->size * 2.0 / 1048576.0,
          s->limit_med);
  side_by_side(f, r, si);
  for (int t = 0; t < BENCH_NDTYPES; ++t)
    dtype_rows(f, r, si, (clrelu_dtype)t);
}

static void limit_table(FILE *f, const bench_results *r) {
  static const path_id refs[] = {P_STREAM_COPY, P_PLAIN_COPY, P_DNNL_RELU,
                                 P_DNNL_LEAKY,  P_DNNL_CLIP,  P_CL_COPY,
                                 P_MEMCPY};
  char buf[64];
  fprintf(f,
          "\nmemory limit and references (float32; GB/s at the median time)\n");
  fprintf(f, "%-10s %8s", "size", "limit");
  for (size_t k = 0; k < sizeof refs / sizeof *refs; ++k)
    fprintf(f, " %11s", bench_path_names[refs[k]]);
  fputc('\n', f);
  for (int si = 0; si < r->nsizes; ++si) {
    fprintf(f, "%-10s %8.1f", size_label(r->sizes[si].size, buf, sizeof buf),
            r->sizes[si].limit_med);
    for (size_t k = 0; k < sizeof refs / sizeof *refs; ++k) {
      const bench_row *row =
          bench_find(r, si, OP_NONE, LAY_NONE, CLRELU_F32, refs[k]);
      if (row)
        fprintf(f, " %11.1f", row->gbps);
      else
        fprintf(f, " %11s", "-");
    }
    fputc('\n', f);
  }
}

static void overhead_table(FILE *f, const bench_results *r) {
  if (!r->ovh_clrelu[0] || !r->ovh_bare[0])
    return;
  fprintf(f,
          "\nper-call overhead: %d launches queued back to back, then one "
          "finish; bare: clSetKernelArg x6 + clEnqueueNDRangeKernel of the "
          "same\nkernel (clrelu_relu, built by the bench with the same "
          "launch shape) at the same sizes\n",
          r->calls);
  fprintf(f, "  %-12s %18s %18s %14s\n", "elements", "clrelu_relu us",
          "bare us", "clrelu / bare");
  for (int k = 0; k < BENCH_NOVH; ++k) {
    const bench_row *c = r->ovh_clrelu[k], *b = r->ovh_bare[k];
    if (!c || !b)
      continue;
    char lab[32];
    size_label(c->size, lab, sizeof lab);
    fprintf(f, "  %-12s %8.2f (min %5.2f) %8.2f (min %5.2f) %13.2fx\n", lab,
            c->med * 1e6, c->min * 1e6, b->med * 1e6, b->min * 1e6,
            r->ovh_ratio[k]);
  }
}

/* One line per op, a column per dtype. */
static void crossover_table(FILE *f, const bench_results *r) {
  char buf[64], lo[32], hi[32];
  int run[BENCH_NDTYPES], last = BENCH_NDTYPES - 1;
  dtypes_run(r, run);
  while (last > 0 && !run[last])
    --last;
  size_label(r->sizes[0].size, lo, sizeof lo);
  size_label(r->sizes[r->nsizes - 1].size, hi, sizeof hi);
  fprintf(f,
          "\ncrossover: the smallest size at which e2e on the device beats "
          "cpu-all, and by\nhow much there (never: not in %s .. %s; *: loses "
          "again at a larger size)\n%-22s",
          lo, hi, "op");
  for (int t = 0; t < BENCH_NDTYPES; ++t)
    if (run[t])
      fprintf(f, t == last ? " %s" : " %-16s", bench_dtype_names[t]);
  fprintf(f, "\n");
  for (int op = 0; op < OP_COUNT; ++op)
    for (int l = bench_ops[op].bias ? 0 : LAY_NONE;
         l < (bench_ops[op].bias ? LAY_COUNT : 0); ++l) {
      const bench_crossover *c[BENCH_NDTYPES] = {NULL};
      int any = 0;
      for (int i = 0; i < r->ncross; ++i)
        if (r->cross[i].op == (op_id)op && r->cross[i].layout == (layout_id)l) {
          c[r->cross[i].dtype] = &r->cross[i];
          any = 1;
        }
      if (!any)
        continue;
      op_shape s = {(op_id)op, (layout_id)l, CLRELU_F32, 0, 0, 0, 0, 0.0f};
      fprintf(f, "%-22s", op_label(&s, buf, sizeof buf));
      for (int t = 0; t < BENCH_NDTYPES; ++t) {
        if (!run[t])
          continue;
        char cell[64], sb[32];
        if (!c[t])
          snprintf(cell, sizeof cell, "-");
        else if (c[t]->size == 0)
          snprintf(cell, sizeof cell, "never");
        else
          snprintf(cell, sizeof cell, "%s %.2fx%s",
                   size_label(c[t]->size, sb, sizeof sb), c[t]->ratio,
                   c[t]->later_loses ? "*" : "");
        fprintf(f, t == last ? " %s" : " %-16s", cell);
      }
      fputc('\n', f);
    }
}

/* Ops whose device-resident kernel falls below 0.85x the limit at the
 * largest size. */
static void shortfalls(FILE *f, const bench_results *r) {
  int si = r->nsizes - 1;
  if (r->sizes[si].limit_med <= 0)
    return;
  op_key keys[MAX_KEYS];
  int nk = measured_ops(r, keys), any = 0;
  char buf[64], sb[32];
  for (int i = 0; i < nk; ++i) {
    const bench_row *row = find_key(r, si, keys[i], P_DEV_KERNEL);
    if (!row || row->of_limit < 0 || row->of_limit >= 0.85)
      continue;
    if (!any)
      fprintf(f, "\nbelow 0.85x the memory limit at %s (dev-kernel):\n",
              size_label(r->sizes[si].size, sb, sizeof sb));
    any = 1;
    fprintf(f, "  %-22s %-5s %.2fx (%.1f GB/s against %.1f)\n",
            op_label(&row->shape, buf, sizeof buf),
            bench_dtype_names[keys[i].dtype], row->of_limit, row->gbps,
            r->sizes[si].limit_med);
  }
  if (!any)
    fprintf(f,
            "\nevery op reaches 0.85x the memory limit at %s "
            "(dev-kernel)\n",
            size_label(r->sizes[si].size, sb, sizeof sb));
}

/* The 16-bit speed-up the library aims at, in elements per second over
 * float32's (dev-kernel): 1.8x for the ops that only move bits, 1.5x for
 * those that convert and compute. */
static double sixteen_target(op_id op) {
  return bench_ops[op].bits16 ? 1.8 : 1.5;
}

/* The 16-bit targets hold for large arrays: below this size the report
 * only says where to read them. */
#define TARGET_MIN_SIZE ((size_t)1 << 24)

static void targets(FILE *f, const bench_results *r) {
  int si = r->nsizes - 1;
  op_key keys[MAX_KEYS];
  int nk = measured_ops(r, keys), shown = 0, missed = 0;
  char buf[64], sb[32];
  if (r->sizes[si].size < TARGET_MIN_SIZE) {
    int any = 0;
    for (int i = 0; i < nk; ++i)
      any |= m_16_kernel(r, si, keys[i]) > 0;
    if (any)
      fprintf(f,
              "\n16-bit targets (dev-kernel elements/s over f32's): read them "
              "at 2^24 or more\n(the largest size here is %s)\n",
              size_label(r->sizes[si].size, sb, sizeof sb));
    return;
  }
  for (int i = 0; i < nk; ++i) {
    double q = m_16_kernel(r, si, keys[i]);
    if (q <= 0)
      continue;
    if (!shown++)
      fprintf(f,
              "\n16-bit targets at %s (dev-kernel elements/s over f32's; "
              "1.8x for relu,\nrelu_derivative, relu_backward, 1.5x for the "
              "others):\n",
              size_label(r->sizes[si].size, sb, sizeof sb));
    double want = sixteen_target(keys[i].op);
    op_shape s = {keys[i].op, keys[i].layout, keys[i].dtype, 0, 0, 0, 0, 0.0f};
    fprintf(f, "  %-22s %-5s %5.2fx  %s %.1fx\n", op_label(&s, buf, sizeof buf),
            bench_dtype_names[keys[i].dtype], q, q >= want ? "meets" : "BELOW",
            want);
    missed += q < want;
  }
  if (shown)
    fprintf(f, "  %d of %d below target\n", missed, shown);
}

static void report_table(FILE *f, const bench_results *r,
                         const bench_options *o) {
  header(f, r, o);
  for (int si = 0; si < r->nsizes; ++si)
    size_table(f, r, si);
  limit_table(f, r);
  matrix(f, r,
         "16-bit / float32 in elements per second, device-resident kernel "
         "(per-round medians)",
         m_16_kernel, ALL_OPS);
  matrix(f, r, "16-bit / float32 in elements per second, device call",
         m_16_call, ALL_OPS);
  matrix(f, r, "16-bit / float32 in elements per second, e2e", m_16_e2e,
         ALL_OPS);
  matrix(f, r, "16-bit / float32 in elements per second, cpu-all", m_16_cpu,
         ALL_OPS);
  matrix(f, r, "device-resident kernel, fraction of the memory limit",
         m_dev_limit, ALL_OPS);
  matrix(f, r,
         "device-resident call (host time), fraction of the memory "
         "limit",
         m_call_limit, ALL_OPS);
  matrix(f, r, "cpu-all, fraction of the memory limit", m_cpu_limit, ALL_OPS);
  if (r->dnnl[0]) {
    matrix(f, r,
           "device kernel / oneDNN (float32 GB/s; leaky ops against its Leaky "
           "ReLU, clipped ones its clip to [0, 6], others its ReLU)",
           m_dev_dnnl, F32_ONLY);
    matrix(f, r, "device call / oneDNN (float32)", m_call_dnnl, F32_ONLY);
    matrix(f, r, "cpu-all / oneDNN (float32)", m_cpu_dnnl, F32_ONLY);
    matrix(f, r, "cpu-1t / oneDNN (float32)", m_cpu1_dnnl, F32_ONLY);
  }
  if (r->torch_ran)
    matrix(f, r,
           "clrelu device kernel / torch on the same GPU (GB/s at the median "
           "times; above 1x clrelu is faster)",
           m_torch, ALL_OPS);
  matrix(f, r, "fused bias_relu / two-pass (kernel time)", m_fused_kernel,
         BIAS_ONLY);
  matrix(f, r, "fused bias_relu / two-pass (call time)", m_fused_call,
         BIAS_ONLY);
  matrix(f, r, "bias_relu / relu (device kernel GB/s, same dtype)",
         m_bias_vs_relu, BIAS_ONLY);
  matrix(f, r, "e2e / cpu-all (above 1x the device wins end to end)", m_e2e_cpu,
         ALL_OPS);
  overhead_table(f, r);
  crossover_table(f, r);
  shortfalls(f, r);
  targets(f, r);
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
  fprintf(f, "size,op,layout,dtype,n,outer,channels,inner,path,bytes,reps,"
             "median_s,min_s,p10_s,p90_s,gbps,gelem_s,x_limit,limit_gbps,"
             "spread,wide\n");
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
            "%zu,%s,%s,%s,%zu,%zu,%zu,%zu,%s,%.0f,%d,%.9g,%.9g,%.9g,%.9g,"
            "%.4f,%.5f,",
            row->size, s->op == OP_NONE ? "reference" : bench_op_names[s->op],
            layout_name(s->layout), bench_dtype_names[s->dtype], s->n, s->outer,
            s->channels, s->inner, bench_path_names[row->path], row->bytes,
            row->nt, row->med, row->min, row->p10, row->p90, row->gbps,
            row->gelems);
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
  fprintf(f, ", \"dtype\": \"%s\"", bench_dtype_names[s->dtype]);
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

/* Ratios at size si, by dtype, then metric, then op. */
static void json_ratios(FILE *f, const bench_results *r, int si) {
  op_key keys[MAX_KEYS];
  int nk = measured_ops(r, keys);
  static const struct {
    const char *name;
    metric_fn fn;
    int flags;
  } m[] = {{"dev_kernel_over_dnnl", m_dev_dnnl, F32_ONLY},
           {"dev_call_over_dnnl", m_call_dnnl, F32_ONLY},
           {"cpu_all_over_dnnl", m_cpu_dnnl, F32_ONLY},
           {"cpu_1t_over_dnnl", m_cpu1_dnnl, F32_ONLY},
           {"e2e_over_cpu_all", m_e2e_cpu, ALL_OPS},
           {"fused_over_two_pass_kernel", m_fused_kernel, BIAS_ONLY | F32_ONLY},
           {"fused_over_two_pass_call", m_fused_call, BIAS_ONLY | F32_ONLY},
           {"bias_relu_over_relu", m_bias_vs_relu, BIAS_ONLY},
           {"dev_kernel_over_torch", m_torch, ALL_OPS},
           {"elems_over_f32_dev_kernel", m_16_kernel, ALL_OPS},
           {"elems_over_f32_dev_call", m_16_call, ALL_OPS},
           {"elems_over_f32_e2e", m_16_e2e, ALL_OPS},
           {"elems_over_f32_cpu_all", m_16_cpu, ALL_OPS}};
  char buf[64];
  int firstd = 1;
  fprintf(f, "{");
  for (int t = 0; t < BENCH_NDTYPES; ++t) {
    int has = 0;
    for (int i = 0; i < nk; ++i)
      has |= keys[i].dtype == (clrelu_dtype)t;
    if (!has)
      continue;
    fprintf(f, "%s\n        \"%s\": {", firstd ? "" : ",",
            bench_dtype_names[t]);
    firstd = 0;
    int firstm = 1;
    for (size_t k = 0; k < sizeof m / sizeof *m; ++k) {
      if ((m[k].flags & F32_ONLY) && t != CLRELU_F32)
        continue;
      if (m[k].fn == m_torch && !r->torch_ran)
        continue;
      if ((m[k].fn == m_16_kernel || m[k].fn == m_16_call ||
           m[k].fn == m_16_e2e || m[k].fn == m_16_cpu) &&
          t == CLRELU_F32)
        continue;
      fprintf(f, "%s\n          \"%s\": {", firstm ? "" : ",", m[k].name);
      firstm = 0;
      int first = 1;
      for (int i = 0; i < nk; ++i) {
        if (keys[i].dtype != (clrelu_dtype)t ||
            ((m[k].flags & BIAS_ONLY) && !bench_ops[keys[i].op].bias))
          continue;
        fprintf(f, "%s", first ? "" : ", ");
        op_shape s = {keys[i].op, keys[i].layout, keys[i].dtype, 0, 0, 0, 0,
                      0.0f};
        json_str(f, op_label(&s, buf, sizeof buf));
        fprintf(f, ": ");
        json_num(f, m[k].fn(r, si, keys[i]));
        first = 0;
      }
      fprintf(f, "}");
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
  fprintf(f, ",\n  \"dtypes\": [");
  int run[BENCH_NDTYPES], nrun = 0;
  dtypes_run(r, run);
  for (int t = 0; t < BENCH_NDTYPES; ++t)
    if (run[t])
      fprintf(f, "%s\"%s\"", nrun++ ? ", " : "", bench_dtype_names[t]);
  fprintf(f, "],\n  \"torch\": {\"ran\": %s, \"note\": ",
          r->torch_ran ? "true" : "false");
  json_str(f, r->torch);
  fprintf(f, "}");
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
  if (r->ovh_clrelu[0] && r->ovh_bare[0]) {
    fputc('[', f);
    for (int k = 0; k < BENCH_NOVH; ++k) {
      const bench_row *c = r->ovh_clrelu[k], *b = r->ovh_bare[k];
      if (!c || !b)
        continue;
      fprintf(f,
              "%s{\"calls\": %d, \"n\": %zu, \"clrelu_relu_s\": %.9g, "
              "\"clrelu_relu_min_s\": %.9g, \"bare_launch_s\": %.9g, "
              "\"bare_launch_min_s\": %.9g, \"ratio\": %.4f}",
              k ? ", " : "", r->calls, c->size, c->med, c->min, b->med, b->min,
              r->ovh_ratio[k]);
    }
    fputc(']', f);
  } else {
    fputs("null", f);
  }
  char buf[64];
  fprintf(f, ",\n  \"sixteen_bit_targets\": [");
  {
    op_key keys[MAX_KEYS];
    int nk = measured_ops(r, keys), n = 0;
    for (int i = 0; i < nk; ++i) {
      double q = m_16_kernel(r, r->nsizes - 1, keys[i]);
      if (q <= 0)
        continue;
      op_shape s = {keys[i].op, keys[i].layout, keys[i].dtype, 0, 0, 0, 0,
                    0.0f};
      fprintf(f, "%s\n    {\"op\": ", n++ ? "," : "");
      json_str(f, op_label(&s, buf, sizeof buf));
      fprintf(f,
              ", \"dtype\": \"%s\", \"size\": %zu, "
              "\"elems_over_f32_dev_kernel\": %.4f, \"target\": %.1f, "
              "\"meets\": %s}",
              bench_dtype_names[keys[i].dtype], r->sizes[r->nsizes - 1].size, q,
              sixteen_target(keys[i].op),
              q >= sixteen_target(keys[i].op) ? "true" : "false");
    }
  }
  fprintf(f, "]");
  fprintf(f, ",\n  \"crossover\": [");
  for (int i = 0; i < r->ncross; ++i) {
    const bench_crossover *c = &r->cross[i];
    op_shape s = {c->op, c->layout, c->dtype, 0, 0, 0, 0, 0.0f};
    fprintf(f, "%s\n    {\"op\": ", i ? "," : "");
    json_str(f, op_label(&s, buf, sizeof buf));
    fprintf(f, ", \"dtype\": \"%s\"", bench_dtype_names[c->dtype]);
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
    report_table(f, r, o);
  if (o->plot) {
    op_id op = o->plot_op;
    layout_id lay = o->plot_layout;
    if (op == OP_NONE) { /* relu, else the first op that ran */
      op_key keys[MAX_KEYS];
      int nk = measured_ops(r, keys);
      op = nk ? keys[0].op : OP_RELU;
      lay = nk ? keys[0].layout : LAY_NONE;
    }
    if (bench_plot(o->plot, r, op, lay) != 0)
      return -1;
  }
  return 0;
}
