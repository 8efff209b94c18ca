/* Medians, the memory limit, ratios and crossovers of clrelu-bench. */
#include "bench.h"

#include "timer.h"

#include <stdlib.h>
#include <string.h>

int bench_add_row(bench_results *r, size_t size, const op_shape *shape,
                  path_id path, double bytes) {
  if (r->nrows == r->cap) {
    int cap = r->cap ? 2 * r->cap : 64;
    bench_row *rows = realloc(r->rows, sizeof *rows * (size_t)cap);
    if (!rows)
      return -1;
    r->rows = rows;
    r->cap = cap;
  }
  bench_row *row = &r->rows[r->nrows];
  memset(row, 0, sizeof *row);
  row->size = size;
  row->shape = *shape;
  row->path = path;
  row->bytes = bytes;
  row->of_limit = -1;
  row->t = calloc((size_t)(r->reps > 0 ? r->reps : 1), sizeof *row->t);
  if (!row->t)
    return -1;
  return r->nrows++;
}

void bench_results_free(bench_results *r) {
  for (int i = 0; i < r->nrows; ++i)
    free(r->rows[i].t);
  free(r->rows);
  for (int i = 0; i < r->nsizes; ++i)
    free(r->sizes[i].limit);
  memset(r, 0, sizeof *r);
}

static int is_limit_path(path_id p) {
  return p == P_STREAM_COPY || p == P_PLAIN_COPY || p == P_DNNL_RELU;
}

static double gbps_at(const bench_row *row, int i) {
  return row->t[i] > 0 ? row->bytes / row->t[i] * 1e-9 : 0.0;
}

const bench_row *bench_find(const bench_results *r, int si, op_id op,
                            layout_id layout, clrelu_dtype dtype,
                            path_id path) {
  const bench_size *s = &r->sizes[si];
  for (int i = s->first; i < s->first + s->count; ++i) {
    const bench_row *row = &r->rows[i];
    if (row->shape.op == op && row->shape.layout == layout &&
        row->shape.dtype == dtype && row->path == path && row->nt > 0)
      return row;
  }
  return NULL;
}

double bench_ratio(const bench_row *a, const bench_row *b) {
  if (!a || !b || a->nt == 0 || a->nt != b->nt)
    return 0.0;
  double q[1024];
  int n = 0;
  for (int i = 0; i < a->nt && n < 1024; ++i) {
    double ga = gbps_at(a, i), gb = gbps_at(b, i);
    if (ga > 0 && gb > 0)
      q[n++] = ga / gb;
  }
  return n ? bench_median(q, n) : 0.0;
}

double bench_ratio_elems(const bench_row *a, const bench_row *b) {
  if (!a || !b || a->nt == 0 || a->nt != b->nt)
    return 0.0;
  double q[1024];
  int n = 0;
  for (int i = 0; i < a->nt && n < 1024; ++i)
    if (a->t[i] > 0 && b->t[i] > 0)
      q[n++] = ((double)a->shape.n / a->t[i]) / ((double)b->shape.n / b->t[i]);
  return n ? bench_median(q, n) : 0.0;
}

double bench_ratio_medians(const bench_row *a, const bench_row *b) {
  return a && b && a->gbps > 0 && b->gbps > 0 ? a->gbps / b->gbps : 0.0;
}

path_id bench_dnnl_peer(op_id op) {
  if (op == OP_CLIPPED_RELU || op == OP_BIAS_CLIPPED_RELU)
    return P_DNNL_CLIP;
  return op == OP_LEAKY_RELU || op == OP_LEAKY_RELU_BACKWARD ||
                 op == OP_BIAS_LEAKY_RELU
             ? P_DNNL_LEAKY
             : P_DNNL_RELU;
}

static void row_stats(bench_row *row) {
  if (row->nt == 0)
    return;
  row->med = bench_median(row->t, row->nt);
  row->min = bench_min(row->t, row->nt);
  row->p10 = bench_percentile(row->t, row->nt, 0.1);
  row->p90 = bench_percentile(row->t, row->nt, 0.9);
  row->spread = row->med > 0 ? (row->p90 - row->p10) / row->med : 0.0;
  if (row->med > 0) {
    row->gbps = row->bytes / row->med * 1e-9;
    row->gelems = (double)row->shape.n / row->med * 1e-9;
  }
}

static void size_limit(bench_results *r, bench_size *s) {
  int nt = 0;
  for (int i = s->first; i < s->first + s->count; ++i)
    if (is_limit_path(r->rows[i].path) && r->rows[i].nt > nt)
      nt = r->rows[i].nt;
  if (nt == 0 || !s->limit)
    return;
  for (int k = 0; k < nt; ++k) {
    s->limit[k] = 0;
    for (int i = s->first; i < s->first + s->count; ++i) {
      const bench_row *row = &r->rows[i];
      if (is_limit_path(row->path) && k < row->nt &&
          gbps_at(row, k) > s->limit[k])
        s->limit[k] = gbps_at(row, k);
    }
  }
  s->limit_med = bench_median(s->limit, nt);
  for (int i = s->first; i < s->first + s->count; ++i) {
    bench_row *row = &r->rows[i];
    if (row->nt != nt || row->bytes <= 0 || row->path == P_TORCH)
      continue; /* torch ran in its own rounds */
    double q[1024];
    int n = 0;
    for (int k = 0; k < nt && n < 1024; ++k)
      if (s->limit[k] > 0)
        q[n++] = gbps_at(row, k) / s->limit[k];
    if (n)
      row->of_limit = bench_median(q, n);
  }
}

static void crossovers(bench_results *r) {
  r->ncross = 0;
  for (int t = 0; t < BENCH_NDTYPES; ++t)
    for (int op = 0; op < OP_COUNT; ++op)
      for (int l = bench_ops[op].bias ? 0 : LAY_NONE;
           l < (bench_ops[op].bias ? LAY_COUNT : 0); ++l) {
        bench_crossover c = {
            .op = (op_id)op, .layout = (layout_id)l, .dtype = (clrelu_dtype)t};
        int seen = 0;
        for (int si = 0; si < r->nsizes; ++si) {
          const bench_row *e2e = bench_find(r, si, (op_id)op, (layout_id)l,
                                            (clrelu_dtype)t, P_E2E);
          const bench_row *cpu = bench_find(r, si, (op_id)op, (layout_id)l,
                                            (clrelu_dtype)t, P_CPU_ALL);
          if (!e2e || !cpu)
            continue;
          seen = 1;
          double q = bench_ratio(e2e, cpu); /* > 1: the device is faster */
          if (q > 1.0 && c.size == 0) {
            c.size = r->sizes[si].size;
            c.ratio = q;
          } else if (q <= 1.0 && c.size != 0) {
            c.later_loses = 1;
          }
        }
        if (seen)
          r->cross[r->ncross++] = c;
      }
}

void bench_analyse(bench_results *r) {
  for (int i = 0; i < r->nrows; ++i)
    row_stats(&r->rows[i]);
  for (int si = 0; si < r->nsizes; ++si)
    size_limit(r, &r->sizes[si]);
  for (int o = 0; o < BENCH_NOVH; ++o) {
    const bench_row *c = r->ovh_clrelu[o], *b = r->ovh_bare[o];
    r->ovh_ratio[o] = 0;
    if (!c || !b || c->nt != b->nt)
      continue;
    double q[1024];
    int n = 0;
    for (int k = 0; k < c->nt && n < 1024; ++k)
      if (b->t[k] > 0)
        q[n++] = c->t[k] / b->t[k];
    if (n)
      r->ovh_ratio[o] = bench_median(q, n);
  }
  crossovers(r);
}
