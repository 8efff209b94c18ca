/* clrelu-bench: types shared by the benchmark's files.
 *
 * bench.c     main: options, setup, the timing rounds
 * options.c   the command line
 * device.c    the OpenCL side: context, buffers, ops, own reference kernels
 * peers.c     host copies and oneDNN, the references for the memory limit
 * torch.c     torch on the same GPU, through bench/torch_peer.py
 * analysis.c  medians, the limit, ratios, crossovers
 * report.c    the table, CSV and JSON
 * plot.c      the SVG plot
 * timer.c     clocks and order statistics
 */
#ifndef CLRELU_BENCH_H
#define CLRELU_BENCH_H

#include "clrelu.h"
#include "optable.h"

#include <stddef.h>
#include <stdio.h>

#define BENCH_MAX_SIZES 64
#define BENCH_MAX_SIZE ((size_t)1 << 28)
/* Element counts of the per-call overhead test. */
#define BENCH_NOVH 2
#define BENCH_OVH_SIZES                                                        \
  { (size_t)1, (size_t)1 << 16 }

/* ---- what is measured ---------------------------------------------------- */

/* Element types, indexed by clrelu_dtype: CLRELU_F32, CLRELU_F16,
 * CLRELU_BF16. The references (copies, oneDNN) are float32. */
#define BENCH_NDTYPES 3
extern const char *const bench_dtype_names[BENCH_NDTYPES]; /* "f32", ... */

/* Bytes per element of dtype: 4 or 2. */
static inline double bench_dtype_bytes(clrelu_dtype d) {
  return d == CLRELU_F32 ? 4.0 : 2.0;
}

/* The training passes, run with ReLU on the bias ops' layouts, X(ID,
 * name, inputs, mask): arrays read besides the mask (dy, x), whether a mask
 * of n bits is read or written; the backward passes also sum dbias. */
#define BENCH_TRAIN_OPS(X)                                                     \
  X(BIAS_ACT_MASK, bias_act_mask, 1, 1)                                        \
  X(ACT_BACKWARD_MASK, act_backward_mask, 1, 1)                                \
  X(BIAS_ACT_BACKWARD, bias_act_backward, 2, 0)

/* The ops, from the library's op table (src/optable.h): the elementwise
 * ops, then the fused bias ops, one per activation (OP_BIAS_<ID>), the
 * slope ops and the training passes. */
#define BENCH_OP_ID(C, ID, ...) OP_##ID,
#define BENCH_BIAS_ID(C, ID, ...) OP_BIAS_##ID,
#define BENCH_SLOPE_ID(C, ID, ...) OP_##ID,
#define BENCH_TRAIN_ID(ID, ...) OP_##ID,
typedef enum op_id {
  CLRELU_ELTWISE_OPS(BENCH_OP_ID, 0) CLRELU_BIAS_ACTS(BENCH_BIAS_ID, 0)
      CLRELU_SLOPE_OPS(BENCH_SLOPE_ID, 0) BENCH_TRAIN_OPS(BENCH_TRAIN_ID)
          OP_COUNT,
  OP_NONE = -1 /* references, not ops */
} op_id;
#undef BENCH_OP_ID
#undef BENCH_BIAS_ID
#undef BENCH_SLOPE_ID
#undef BENCH_TRAIN_ID

/* What the table says of an op. */
typedef struct bench_op_info {
  int bias;    /* a fused bias op, measured in every layout */
  int inputs;  /* arrays read: 1 (x) or 2 (dy, x); bias ops: 1 */
  int alpha;   /* takes a parameter (alpha, cap or theta) */
  float param; /* the value it runs with (its kind's typical value) */
  int act;     /* bias ops: the clrelu_act_kind */
  /* the rows of CLRELU_SLOPE_OPS (PReLU; bias == 1 too): the slopes are
   * the bias array (and so are the biases of bias_prelu); the backward
   * pass also sums dslope */
  int slope;
  int bits16; /* 16-bit data is processed on the bits */
  int mask;   /* a training pass with a mask (n bits more moved) */
} bench_op_info;
extern const bench_op_info bench_ops[OP_COUNT];

/* Layouts of bias_relu. */
typedef enum layout_id {
  LAY_DENSE,   /* [N][1024], inner 1 */
  LAY_NCHW7,   /* [N][C<=64][7*7] */
  LAY_NCHW112, /* [N][C<=64][112*112] */
  LAY_NHWC,    /* [N*H*W][64], inner 1 */
  LAY_C1,      /* [N][1] */
  LAY_COUNT,
  LAY_NONE = -1
} layout_id;

typedef enum path_id {
  P_DEV_KERNEL,   /* device-resident, kernel time from profiling events */
  P_DEV_CALL,     /* device-resident, host time of op + clrelu_finish */
  P_E2E,          /* buffer_write inputs + op + buffer_read output */
  P_CPU_1T,       /* clrelu_cpu_* with 1 thread */
  P_CPU_ALL,      /* clrelu_cpu_* with a thread per core */
  P_2PASS_KERNEL, /* bias-add kernel then clrelu_relu: first start..end */
  P_2PASS_CALL,   /* the same, host time */
  P_BIAS_ADD,     /* the bench's bias-add kernel alone (first pass) */
  P_STREAM_COPY,  /* two-thread streaming-store copy (limit) */
  P_PLAIN_COPY,   /* two-thread plain copy loop (limit) */
  P_DNNL_RELU,    /* oneDNN eltwise ReLU forward (limit) */
  P_DNNL_LEAKY,   /* oneDNN eltwise ReLU with alpha 0.01 */
  P_DNNL_CLIP,    /* oneDNN eltwise clip to [0, 6] (ReLU6) */
  P_CL_COPY,      /* clEnqueueCopyBuffer, profiling time */
  P_MEMCPY,       /* host memcpy, one thread */
  P_OVH_CLRELU,   /* clrelu_relu on n elements, per call of a batch */
  P_OVH_BARE,     /* clSetKernelArg + clEnqueueNDRangeKernel, per call */
  P_TORCH,        /* torch on the same GPU, in its own run (torch_peer.py) */
  P_COUNT
} path_id;

/* At most this many (op, layout) pairs: every op in every layout. */
#define BENCH_NKEYS (OP_COUNT * LAY_COUNT)

extern const char *const bench_op_names[OP_COUNT];
extern const char *const bench_layout_names[LAY_COUNT];
extern const char *const bench_layout_help[LAY_COUNT];
extern const char *const bench_path_names[P_COUNT];

#define BENCH_LEAKY_ALPHA 0.01f

/* One op at one size: which, its shape and its element type. */
typedef struct op_shape {
  op_id op;
  layout_id layout; /* LAY_NONE except for bias ops */
  clrelu_dtype dtype;
  size_t n; /* elements of the output */
  size_t outer, channels, inner;
  float alpha;
} op_shape;

/* The shape of op (and layout) for a requested size, in dtype; 0 when the
 * layout does not fit in size elements. Never more than size elements. */
/* The activation of bias op s (its kind, with s's alpha). */
clrelu_act bench_act(const op_shape *s);
int bench_shape(op_id op, layout_id layout, clrelu_dtype dtype, size_t size,
                op_shape *out);

/* Bytes read and written by one call of the op over n elements of dtype. */
double bench_op_bytes(op_id op, clrelu_dtype dtype, size_t n);

/* ---- options ------------------------------------------------------------- */

typedef struct bench_options {
  const char *device; /* NULL: $CLRELU_DEVICE, else the library's default */
  size_t sizes[BENCH_MAX_SIZES];
  int nsizes;
  size_t max_size;
  int reps;
  int warmup;
  int calls; /* per round of the per-call overhead test */
  double gap_ms;
  int quick;
  int ops[OP_COUNT];         /* selected ops */
  int layouts[LAY_COUNT];    /* selected bias_relu layouts */
  int dtypes[BENCH_NDTYPES]; /* selected element types */
  int thin16;                /* default sizes: 16-bit at fewer of them */
  int torch;                 /* run the torch peer (--no-torch: 0) */
  enum { OUT_TABLE, OUT_CSV, OUT_JSON } format;
  const char *plot; /* SVG file, or NULL */
  op_id plot_op;    /* op plotted; OP_NONE: the first one run */
  layout_id plot_layout;
  int progress; /* progress lines on stderr */
} bench_options;

/* Parses argv. Returns 0 to run, 1 after --help (exit 0), -1 on a usage
 * error (message printed; exit 1). */
int bench_parse_options(int argc, char **argv, bench_options *o);

/* Whether dtype runs at size (selected, and not thinned out there). */
int bench_dtype_at(const bench_options *o, clrelu_dtype dtype, size_t size);

/* ---- results -------------------------------------------------------------
 * A row is one path of one op (or one reference) at one size, with a time
 * per round in round order, so that rows can be compared round by round. */

typedef struct bench_row {
  size_t size; /* the requested size */
  op_shape shape;
  path_id path;
  double bytes; /* moved per call */
  double *t;    /* seconds, [reps], round order */
  int nt;
  /* filled by bench_analyse */
  double med, min, p10, p90, spread; /* spread = (p90 - p10) / med */
  double gbps, gelems;               /* at the median time */
  double of_limit; /* median of per-round GB/s / limit; < 0 when unknown */
} bench_row;

typedef struct bench_size {
  size_t size;
  int first, count; /* rows [first, first + count) */
  double *limit;    /* GB/s per round: best of the limit references */
  double limit_med; /* 0 when no limit reference ran */
} bench_size;

/* A crossover: the smallest size where end-to-end device beats the CPU
 * path with all threads. */
typedef struct bench_crossover {
  op_id op;
  layout_id layout;
  clrelu_dtype dtype;
  size_t size;     /* 0: never in range */
  int later_loses; /* a larger size where the device lost again */
  double ratio;    /* cpu-all time / e2e time at that size */
} bench_crossover;

typedef struct bench_results {
  /* header */
  char device[256];
  char tuning[256];
  const char *cpu_isa;
  const char *copy_isa; /* instructions of the streaming copy */
  char dnnl[64];        /* oneDNN version, or "" when absent */
  char omp_note[96];    /* OpenMP wait policy and where it came from */
  char torch[320];      /* the torch peer: what ran, or why it did not */
  int torch_ran;        /* torch rows were measured */
  double build_ms[2];   /* clrelu_context_build_ms, cold then warm */
  double create_ms[2];  /* the whole clrelu_context_create */
  int reps, warmup, calls;
  double gap_ms;
  double wall_s;
  /* measurements */
  bench_row *rows;
  int nrows, cap;
  bench_size sizes[BENCH_MAX_SIZES];
  int nsizes;
  /* per-call overhead at BENCH_OVH_SIZES[k] elements; NULL if not run */
  bench_row *ovh_clrelu[BENCH_NOVH], *ovh_bare[BENCH_NOVH];
  double ovh_ratio[BENCH_NOVH]; /* median of per-round clrelu / bare */
  /* derived */
  bench_crossover cross[BENCH_NKEYS * BENCH_NDTYPES];
  int ncross;
} bench_results;

/* Adds a row with room for reps samples; NULL when out of memory. Rows may
 * move: keep indices, not pointers, while adding. */
int bench_add_row(bench_results *r, size_t size, const op_shape *shape,
                  path_id path, double bytes);
void bench_results_free(bench_results *r);

/* Medians, limits, ratios and crossovers. */
void bench_analyse(bench_results *r);

/* The row of (op, layout, dtype, path) at size index si; NULL when not
 * measured. For references pass OP_NONE, LAY_NONE and CLRELU_F32. */
const bench_row *bench_find(const bench_results *r, int si, op_id op,
                            layout_id layout, clrelu_dtype dtype, path_id path);

/* Median over rounds of (GB/s of a) / (GB/s of b); 0 when unknown. */
double bench_ratio(const bench_row *a, const bench_row *b);
/* Median over rounds of (elements/s of a) / (elements/s of b). */
double bench_ratio_elems(const bench_row *a, const bench_row *b);
/* (GB/s of a) / (GB/s of b) at their median times, for rows that were not
 * timed in the same rounds (torch); 0 when unknown. */
double bench_ratio_medians(const bench_row *a, const bench_row *b);

/* The oneDNN row an op is compared with (leaky ops: its Leaky ReLU). */
path_id bench_dnnl_peer(op_id op);

/* Writes the report to f in o->format; the plot when o->plot is set.
 * Returns 0, or -1 after printing why. */
int bench_report(FILE *f, const bench_results *r, const bench_options *o);
int bench_plot(const char *file, const bench_results *r, op_id op,
               layout_id layout);

/* Spread above which a row is marked "wide". */
#define BENCH_WIDE_SPREAD 0.25

/* ---- errors -------------------------------------------------------------- */

/* "clrelu-bench: <what>: <status string>: <last error>" on stderr; -1. */
int bench_fail(const char *what, clrelu_status st);
/* "clrelu-bench: <what>: OpenCL error <code>" on stderr; -1. */
int bench_cl_fail(const char *what, cl_int err);
/* "clrelu-bench: <message>" on stderr; -1. */
int bench_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif /* CLRELU_BENCH_H */
