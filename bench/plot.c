/* The SVG plot of clrelu-bench: GB/s against size (log2), one polyline per
 * path and dtype of one op (a colour per path, a line style and marker per
 * dtype), the float32 references dash-dotted, the memory limit dashed. */
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

/* A colour per path: the op's paths in the order of own[] in bench_plot,
 * then the references'. */
static const char *const colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                     "#9467bd", "#e6ab02", "#8c564b", "#e377c2",
                                     "#bcbd22", /* own paths */
                                     "#7f7f7f", "#17becf", "#393b79", "#637939",
                                     "#ad494a", "#7b4173" /* references */};
#define NCOLORS (sizeof colors / sizeof *colors)

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
  clrelu_dtype dtype;
  path_id path;
  int color;
} series;

static double value_at(const bench_results *r, int si, const series *s) {
  const bench_row *row = bench_find(r, si, s->op, s->layout, s->dtype, s->path);
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

/* Line styles: one per dtype (f32, f16, bf16), then the references' and
 * the limit's. */
enum { ST_F32, ST_F16, ST_BF16, ST_REF, ST_LIMIT };

static const char *dash_attr(int style) {
  switch (style) {
  case ST_F16:
    return " stroke-dasharray=\"6 3\"";
  case ST_BF16:
    return " stroke-dasharray=\"1.5 2.5\"";
  case ST_REF:
    return " stroke-dasharray=\"8 3 2 3\"";
  case ST_LIMIT:
    return " stroke-dasharray=\"7 5\"";
  default:
    return "";
  }
}

/* A marker at (x, y): a circle (f32), square (f16) or diamond (bf16). */
static void marker(FILE *f, int style, double x, double y, const char *color) {
  if (style == ST_F16)
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"5\" height=\"5\" "
            "fill=\"%s\"/>\n",
            x - 2.5, y - 2.5, color);
  else if (style == ST_BF16)
    fprintf(f,
            "<path d=\"M%.1f %.1fl3.2 3.2l-3.2 3.2l-3.2 -3.2z\" "
            "fill=\"%s\"/>\n",
            x, y - 3.2, color);
  else
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n", x,
            y, color);
}

/* A legend entry in slot: a line of the style (with its marker for the
 * dtypes) and the name. */
static void legend(FILE *f, int slot, const char *color, int style,
                   const char *name) {
  double ly = TOP + 8 + 16.0 * slot, lx = W - RIGHT + 16;
  fprintf(f,
          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
          "stroke=\"%s\" stroke-width=\"2\"%s/>\n",
          lx, ly, lx + 26, ly, color, dash_attr(style));
  if (style <= ST_BF16)
    marker(f, style, lx + 13, ly, color);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", lx + 32, ly + 4);
  xml_text(f, name);
  fprintf(f, "</text>\n");
}

/* One polyline with a marker at each point (none for the references and
 * the limit). Returns whether it had a point. */
static int polyline(FILE *f, const frame *fr, const bench_results *r,
                    const double *v, const char *color, int style) {
  int pts = 0;
  for (int si = 0; si < r->nsizes; ++si)
    pts += v[si] > 0;
  if (!pts)
    return 0;
  fprintf(f,
          "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s "
          "points=\"",
          color, style == ST_LIMIT ? "2" : "1.6", dash_attr(style));
  for (int si = 0; si < r->nsizes; ++si)
    if (v[si] > 0)
      fprintf(f, "%.1f,%.1f ", px(fr, log2((double)r->sizes[si].size)),
              py(fr, v[si]));
  fprintf(f, "\"/>\n");
  if (style <= ST_BF16)
    for (int si = 0; si < r->nsizes; ++si)
      if (v[si] > 0)
        marker(f, style, px(fr, log2((double)r->sizes[si].size)), py(fr, v[si]),
               color);
  return 1;
}

#define MAX_SERIES (P_COUNT * BENCH_NDTYPES)

int bench_plot(const char *file, const bench_results *r, op_id op,
               layout_id layout) {
  if (r->nsizes == 0)
    return 0;
  series s[MAX_SERIES];
  int ns = 0;
  static const path_id own[] = {P_DEV_KERNEL,   P_DEV_CALL,   P_E2E,
                                P_CPU_1T,       P_CPU_ALL,    P_TORCH,
                                P_2PASS_KERNEL, P_2PASS_CALL, P_BIAS_ADD};
  static const path_id refs[] = {P_STREAM_COPY, P_PLAIN_COPY, P_DNNL_RELU,
                                 P_DNNL_LEAKY,  P_DNNL_CLIP,  P_CL_COPY,
                                 P_MEMCPY};
  int npaths = (int)(sizeof own / sizeof *own);
  for (int k = 0; k < npaths; ++k)
    for (int t = 0; t < BENCH_NDTYPES; ++t)
      s[ns++] = (series){op, layout, (clrelu_dtype)t, own[k], k};
  for (size_t k = 0; k < sizeof refs / sizeof *refs; ++k)
    s[ns++] = (series){OP_NONE, LAY_NONE, CLRELU_F32, refs[k], npaths + (int)k};

  double v[MAX_SERIES][BENCH_MAX_SIZES], limit[BENCH_MAX_SIZES];
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
  /* the lines, then the legend: a colour per path, a style per dtype */
  int has_path[P_COUNT] = {0}, has_dtype[BENCH_NDTYPES] = {0};
  for (int k = 0; k < ns; ++k) {
    const char *color = colors[s[k].color % NCOLORS];
    int style = s[k].op == OP_NONE ? ST_REF : (int)s[k].dtype;
    if (polyline(f, &fr, r, v[k], color, style)) {
      has_path[s[k].path] = 1;
      if (s[k].op != OP_NONE)
        has_dtype[s[k].dtype] = 1;
    }
  }
  polyline(f, &fr, r, limit, "#000", ST_LIMIT);
  int slot = 0;
  for (int k = 0; k < ns; ++k) {
    if (!has_path[s[k].path])
      continue;
    has_path[s[k].path] = 0; /* one entry per path */
    legend(f, slot++, colors[s[k].color % NCOLORS],
           s[k].op == OP_NONE ? ST_REF : ST_F32, bench_path_names[s[k].path]);
  }
  legend(f, slot++, "#000", ST_LIMIT, "memory limit");
  for (int t = 0; t < BENCH_NDTYPES; ++t)
    if (has_dtype[t])
      legend(f, slot++, "#444", t, bench_dtype_names[t]);
  fprintf(f, "</svg>\n");
  if (ferror(f) | fclose(f))
    return bench_error("writing %s failed", file);
  return 0;
}
