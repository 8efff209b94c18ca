/* relu_plot: ReLU, its derivative, Leaky ReLU (alpha 0.1), Leaky ReLU's
 * backward pass (dy = 1), ReLU6 and PReLU (slope 0.2) computed on an OpenCL
 * device at 2001 points over [-10, 10], drawn as one SVG file written by
 * this program.
 *
 *   relu_plot [--device SPEC] [--out FILE] [--points N]
 *
 * The top panel holds the four activations, the bottom panel the two
 * gradients. The gradients jump at x = 0; they are drawn as steps, with a
 * vertical segment at the jump, a filled dot at the value the library gives
 * at x = 0 and an open dot at the limit from the right.
 *
 * Exit status: 0 on success, 1 when a library call or writing the file
 * failed or device and CPU disagree, 2 for a bad command line. */
#include "clrelu.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALPHA 0.1f
#define XMIN (-10.0)
#define XMAX 10.0
#define NFUNCS 6
#define SLOPE 0.2f /* PReLU's one slope */

/* ---- Picture layout, in SVG user units (pixels) -------------------------- */

#define WIDTH 800
#define HEIGHT 760
#define LEFT 80.0  /* left edge of both plot areas */
#define RIGHT 24.0 /* space right of them */
#define PLOT_W (WIDTH - LEFT - RIGHT)

typedef struct panel {
  const char *title, *ylabel;
  double top, height;       /* plot area, in pixels */
  double ymin, ymax, ytick; /* y range and tick spacing, in data units */
} panel;

static const panel panels[2] = {
    {"Activations", "y = f(x)", 60.0, 340.0, -2.0, 10.0, 2.0},
    {"Gradients (dy = 1)", "dx = f'(x) dy", 490.0, 200.0, -0.25, 1.75, 0.25},
};

typedef struct curve {
  const char *id, *label, *colour;
  double width; /* stroke width; the curve drawn first is the wider one,
                   so where two curves coincide both stay visible */
  int panel;    /* index into panels */
  int step;     /* piecewise constant, jumping at x = 0 */
} curve;

static const curve curves[NFUNCS] = {
    {"relu", "relu(x)", "#1f77b4", 4.5, 0, 0},
    {"leaky_relu", "leaky_relu(x), alpha = 0.1", "#ff7f0e", 2.0, 0, 0},
    {"relu_derivative", "relu'(x)", "#2ca02c", 4.5, 1, 1},
    {"leaky_relu_backward", "leaky_relu_backward(dy = 1, x), alpha = 0.1",
     "#d62728", 2.0, 1, 1},
    {"clipped_relu", "clipped_relu(x), cap = 6 (ReLU6)", "#9467bd", 2.0, 0, 0},
    {"prelu", "prelu(x), slope = 0.2", "#8c564b", 2.0, 0, 0},
};

static double px(double x) {
  return LEFT + (x - XMIN) / (XMAX - XMIN) * PLOT_W;
}
static double py(const panel *p, double y) {
  return p->top + (p->ymax - y) / (p->ymax - p->ymin) * p->height;
}

/* ---- Helpers ------------------------------------------------------------- */

static void usage(FILE *f, const char *prog) {
  fprintf(f,
          "usage: %s [--device SPEC] [--out FILE] [--points N] [--help]\n"
          "Computes relu, relu_derivative, leaky_relu (alpha 0.1),\n"
          "leaky_relu_backward (dy = 1), ReLU6 and PReLU (slope 0.2) on an\n"
          "OpenCL device over [-10, 10]\n"
          "and draws them as an SVG file.\n"
          "  --device SPEC  device to use, as $CLRELU_DEVICE: \"gpu\", "
          "\"cpu\",\n"
          "                 \"P:D\" (platform P, device D) or part of a name\n"
          "  --out FILE     SVG file to write (default relu.svg)\n"
          "  --points N     samples per curve, at least 2 (default 2001)\n",
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

/* Writes s with the characters XML reserves escaped. */
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

/* A polyline in pixels that leaves out points lying on the straight line
 * between their neighbours (to within 0.01 px): the curves here are
 * piecewise linear, so this keeps every corner and the file stays small. */
typedef struct path {
  FILE *f;
  int started;   /* the current piece of line has begun */
  int any;       /* anything was written to the attribute */
  double ax, ay; /* last point written */
  double bx, by; /* pending point, written once we know it is a corner */
  int pending;
} path;

static void path_emit(path *p, double x, double y) {
  fprintf(p->f, "%s%.2f,%.2f", p->started ? " L" : p->any ? " M" : "M", x, y);
  p->started = p->any = 1;
  p->ax = x;
  p->ay = y;
}

static void path_point(path *p, double x, double y) {
  if (!p->started) {
    path_emit(p, x, y);
    return;
  }
  if (p->pending) {
    /* Distance from the pending point b to the line from a to (x, y). */
    double dx = x - p->ax, dy = y - p->ay;
    double len = sqrt(dx * dx + dy * dy);
    double dist = len > 0
                      ? fabs(dx * (p->by - p->ay) - dy * (p->bx - p->ax)) / len
                      : hypot(p->bx - p->ax, p->by - p->ay);
    /* b is a corner, or the path turns back on itself through b */
    int backwards =
        (p->bx - p->ax) * (x - p->bx) + (p->by - p->ay) * (y - p->by) < 0;
    if (dist > 0.01 || backwards)
      path_emit(p, p->bx, p->by);
  }
  p->bx = x;
  p->by = y;
  p->pending = 1;
}

static void path_end(path *p) {
  if (p->pending)
    path_emit(p, p->bx, p->by);
}

/* ---- The picture --------------------------------------------------------- */

static void draw_panel(FILE *f, const panel *p) {
  double bottom = p->top + p->height;
  fprintf(f, "<g class=\"panel\">\n");
  fprintf(f,
          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
          "font-size=\"16\" font-weight=\"bold\">",
          LEFT + PLOT_W / 2, p->top - 14);
  xml_text(f, p->title);
  fprintf(f, "</text>\n");
  fprintf(f,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
          "fill=\"white\" stroke=\"#444\"/>\n",
          LEFT, p->top, (double)PLOT_W, p->height);

  /* Grid, ticks and tick labels on x: every 2 units. */
  for (int t = (int)XMIN; t <= (int)XMAX; t += 2) {
    double x = px(t);
    fprintf(f,
            "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" "
            "stroke=\"%s\"/>\n",
            x, p->top, x, bottom, t == 0 ? "#888" : "#e4e4e4");
    fprintf(f,
            "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" "
            "stroke=\"#444\"/>\n",
            x, bottom, x, bottom + 6);
    fprintf(f,
            "<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"middle\" "
            "font-size=\"12\">%d</text>\n",
            x, bottom + 20, t);
  }
  /* ... and on y. Ticks are counted, not accumulated, to avoid drift. */
  int nticks = (int)floor((p->ymax - p->ymin) / p->ytick + 0.5);
  for (int k = 0; k <= nticks; ++k) {
    double v = p->ymin + k * p->ytick, y = py(p, v);
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.2f\" x2=\"%.1f\" y2=\"%.2f\" "
            "stroke=\"%s\"/>\n",
            LEFT, y, LEFT + PLOT_W, y, v == 0 ? "#888" : "#e4e4e4");
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.2f\" x2=\"%.1f\" y2=\"%.2f\" "
            "stroke=\"#444\"/>\n",
            LEFT - 6, y, LEFT, y);
    fprintf(f,
            "<text x=\"%.1f\" y=\"%.2f\" text-anchor=\"end\" "
            "font-size=\"12\">%g</text>\n",
            LEFT - 10, y + 4, v);
  }
  /* Axis labels. */
  fprintf(f,
          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
          "font-size=\"14\" font-style=\"italic\">x</text>\n",
          LEFT + PLOT_W / 2, bottom + 40);
  fprintf(f,
          "<text transform=\"translate(%.1f %.1f) rotate(-90)\" "
          "text-anchor=\"middle\" font-size=\"14\" "
          "font-style=\"italic\">",
          LEFT - 50, p->top + p->height / 2);
  xml_text(f, p->ylabel);
  fprintf(f, "</text>\n</g>\n");
}

static void draw_legend(FILE *f, int pi) {
  const panel *p = &panels[pi];
  double x = LEFT + 16, y = p->top + 22;
  int rows = 0;
  for (int c = 0; c < NFUNCS; ++c)
    rows += curves[c].panel == pi;
  fprintf(f, "<g class=\"legend\">\n");
  fprintf(f,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"380\" height=\"%d\" "
          "fill=\"white\" fill-opacity=\"0.9\" stroke=\"#bbb\"/>\n",
          x - 8, y - 14, 22 * rows + 6);
  for (int c = 0; c < NFUNCS; ++c) {
    if (curves[c].panel != pi)
      continue;
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"%s\" stroke-width=\"3\"/>\n",
            x, y - 4, x + 28, y - 4, curves[c].colour);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\">", x + 38, y);
    xml_text(f, curves[c].label);
    fprintf(f, "</text>\n");
    y += 22;
  }
  fprintf(f, "</g>\n");
}

/* One curve as one <path class="curve">. A step curve gets a vertical
 * segment at x = 0 between the samples on either side of the jump; NaNs
 * (none are expected here) break the line. */
static void draw_curve(FILE *f, const curve *c, const float *xs,
                       const float *ys, size_t n) {
  const panel *p = &panels[c->panel];
  path pa = {f, 0, 0, 0, 0, 0, 0, 0};
  fprintf(f,
          "<path class=\"curve\" id=\"%s\" fill=\"none\" stroke=\"%s\" "
          "stroke-width=\"%.1f\" stroke-linejoin=\"round\" d=\"",
          c->id, c->colour, c->width);
  for (size_t i = 0; i < n; ++i) {
    if (ys[i] != ys[i]) {
      path_end(&pa);
      pa.started = pa.pending = 0;
      continue;
    }
    path_point(&pa, px(xs[i]), py(p, ys[i]));
    if (c->step && i + 1 < n && ys[i + 1] == ys[i + 1] && ys[i + 1] != ys[i]) {
      /* The jump lies between samples i and i + 1; these functions jump
       * at x = 0 (where they take the left value). */
      double xj = xs[i] > 0 ? xs[i] : xs[i + 1] < 0 ? xs[i + 1] : 0.0;
      path_point(&pa, px(xj), py(p, ys[i]));
      path_point(&pa, px(xj), py(p, ys[i + 1]));
    }
  }
  path_end(&pa);
  fprintf(f, "\"/>\n");

  /* At a sample exactly at the jump: a filled dot at the value there and an
   * open dot at the right-hand limit, as in textbook plots. */
  for (size_t i = 0; c->step && i + 1 < n; ++i) {
    if (xs[i] == 0.0f && ys[i + 1] != ys[i]) {
      fprintf(f,
              "<circle class=\"marker\" cx=\"%.2f\" cy=\"%.2f\" r=\"4\" "
              "fill=\"%s\"/>\n",
              px(0), py(p, ys[i]), c->colour);
      fprintf(f,
              "<circle class=\"marker\" cx=\"%.2f\" cy=\"%.2f\" r=\"4\" "
              "fill=\"white\" stroke=\"%s\" stroke-width=\"1.5\"/>\n",
              px(0), py(p, ys[i + 1]), c->colour);
    }
  }
}

static int write_svg(const char *out, const char *device_name, const float *xs,
                     float *const ys[NFUNCS], size_t n) {
  FILE *f = fopen(out, "w");
  if (!f) {
    fprintf(stderr, "error: cannot open %s: %s\n", out, strerror(errno));
    return 0;
  }
  fprintf(f,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
          "height=\"%d\" viewBox=\"0 0 %d %d\" "
          "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
          WIDTH, HEIGHT, WIDTH, HEIGHT);
  fprintf(f, "<title>ReLU, Leaky ReLU and their gradients</title>\n<desc>");
  fprintf(f,
          "%zu samples per curve over [-10, 10] (samples on one straight "
          "line merged), computed with clrelu on ",
          n);
  xml_text(f, device_name);
  fprintf(f, ".</desc>\n");
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");

  for (int pi = 0; pi < 2; ++pi) {
    draw_panel(f, &panels[pi]);
    for (int c = 0; c < NFUNCS; ++c)
      if (curves[c].panel == pi)
        draw_curve(f, &curves[c], xs, ys[c], n);
    draw_legend(f, pi);
  }

  fprintf(f,
          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\" "
          "fill=\"#666\">computed on ",
          WIDTH - 8, HEIGHT - 10);
  xml_text(f, device_name);
  fprintf(f, " with clrelu</text>\n</svg>\n");

  int failed = ferror(f);
  if (fclose(f) != 0)
    failed = 1;
  if (failed) {
    fprintf(stderr, "error: writing %s failed\n", out);
    return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  const char *device = NULL, *out = "relu.svg";
  long points = 2001;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout, argv[0]);
      return 0;
    } else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
      device = argv[++i];
    } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      out = argv[++i];
    } else if (strcmp(argv[i], "--points") == 0 && i + 1 < argc) {
      char *end;
      points = strtol(argv[++i], &end, 10);
      if (*end != '\0' || points < 2 || points > 10000000) {
        fprintf(stderr, "%s: --points wants a number from 2 to 10000000\n",
                argv[0]);
        return 2;
      }
    } else {
      fprintf(stderr, "%s: unknown or incomplete option '%s'\n", argv[0],
              argv[i]);
      usage(stderr, argv[0]);
      return 2;
    }
  }
  size_t n = (size_t)points;

  int status = 1;
  clrelu_context *ctx = NULL;
  clrelu_buffer *bx = NULL, *bdy = NULL, *bs = NULL, *by[NFUNCS] = {NULL};
  const float slope = SLOPE;
  float *xs = malloc(n * sizeof *xs), *ones = malloc(n * sizeof *ones);
  float *ys[NFUNCS] = {NULL}, *ref = malloc(n * sizeof *ref);
  for (int c = 0; c < NFUNCS; ++c)
    ys[c] = malloc(n * sizeof *ys[c]);
  int have = xs && ones && ref;
  for (int c = 0; c < NFUNCS; ++c)
    have = have && ys[c];
  if (!have) {
    fprintf(stderr, "error: out of memory\n");
    goto done;
  }
  /* Evenly spaced samples; with an odd count, x = 0 is one of them. */
  for (size_t i = 0; i < n; ++i) {
    xs[i] = (float)(XMIN + (XMAX - XMIN) * (double)i / (double)(n - 1));
    ones[i] = 1.0f;
  }

  if (!ok(clrelu_context_create(device, &ctx), "clrelu_context_create"))
    goto done;
  printf("device: %s\n", clrelu_context_device_name(ctx));

  if (!ok(clrelu_buffer_create(ctx, CLRELU_F32, n, &bx), "buffer_create") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_F32, n, &bdy), "buffer_create") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_F32, 1, &bs), "buffer_create") ||
      !ok(clrelu_buffer_write(bs, 0, 1, &slope), "clrelu_buffer_write"))
    goto done;
  for (int c = 0; c < NFUNCS; ++c)
    if (!ok(clrelu_buffer_create(ctx, CLRELU_F32, n, &by[c]), "buffer_create"))
      goto done;
  if (!ok(clrelu_buffer_write(bx, 0, n, xs), "clrelu_buffer_write") ||
      !ok(clrelu_buffer_write(bdy, 0, n, ones), "clrelu_buffer_write") ||
      !ok(clrelu_relu(ctx, bx, by[0], n), "clrelu_relu") ||
      !ok(clrelu_leaky_relu(ctx, bx, by[1], n, ALPHA), "clrelu_leaky_relu") ||
      !ok(clrelu_relu_derivative(ctx, bx, by[2], n),
          "clrelu_relu_derivative") ||
      !ok(clrelu_leaky_relu_backward(ctx, bdy, bx, by[3], n, ALPHA),
          "clrelu_leaky_relu_backward") ||
      !ok(clrelu_clipped_relu(ctx, bx, by[4], n, 6.0f),
          "clrelu_clipped_relu") ||
      !ok(clrelu_prelu(ctx, bx, bs, by[5], 1, 1, n), "clrelu_prelu"))
    goto done;
  for (int c = 0; c < NFUNCS; ++c)
    if (!ok(clrelu_buffer_read(by[c], 0, n, ys[c]), "clrelu_buffer_read"))
      goto done;

  /* What is drawn is the device's output; check it against the CPU ops. */
  size_t differ = 0;
  for (int c = 0; c < NFUNCS; ++c) {
    switch (c) {
    case 0:
      clrelu_cpu_relu(xs, ref, n);
      break;
    case 1:
      clrelu_cpu_leaky_relu(xs, ref, n, ALPHA);
      break;
    case 2:
      clrelu_cpu_relu_derivative(xs, ref, n);
      break;
    case 3:
      clrelu_cpu_leaky_relu_backward(ones, xs, ref, n, ALPHA);
      break;
    case 4:
      clrelu_cpu_clipped_relu(xs, ref, n, 6.0f);
      break;
    default:
      clrelu_cpu_prelu(xs, &slope, ref, 1, 1, n);
    }
    for (size_t i = 0; i < n; ++i)
      differ += !same_bits(ys[c][i], ref[i]);
  }
  printf("device and CPU agree bit for bit: %s\n", differ ? "no" : "yes");
  if (differ) {
    fprintf(stderr, "error: %zu values differ between device and CPU\n",
            differ);
    goto done;
  }

  if (!write_svg(out, clrelu_context_device_name(ctx), xs, ys, n))
    goto done;
  printf("wrote %s: %d curves of %zu points over [-10, 10]\n", out, NFUNCS, n);
  status = 0;

done:
  for (int c = 0; c < NFUNCS; ++c) {
    clrelu_buffer_destroy(by[c]);
    free(ys[c]);
  }
  clrelu_buffer_destroy(bdy);
  clrelu_buffer_destroy(bs);
  clrelu_buffer_destroy(bx);
  clrelu_context_destroy(ctx);
  free(ref);
  free(ones);
  free(xs);
  return status;
}
