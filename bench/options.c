/* The command line of clrelu-bench. */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f) {
  fprintf(
      f,
      "Usage: clrelu-bench [options]\n"
      "How close clrelu's ops run to the memory-bandwidth limit, what a "
      "call costs\non top, and from what size the device (end to end) "
      "beats the CPU path.\n\n"
      "  --device SPEC    device: \"gpu\", \"cpu\", \"P:D\" or part of a "
      "name\n"
      "                   (default: $CLRELU_DEVICE, else the library's "
      "choice)\n"
      "  --sizes A,B,...  element counts: N, NK, NM (binary) or 2^K; at "
      "most 2^28\n"
      "                   (default: 2^10, 2^12, ..., 2^26)\n"
      "  --size N         add one size (may be repeated)\n"
      "  --max-size N     leave out sizes above N\n"
      "  --ops LIST       ops, comma-separated (default: all; listed "
      "below); a bias\n"
      "                   op runs in every layout, or OP:LAYOUT in one\n"
      "  --dtypes LIST    element types, comma-separated (default: all): "
      "f32, f16, bf16;\n"
      "                   16-bit runs every op on the device and on the "
      "CPU; with the\n"
      "                   default sizes only at 2^10, 2^14, ..., 2^26\n"
      "  --reps N         timed rounds (default 11)\n"
      "  --warmup N       untimed rounds first (default 1)\n"
      "  --calls N        launches per round in the per-call overhead "
      "test (default 1000)\n"
      "  --gap-ms MS      idle time between two timed paths (default 2)\n"
      "  --quick          CI smoke run: sizes 2^10, 2^12, 2^14, 2 reps, "
      "100 calls\n"
      "  --csv, --json    output format (default: an aligned table)\n"
      "  --plot FILE.svg  also write an SVG plot of GB/s against size, a line "
      "per path\n                   and dtype\n"
      "  --plot-op OP     what the plot shows (default: relu, else the "
      "first op run)\n"
      "  --no-torch       do not run torch as a peer (it runs when "
      "python3 imports a\n"
      "                   CUDA-enabled torch and clrelu's device is a "
      "GPU)\n"
      "  --no-progress    no progress lines on stderr\n"
      "  -h, --help       this text\n\n"
      "Ops (with the parameter they run with):\n");
  for (int i = 0; i < OP_COUNT; ++i)
    if (bench_ops[i].alpha)
      fprintf(f, "  %-26s %g\n", bench_op_names[i], (double)bench_ops[i].param);
    else
      fprintf(f, "  %s\n", bench_op_names[i]);
  fprintf(f, "\nLayouts of the bias ops:\n");
  for (int l = 0; l < LAY_COUNT; ++l)
    fprintf(f, "  %-12s %s\n", bench_layout_names[l], bench_layout_help[l]);
  fprintf(f, "\nEvery round times each path once, in turn, with an idle gap "
             "between\npaths; ratios are medians of per-round ratios. The "
             "memory limit is the best\nof a two-thread streaming-store copy, "
             "a two-thread plain copy and oneDNN's\nReLU (all float32), "
             "measured at the same size in the same rounds.\n");
}

/* N, NK, NM, NG (binary) or 2^K. */
static int parse_size(const char *s, size_t *out) {
  char *end;
  errno = 0;
  if (s[0] == '2' && s[1] == '^') {
    unsigned long k = strtoul(s + 2, &end, 10);
    if (end == s + 2 || *end || k >= 8 * sizeof(size_t) - 1)
      return -1;
    *out = (size_t)1 << k;
    return 0;
  }
  if (*s < '0' || *s > '9')
    return -1;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s)
    return -1;
  int shift = 0;
  if (*end == 'k' || *end == 'K')
    shift = 10, ++end;
  else if (*end == 'm' || *end == 'M')
    shift = 20, ++end;
  else if (*end == 'g' || *end == 'G')
    shift = 30, ++end;
  if (*end || v > (SIZE_MAX >> shift))
    return -1;
  *out = (size_t)v << shift;
  return 0;
}

static int add_size(bench_options *o, const char *s) {
  size_t v;
  if (parse_size(s, &v) != 0 || v == 0 || v > BENCH_MAX_SIZE)
    return bench_error("bad size \"%s\": want 1 .. %zu (N, NK, NM or 2^K)", s,
                       BENCH_MAX_SIZE);
  for (int i = 0; i < o->nsizes; ++i)
    if (o->sizes[i] == v)
      return 0;
  if (o->nsizes == BENCH_MAX_SIZES)
    return bench_error("at most %d sizes", BENCH_MAX_SIZES);
  o->sizes[o->nsizes++] = v;
  return 0;
}

static int parse_int(const char *opt, const char *s, int lo, int hi, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
    return bench_error("%s wants a whole number from %d to %d, not \"%s\"", opt,
                       lo, hi, s);
  *out = (int)v;
  return 0;
}

/* "relu", "bias_relu" or "bias_relu:LAYOUT" into op and layout (LAY_NONE:
 * every layout). */
static int parse_op(const char *s, size_t len, op_id *op, layout_id *lay) {
  *lay = LAY_NONE;
  const char *colon = memchr(s, ':', len);
  size_t oplen = colon ? (size_t)(colon - s) : len;
  for (int i = 0; i < OP_COUNT; ++i)
    if (strlen(bench_op_names[i]) == oplen &&
        strncmp(s, bench_op_names[i], oplen) == 0)
      *op = (op_id)i, oplen = 0;
  if (oplen != 0 || (colon && !bench_ops[*op].bias))
    return -1;
  if (!colon)
    return 0;
  const char *l = colon + 1;
  size_t llen = len - (size_t)(l - s);
  for (int i = 0; i < LAY_COUNT; ++i)
    if (strlen(bench_layout_names[i]) == llen &&
        strncmp(l, bench_layout_names[i], llen) == 0) {
      *lay = (layout_id)i;
      return 0;
    }
  return -1;
}

static int parse_ops(bench_options *o, const char *list) {
  memset(o->ops, 0, sizeof o->ops);
  memset(o->layouts, 0, sizeof o->layouts);
  const char *p = list;
  while (*p) {
    size_t len = strcspn(p, ",");
    op_id op;
    layout_id lay;
    if (len == 0 || parse_op(p, len, &op, &lay) != 0)
      return bench_error("unknown op \"%.*s\" in --ops (see --help)", (int)len,
                         p);
    o->ops[op] = 1;
    if (bench_ops[op].bias)
      for (int l = 0; l < LAY_COUNT; ++l)
        if (lay == LAY_NONE || lay == (layout_id)l)
          o->layouts[l] = 1;
    p += len;
    if (*p == ',')
      ++p;
  }
  return 0;
}

static int parse_dtypes(bench_options *o, const char *list) {
  memset(o->dtypes, 0, sizeof o->dtypes);
  const char *p = list;
  while (*p) {
    size_t len = strcspn(p, ",");
    int found = -1;
    for (int d = 0; d < BENCH_NDTYPES; ++d)
      if (strlen(bench_dtype_names[d]) == len &&
          strncmp(p, bench_dtype_names[d], len) == 0)
        found = d;
    if (found < 0)
      return bench_error("unknown dtype \"%.*s\" in --dtypes (want f32, f16, "
                         "bf16)",
                         (int)len, p);
    o->dtypes[found] = 1;
    p += len;
    if (*p == ',')
      ++p;
  }
  for (int d = 0; d < BENCH_NDTYPES; ++d)
    if (o->dtypes[d])
      return 0;
  return bench_error("--dtypes selects nothing");
}

int bench_dtype_at(const bench_options *o, clrelu_dtype dtype, size_t size) {
  if (!o->dtypes[dtype])
    return 0;
  if (dtype == CLRELU_F32 || !o->thin16 || size == o->sizes[o->nsizes - 1])
    return 1;
  int k = 0;
  while (k < 63 && ((size_t)1 << k) < size)
    ++k;
  return k % 4 == 2; /* 2^10, 2^14, 2^18, 2^22, 2^26 */
}

static int cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

int bench_parse_options(int argc, char **argv, bench_options *o) {
  memset(o, 0, sizeof *o);
  o->max_size = BENCH_MAX_SIZE;
  o->gap_ms = 2.0;
  o->plot_op = OP_NONE;
  o->plot_layout = LAY_NONE;
  o->progress = isatty(2);
  for (int i = 0; i < OP_COUNT; ++i)
    o->ops[i] = 1;
  for (int i = 0; i < LAY_COUNT; ++i)
    o->layouts[i] = 1;
  for (int i = 0; i < BENCH_NDTYPES; ++i)
    o->dtypes[i] = 1;
  o->torch = 1;
  int reps = -1, warmup = -1, calls = -1;

  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    /* options that take a value: "--opt VALUE" or "--opt=VALUE" */
    static const char *const with_value[] = {
        "--device", "--sizes", "--size",    "--max-size",
        "--ops",    "--reps",  "--warmup",  "--calls",
        "--gap-ms", "--plot",  "--plot-op", "--dtypes"};
    const char *v = NULL;
    char name[32] = "";
    for (size_t k = 0; k < sizeof with_value / sizeof *with_value; ++k) {
      size_t len = strlen(with_value[k]);
      if (strncmp(a, with_value[k], len) == 0 &&
          (a[len] == '\0' || a[len] == '=')) {
        memcpy(name, a, len);
        name[len] = '\0';
        if (a[len] == '=')
          v = a + len + 1;
        else if (i + 1 < argc)
          v = argv[++i];
        else
          return bench_error("%s needs a value (see --help)", name);
        break;
      }
    }
    int rc = 0;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return 1;
    } else if (!strcmp(a, "--quick")) {
      o->quick = 1;
    } else if (!strcmp(a, "--csv")) {
      o->format = OUT_CSV;
    } else if (!strcmp(a, "--json")) {
      o->format = OUT_JSON;
    } else if (!strcmp(a, "--no-progress")) {
      o->progress = 0;
    } else if (!strcmp(a, "--no-torch")) {
      o->torch = 0;
    } else if (!strcmp(name, "--dtypes")) {
      rc = parse_dtypes(o, v);
    } else if (!strcmp(name, "--device")) {
      o->device = v;
    } else if (!strcmp(name, "--sizes")) {
      char buf[64];
      for (const char *p = v; *p;) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof buf)
          return bench_error("bad --sizes list \"%s\"", v);
        memcpy(buf, p, len);
        buf[len] = '\0';
        if ((rc = add_size(o, buf)) != 0)
          return rc;
        p += len;
        if (*p == ',')
          ++p;
      }
    } else if (!strcmp(name, "--size")) {
      rc = add_size(o, v);
    } else if (!strcmp(name, "--max-size")) {
      if (parse_size(v, &o->max_size) != 0 || o->max_size == 0)
        rc = bench_error("bad --max-size \"%s\"", v);
    } else if (!strcmp(name, "--ops")) {
      rc = parse_ops(o, v);
    } else if (!strcmp(name, "--reps")) {
      rc = parse_int(name, v, 1, 1000, &reps);
    } else if (!strcmp(name, "--warmup")) {
      rc = parse_int(name, v, 0, 100, &warmup);
    } else if (!strcmp(name, "--calls")) {
      rc = parse_int(name, v, 1, 1000000, &calls);
    } else if (!strcmp(name, "--gap-ms")) {
      char *end;
      o->gap_ms = strtod(v, &end);
      if (end == v || *end || !(o->gap_ms >= 0 && o->gap_ms <= 1000))
        rc = bench_error("--gap-ms wants 0 .. 1000, not \"%s\"", v);
    } else if (!strcmp(name, "--plot")) {
      o->plot = v;
    } else if (!strcmp(name, "--plot-op")) {
      op_id op;
      layout_id lay;
      if (parse_op(v, strlen(v), &op, &lay) != 0)
        rc = bench_error("unknown op \"%s\" in --plot-op", v);
      else
        o->plot_op = op, o->plot_layout = lay;
    } else {
      usage(stderr);
      return bench_error("unknown option \"%s\"", a);
    }
    if (rc != 0)
      return rc;
  }

  if (o->nsizes == 0) {
    if (o->quick) {
      o->sizes[0] = 1 << 10, o->sizes[1] = 1 << 12, o->sizes[2] = 1 << 14;
      o->nsizes = 3;
    } else {
      for (int k = 10; k <= 26; k += 2)
        o->sizes[o->nsizes++] = (size_t)1 << k;
      o->thin16 = 1;
    }
  }
  int kept = 0;
  for (int i = 0; i < o->nsizes; ++i)
    if (o->sizes[i] <= o->max_size)
      o->sizes[kept++] = o->sizes[i];
  o->nsizes = kept;
  if (o->nsizes == 0)
    return bench_error("no size left at or below --max-size %zu", o->max_size);
  qsort(o->sizes, (size_t)o->nsizes, sizeof *o->sizes, cmp_size);

  int any = 0;
  for (int i = 0; i < OP_COUNT; ++i)
    any |= o->ops[i];
  if (!any)
    return bench_error("--ops selects nothing");
  if (bench_ops[o->plot_op].bias && o->plot_layout == LAY_NONE)
    o->plot_layout = LAY_DENSE;
  if (o->plot_op != OP_NONE &&
      (!o->ops[o->plot_op] ||
       (bench_ops[o->plot_op].bias && !o->layouts[o->plot_layout])))
    return bench_error("--plot-op names an op that --ops leaves out");

  o->reps = reps > 0 ? reps : o->quick ? 2 : 11;
  o->warmup = warmup >= 0 ? warmup : 1;
  o->calls = calls > 0 ? calls : o->quick ? 100 : 1000;
  return 0;
}
