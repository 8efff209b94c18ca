/* The SVG plot of clrelu-bench: GB/s against size (log2), one polyline per
 * path of one op plus the references, the memory limit dashed. */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define W 960.0
#define H 560.0
#define LEFT 70.0
#define RIGHT 250.0 /* room for the legend */
#define TOP 46.0
#define BOTTOM 62.0

static const char *const colors[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a"};

static void xml_text(FILE *f, const char *s) {
  for (; *s; ++s) {
    switch (*s) {
    case '&':
      fputs("&amp;", f);
      break;
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    default:
      fputc(*s, f);
    }
  }
}

/* 1, 2 or 5 times a power of ten, about span / 6. */
static double nice_step(double span) {
  double raw = span / 6.0, p = pow(10.0, floor(log10(raw)));
  double m = raw / p;
  return (m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0) * p;
}

typedef struct frame {
  double x0, x1, ymax; /* log2 size range, GB/s top */
} frame;

static double px(const frame *fr, double lg) {
  return LEFT + (lg - fr->x0) / (fr->x1 - fr->x0) * (W - LEFT - RIGHT);
}
static double py(const frame *fr, double gbps) {
  return H - BOTTOM - gbps / fr->ymax * (H - TOP - BOTTOM);
}

typedef struct series {
  op_id op;
  layout_id layout;
  path_id path;
  const char *name;
} series;

static double value_at(const bench_results *r, int si, const series *s) {
  const bench_row *row = bench_find(r, si, s->op, s->layout, s->path);
  return row && row->gbps > 0 ? row->gbps : -1;
}

static void axes(FILE *f, const frame *fr) {
  double step = nice_step(fr->ymax);
  for (double v = 0; v <= fr->ymax + 1e-9; v += step) {
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#ddd\"/>\n",
            LEFT, py(fr, v), W - RIGHT, py(fr, v));
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
            LEFT - 6, py(fr, v) + 4, v);
  }
  int every = fr->x1 - fr->x0 > 16 ? 2 : 1;
  for (int k = (int)ceil(fr->x0); k <= (int)floor(fr->x1); ++k) {
    if (k % every)
      continue;
    double x = px(fr, k);
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#eee\"/>\n",
            x, TOP, x, H - BOTTOM);
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#000\"/>\n",
            x, H - BOTTOM, x, H - BOTTOM + 5);
    fprintf(f,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">2<tspan "
            "dy=\"-6\" font-size=\"9\">%d</tspan></text>\n",
            x, H - BOTTOM + 20, k);
  }
  fprintf(f,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
          "fill=\"none\" stroke=\"#000\"/>\n",
          LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
  fprintf(f,
          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">elements per "
          "array (log2 scale)</text>\n",
          (LEFT + W - RIGHT) / 2, H - 16);
  fprintf(f,
          "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" "
          "transform=\"rotate(-90 18 %.1f)\">GB/s (bytes read + "
          "written)</text>\n",
          (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2);
}

enum { SOLID, DASHED, DOTTED };

static const char *dash_attr(int style) {
  return style == DASHED   ? " stroke-dasharray=\"7 5\""
         : style == DOTTED ? " stroke-dasharray=\"2 3\""
                           : "";
}

/* One polyline with a marker at each point (none for the limit), and its
 * legend entry. */
static void polyline(FILE *f, const frame *fr, const bench_results *r,
                     const double *v, const char *color, int style,
                     const char *name, int slot) {
  int pts = 0;
  for (int si = 0; si < r->nsizes; ++si)
    pts += v[si] > 0;
  if (!pts)
    return;
  fprintf(f,
          "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s "
          "points=\"",
          color, style == DASHED ? "2" : "1.6", dash_attr(style));
  for (int si = 0; si < r->nsizes; ++si)
    if (v[si] > 0)
      fprintf(f, "%.1f,%.1f ", px(fr, log2((double)r->sizes[si].size)),
              py(fr, v[si]));
  fprintf(f, "\"/>\n");
  if (style != DASHED)
    for (int si = 0; si < r->nsizes; ++si)
      if (v[si] > 0)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
                px(fr, log2((double)r->sizes[si].size)), py(fr, v[si]), color);
  double ly = TOP + 8 + 18.0 * slot, lx = W - RIGHT + 16;
  fprintf(f,
          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
          "stroke=\"%s\" stroke-width=\"2\"%s/>\n",
          lx, ly, lx + 26, ly, color, dash_attr(style));
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", lx + 32, ly + 4);
  xml_text(f, name);
  fprintf(f, "</text>\n");
}

int bench_plot(const char *file, const bench_results *r, op_id op,
               layout_id layout) {
  if (r->nsizes == 0)
    return 0;
  series s[P_COUNT];
  int ns = 0;
  static const path_id own[] = {P_DEV_KERNEL, P_DEV_CALL, P_E2E,
                                P_CPU_1T,     P_CPU_ALL,  P_2PASS_KERNEL,
                                P_2PASS_CALL, P_BIAS_ADD};
  static const path_id refs[] = {P_STREAM_COPY, P_PLAIN_COPY, P_DNNL_RELU,
                                 P_DNNL_LEAKY,  P_CL_COPY,    P_MEMCPY};
  for (size_t k = 0; k < sizeof own / sizeof *own; ++k)
    s[ns++] = (series){op, layout, own[k], bench_path_names[own[k]]};
  for (size_t k = 0; k < sizeof refs / sizeof *refs; ++k)
    s[ns++] = (series){OP_NONE, LAY_NONE, refs[k], bench_path_names[refs[k]]};

  double v[P_COUNT][BENCH_MAX_SIZES], limit[BENCH_MAX_SIZES];
  frame fr = {log2((double)r->sizes[0].size),
              log2((double)r->sizes[r->nsizes - 1].size), 1.0};
  for (int si = 0; si < r->nsizes; ++si) {
    limit[si] = r->sizes[si].limit_med;
    if (limit[si] > fr.ymax)
      fr.ymax = limit[si];
    for (int k = 0; k < ns; ++k) {
      v[k][si] = value_at(r, si, &s[k]);
      if (v[k][si] > fr.ymax)
        fr.ymax = v[k][si];
    }
  }
  fr.x0 = floor(fr.x0);
  fr.x1 = ceil(fr.x1);
  if (fr.x1 - fr.x0 < 2) { /* one size, or two close ones */
    fr.x0 -= 1;
    fr.x1 += 1;
  }
  double step = nice_step(fr.ymax * 1.05);
  fr.ymax = ceil(fr.ymax * 1.05 / step) * step;

  FILE *f = fopen(file, "w");
  if (!f)
    return bench_error("cannot write %s: %s", file, strerror(errno));
  char title[320];
  if (layout != LAY_NONE)
    snprintf(title, sizeof title, "clrelu-bench: %s:%s on %s",
             bench_op_names[op], bench_layout_names[layout], r->device);
  else
    snprintf(title, sizeof title, "clrelu-bench: %s on %s", bench_op_names[op],
             r->device);
  fprintf(f,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
          "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
          "font-family=\"sans-serif\" font-size=\"12\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
          "<text x=\"%.1f\" y=\"24\" text-anchor=\"middle\" "
          "font-size=\"15\">",
          W, H, W, H, (LEFT + W - RIGHT) / 2);
  xml_text(f, title);
  fprintf(f, "</text>\n");
  axes(f, &fr);
  int slot = 0;
  for (int k = 0; k < ns; ++k) {
    int has = 0;
    for (int si = 0; si < r->nsizes; ++si)
      has |= v[k][si] > 0;
    if (has) {
      polyline(f, &fr, r, v[k], colors[slot % 12],
               s[k].op == OP_NONE ? DOTTED : SOLID, s[k].name, slot);
      ++slot;
    }
  }
  polyline(f, &fr, r, limit, "#000", DASHED, "memory limit", slot);
  fprintf(f, "</svg>\n");
  if (ferror(f) | fclose(f))
    return bench_error("writing %s failed", file);
  return 0;
}
