/* clrelu_act_source() in a kernel of the caller's own: the text's names and
 * defines, that it builds beside a program with names of its own, and that
 * an epilogue written with it (a GEMV whose sums are exact: small integers)
 * stores the bits of clrelu_cpu_bias_act / _16 and clrelu_cpu_bias_prelu /
 * _16 on every edge value, every kind and dtype; and the conversions
 * against the host's on every 16-bit pattern. */
#include "optable.h"
#include "testutil.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the text ---- */

#define KIND_ROW(C, ID, name, param) {"CLRELU_ACT_" #ID, CLRELU_ACT_##ID},
static const struct {
  const char *name;
  int value;
} kinds[] = {CLRELU_BIAS_ACTS(KIND_ROW, 0)};
enum { KINDS = sizeof kinds / sizeof kinds[0] };

static int clrelu_named(const char *p) {
  return strncmp(p, "clrelu_", 7) == 0 || strncmp(p, "CLRELU_", 7) == 0;
}

/* Every #define and every function the text defines is clrelu_ or
 * CLRELU_; each kind has its #define with the enum's value; no extension. */
static void check_text(const char *src) {
  CHECK(src != NULL, "clrelu_act_source() is NULL");
  if (!src)
    return;
  CHECK(src == clrelu_act_source(), "a second call gave another text");
  for (int k = 0; k < KINDS; ++k) {
    char line[64];
    snprintf(line, sizeof line, "#define %s %d\n", kinds[k].name,
             kinds[k].value);
    CHECK(strstr(src, line) != NULL, "no \"%.*s\" line", (int)strlen(line) - 1,
          line);
  }
  /* the code, comments left out: no extension, no half, no double */
  char *code = malloc(strlen(src) + 1);
  if (code) {
    char *o = code;
    for (const char *p = src; *p;) {
      if (p[0] == '/' && p[1] == '*') {
        const char *e = strstr(p + 2, "*/");
        p = e ? e + 2 : p + strlen(p);
      } else
        *o++ = *p++;
    }
    *o = 0;
    CHECK(strstr(code, "EXTENSION") == NULL && strstr(code, "half") == NULL &&
              strstr(code, "double") == NULL,
          "the code needs an extension");
    free(code);
  }
  CHECK(strstr(src, "FP_CONTRACT OFF") != NULL, "FP_CONTRACT is not off");
  int names = 0;
  for (const char *p = src; (p = strstr(p, "#define ")) != NULL; ++p, ++names)
    CHECK(clrelu_named(p + 8), "#define of another name: %.40s", p + 8);
  /* functions: "static inline <type> <name>(" at the start of a line or
   * inside a stamping macro */
  for (const char *p = src; (p = strstr(p, "static inline ")) != NULL;
       ++p, ++names) {
    const char *q = p + 14;
    while (*q && !isspace((unsigned char)*q)) /* the return type */
      ++q;
    while (isspace((unsigned char)*q))
      ++q;
    CHECK(clrelu_named(q), "function of another name: %.40s", q);
  }
  CHECK(names > 20, "only %d names found: the scan is broken", names);
}

/* ---- building ---- */

/* A caller's program: its own relu and VEC (names clrelu's kernels use
 * internally must not reach it), a GEMV epilogue in dtype DT and the
 * conversions over arrays. */
static const char user_source[] =
    "#define VEC 4\n"
    "float relu(float x) { return x > 0.0f ? x : 0.0f; }\n"
    "float f16_to_f32(ushort h) { return (float)h; }\n"
    "#if DT == 0\n"
    "typedef float elem;\n"
    "#define LOAD(p, i) (p)[i]\n"
    "#define STORE(v) (v)\n"
    "#elif DT == 1\n"
    "typedef ushort elem;\n"
    "#define LOAD(p, i) clrelu_f16_to_f32((p)[i])\n"
    "#define STORE(v) clrelu_f32_to_f16(v)\n"
    "#else\n"
    "typedef ushort elem;\n"
    "#define LOAD(p, i) clrelu_bf16_to_f32((p)[i])\n"
    "#define STORE(v) clrelu_f32_to_bf16(v)\n"
    "#endif\n"
    "/* y = a(W v + bias), a by kind (PReLU with the slopes where kind < 0) "
    "*/\n"
    "kernel void gemv_act(global const elem *w, global const elem *v,\n"
    "                     global const elem *bias, global const elem *slope,\n"
    "                     global elem *y, int k, int kind, float alpha) {\n"
    "  const int r = get_global_id(0);\n"
    "  float acc = LOAD(w, r * k) * LOAD(v, 0);\n"
    "  for (int j = 1; j < k; ++j)\n"
    "    acc += LOAD(w, r * k + j) * LOAD(v, j);\n"
    "  const float t = acc + LOAD(bias, r);\n"
    "  y[r] = STORE(kind < 0 ? clrelu_prelu_act(LOAD(slope, r), t)\n"
    "                        : clrelu_act(kind, alpha, t));\n"
    "}\n"
    "kernel void convert(global const ushort *h, global const float *f,\n"
    "                    global float *h2f, global ushort *f2h,\n"
    "                    global float *b2f, global ushort *f2b) {\n"
    "  const int i = get_global_id(0);\n"
    "  h2f[i] = clrelu_f16_to_f32(h[i]);\n"
    "  f2h[i] = clrelu_f32_to_f16(f[i]);\n"
    "  b2f[i] = clrelu_bf16_to_f32(h[i]);\n"
    "  f2b[i] = clrelu_f32_to_bf16(f[i]);\n"
    "  (void)relu(f[i]);\n"
    "  (void)f16_to_f32(h[i]);\n"
    "}\n";

static cl_context cl_ctx;
static cl_device_id cl_dev;
static cl_command_queue cl_queue;

static cl_program build(const char *options, int dt) {
  char head[32];
  snprintf(head, sizeof head, "#define DT %d\n", dt);
  const char *parts[3] = {clrelu_act_source(), head, user_source};
  cl_int err = CL_SUCCESS;
  cl_program p = clCreateProgramWithSource(cl_ctx, 3, parts, NULL, &err);
  CHECK(p != NULL, "clCreateProgramWithSource: %d", err);
  if (!p)
    return NULL;
  err = clBuildProgram(p, 1, &cl_dev, options, NULL, NULL);
  if (err != CL_SUCCESS) {
    char log[4096] = "";
    clGetProgramBuildInfo(p, cl_dev, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log,
                          NULL);
    CHECK(0, "build with \"%s\" (DT %d) failed: %d\n%s", options, dt, err, log);
    clReleaseProgram(p);
    return NULL;
  }
  return p;
}

static cl_mem device_copy(const void *host, size_t bytes) {
  cl_int err = CL_SUCCESS;
  cl_mem m = clCreateBuffer(cl_ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                            bytes, (void *)host, &err);
  CHECK(m != NULL, "clCreateBuffer: %d", err);
  return m;
}

static void read_back(cl_mem m, void *host, size_t bytes) {
  cl_int err =
      clEnqueueReadBuffer(cl_queue, m, CL_TRUE, 0, bytes, host, 0, NULL, NULL);
  CHECK(err == CL_SUCCESS, "clEnqueueReadBuffer: %d", err);
}

/* ---- values ---- */

static uint32_t f2u(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}
static float u2f(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static size_t esize(clrelu_dtype dt) { return dt == CLRELU_F32 ? 4 : 2; }

/* Element i of an array of dtype dt, as float32 / set from float32
 * (rounded by the library's host conversion). */
static float get(clrelu_dtype dt, const void *p, size_t i) {
  if (dt == CLRELU_F32)
    return ((const float *)p)[i];
  float f;
  (dt == CLRELU_F16 ? clrelu_f16_to_f32
                    : clrelu_bf16_to_f32)((const uint16_t *)p + i, &f, 1);
  return f;
}
static void set(clrelu_dtype dt, void *p, size_t i, float f) {
  if (dt == CLRELU_F32)
    ((float *)p)[i] = f;
  else
    (dt == CLRELU_F16 ? clrelu_f32_to_f16
                      : clrelu_f32_to_bf16)(&f, (uint16_t *)p + i, 1);
}
/* The next value of dt above f (dir 1) or below it (-1), on the bits. */
static void set_step(clrelu_dtype dt, void *p, size_t i, float f, int dir) {
  set(dt, p, i, f);
  if (dt == CLRELU_F32)
    ((float *)p)[i] = nextafterf(f, dir > 0 ? INFINITY : -INFINITY);
  else
    ((uint16_t *)p)[i] = (uint16_t)(((uint16_t *)p)[i] + dir); /* f > 0 */
}

/* The edge values of dtype dt into bias[0..], their count returned. */
static size_t edge_biases(clrelu_dtype dt, void *bias) {
  static const float plain[] = {0.0f,      -0.0f, INFINITY, -INFINITY, 1.0f,
                                -1.0f,     6.0f,  0.5f,     -0.5f,     65504.0f,
                                -65520.0f, 3.0f,  -2.0f};
  size_t n = 0;
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; ++i)
    set(dt, bias, n++, plain[i]);
  /* NaNs: quiet, negative, with a payload in the lowest bit */
  if (dt == CLRELU_F32) {
    const uint32_t nans[] = {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xff800001u,
                             0x7fffffffu};
    for (size_t i = 0; i < 5; ++i)
      ((float *)bias)[n++] = u2f(nans[i]);
  } else {
    const uint16_t inf = dt == CLRELU_F16 ? 0x7c00 : 0x7f80;
    const uint16_t nans[] = {(uint16_t)(inf | 0x200), (uint16_t)(inf | 1),
                             (uint16_t)(inf | 0x8001), 0xffff};
    for (size_t i = 0; i < 4; ++i)
      ((uint16_t *)bias)[n++] = nans[i];
  }
  /* denormals and the smallest normals, both signs */
  const float tiny[] = {FLT_TRUE_MIN, -FLT_TRUE_MIN, FLT_MIN,  -1e-40f,
                        0x1p-24f,     -0x1p-24f,     0x1p-14f, 0x1p-133f};
  for (size_t i = 0; i < 8; ++i)
    set(dt, bias, n++, tiny[i]);
  /* at and around the cap (6) and theta (1, -1, 0.5) */
  const float around[] = {6.0f, 1.0f, 0.5f};
  for (size_t i = 0; i < 3; ++i) {
    set_step(dt, bias, n++, around[i], 1);
    set_step(dt, bias, n++, around[i], -1);
  }
  set(dt, bias, n++, -1.0f);
  if (dt == CLRELU_F32) {
    set(dt, bias, n++, FLT_MAX);
    set(dt, bias, n++, -FLT_MAX);
  }
  return n;
}

/* ---- the epilogue against the CPU twins ---- */

enum { K = 8, EDGE_MAX = 64, RANDOM_ROWS = 96 };

/* One activation of the descriptor (kind < 0: PReLU with the slopes). */
typedef struct {
  int kind;
  float alpha;
} act_case;

static const act_case cases[] = {{CLRELU_ACT_IDENTITY, 0.0f},
                                 {CLRELU_ACT_RELU, 0.0f},
                                 {CLRELU_ACT_LEAKY_RELU, 0.01f},
                                 {CLRELU_ACT_LEAKY_RELU, -2.0f},
                                 {CLRELU_ACT_CLIPPED_RELU, 6.0f},
                                 {CLRELU_ACT_CLIPPED_RELU, INFINITY},
                                 {CLRELU_ACT_CLIPPED_RELU, 0.5f},
                                 {CLRELU_ACT_THRESHOLDED_RELU, 1.0f},
                                 {CLRELU_ACT_THRESHOLDED_RELU, -1.0f},
                                 {CLRELU_ACT_THRESHOLDED_RELU, 0.5f},
                                 {-1, 0.0f}};
enum { CASES = sizeof cases / sizeof cases[0] };

static int is_nan(clrelu_dtype dt, const void *p, size_t i) {
  return isnan(get(dt, p, i));
}

static int same(clrelu_dtype dt, const void *got, const void *want, size_t i,
                int flush_ok) {
  if (dt == CLRELU_F32)
    return test_same(((const float *)got)[i], ((const float *)want)[i],
                     flush_ok);
  return ((const uint16_t *)got)[i] == ((const uint16_t *)want)[i] ||
         (is_nan(dt, got, i) && is_nan(dt, want, i));
}

/* Rows: each edge bias with a zero weight row (the bias alone: t = +-0 +
 * bias) and with a random one, then random rows; v is all negative (zero
 * rows sum to -0) or of both signs. */
static void epilogue(clrelu_dtype dt, int negative_v, int flush_ok) {
  const size_t es = esize(dt);
  unsigned char w[(2 * EDGE_MAX + RANDOM_ROWS) * K * 4],
      bias[(2 * EDGE_MAX + RANDOM_ROWS) * 4],
      slope[(2 * EDGE_MAX + RANDOM_ROWS) * 4], v[K * 4],
      pre[(2 * EDGE_MAX + RANDOM_ROWS) * 4],
      y[(2 * EDGE_MAX + RANDOM_ROWS) * 4],
      want[(2 * EDGE_MAX + RANDOM_ROWS) * 4];
  unsigned char edges[EDGE_MAX * 4];
  const size_t ne = edge_biases(dt, edges);
  const size_t rows = 2 * ne + RANDOM_ROWS;
  static const float slopes[] = {0.25f, -1.0f, 0.0f, 3.0f, 0.01f};
  for (size_t r = 0; r < rows; ++r) {
    const int zero = r < ne;
    for (size_t j = 0; j < K; ++j)
      set(dt, w, r * K + j, zero ? 0.0f : (float)((int)(test_rand() % 5) - 2));
    if (r < 2 * ne)
      memcpy(bias + r * es, edges + (r % ne) * es, es);
    else
      set(dt, bias, r, (float)((int)(test_rand() % 17) - 8) * 0.75f);
    set(dt, slope, r, slopes[r % 5]);
  }
  for (size_t j = 0; j < K; ++j)
    set(dt, v, j,
        negative_v ? -(float)(1 + test_rand() % 3)
                   : (float)((int)(test_rand() % 7) - 3));
  /* the pre-activations, summed in the kernel's order: small integers,
   * exact in every dtype */
  for (size_t r = 0; r < rows; ++r) {
    float acc = get(dt, w, r * K) * get(dt, v, 0);
    for (size_t j = 1; j < K; ++j)
      acc += get(dt, w, r * K + j) * get(dt, v, j);
    set(dt, pre, r, acc);
    CHECK(get(dt, pre, r) == acc, "pre-activation %g is not exact", acc);
  }
  cl_program prog = build("", (int)dt);
  if (!prog)
    return;
  cl_int err = CL_SUCCESS;
  cl_kernel kern = clCreateKernel(prog, "gemv_act", &err);
  CHECK(kern != NULL, "clCreateKernel: %d", err);
  cl_mem mw = device_copy(w, rows * K * es), mv = device_copy(v, K * es),
         mb = device_copy(bias, rows * es), ms = device_copy(slope, rows * es),
         my = device_copy(y, rows * es);
  for (int c = 0; kern && c < CASES; ++c) {
    const cl_int k = K, kind = cases[c].kind;
    const float alpha = cases[c].alpha;
    clSetKernelArg(kern, 0, sizeof mw, &mw);
    clSetKernelArg(kern, 1, sizeof mv, &mv);
    clSetKernelArg(kern, 2, sizeof mb, &mb);
    clSetKernelArg(kern, 3, sizeof ms, &ms);
    clSetKernelArg(kern, 4, sizeof my, &my);
    clSetKernelArg(kern, 5, sizeof k, &k);
    clSetKernelArg(kern, 6, sizeof kind, &kind);
    clSetKernelArg(kern, 7, sizeof alpha, &alpha);
    const size_t global = rows;
    err = clEnqueueNDRangeKernel(cl_queue, kern, 1, NULL, &global, NULL, 0,
                                 NULL, NULL);
    CHECK(err == CL_SUCCESS, "clEnqueueNDRangeKernel: %d", err);
    read_back(my, y, rows * es);
    const clrelu_act act = {(clrelu_act_kind)(kind < 0 ? 0 : kind), alpha,
                            0.0f};
    clrelu_status st;
    if (dt == CLRELU_F32)
      st = kind < 0
               ? clrelu_cpu_bias_prelu((const float *)pre, (const float *)bias,
                                       (const float *)slope, (float *)want, 1,
                                       rows, 1)
               : clrelu_cpu_bias_act((const float *)pre, (const float *)bias,
                                     (float *)want, 1, rows, 1, &act);
    else
      st = kind < 0
               ? clrelu_cpu_bias_prelu_16(
                     dt, (const uint16_t *)pre, (const uint16_t *)bias,
                     (const uint16_t *)slope, (uint16_t *)want, 1, rows, 1)
               : clrelu_cpu_bias_act_16(dt, (const uint16_t *)pre,
                                        (const uint16_t *)bias,
                                        (uint16_t *)want, 1, rows, 1, &act);
    CHECK(st == CLRELU_SUCCESS, "CPU twin: %s", clrelu_last_error());
    int bad = 0;
    for (size_t r = 0; r < rows && bad < 5; ++r)
      if (!same(dt, y, want, r, flush_ok)) {
        ++bad;
        CHECK(0,
              "dtype %d, kind %d, alpha %g, v %s, row %zu: t = %a + %a, "
              "kernel %a, CPU %a",
              (int)dt, kind, (double)alpha, negative_v ? "negative" : "mixed",
              r, (double)get(dt, pre, r), (double)get(dt, bias, r),
              (double)get(dt, y, r), (double)get(dt, want, r));
      }
  }
  clReleaseMemObject(mw);
  clReleaseMemObject(mv);
  clReleaseMemObject(mb);
  clReleaseMemObject(ms);
  clReleaseMemObject(my);
  if (kern)
    clReleaseKernel(kern);
  clReleaseProgram(prog);
}

/* ---- the conversions against the host's ---- */

static void conversions(size_t n) {
  uint16_t *h = malloc(n * 2), *f2h = malloc(n * 2), *f2b = malloc(n * 2),
           *wh = malloc(n * 2), *wb = malloc(n * 2);
  float *f = malloc(n * 4), *h2f = malloc(n * 4), *b2f = malloc(n * 4),
        *wf = malloc(n * 4), *wbf = malloc(n * 4);
  if (!h || !f2h || !f2b || !wh || !wb || !f || !h2f || !b2f || !wf || !wbf) {
    CHECK(0, "out of memory");
    goto done;
  }
  /* every 16-bit pattern (n is 2^16); floats near 16-bit ties (random
   * low bits under a 16-bit value) and test values */
  for (size_t i = 0; i < n; ++i) {
    h[i] = (uint16_t)i;
    const uint32_t r = (uint32_t)test_rand();
    switch (i % 3) {
    case 0:
      f[i] = u2f(((uint32_t)h[i] << 16) | (r & 0xffffu));
      break;
    case 1: { /* binary16 values with random bits below them */
      float g;
      clrelu_f16_to_f32(&h[i], &g, 1);
      f[i] = u2f(f2u(g) ^ (r & 0x1fffu));
      break;
    }
    default:
      f[i] = test_value();
    }
  }
  cl_program prog = build("-cl-std=CL1.2", 0);
  if (!prog)
    goto done;
  cl_int err = CL_SUCCESS;
  cl_kernel kern = clCreateKernel(prog, "convert", &err);
  cl_mem mh = device_copy(h, n * 2), mf = device_copy(f, n * 4),
         m1 = device_copy(f, n * 4), m2 = device_copy(h, n * 2),
         m3 = device_copy(f, n * 4), m4 = device_copy(h, n * 2);
  cl_mem args[6] = {mh, mf, m1, m2, m3, m4};
  for (cl_uint a = 0; a < 6; ++a)
    clSetKernelArg(kern, a, sizeof(cl_mem), &args[a]);
  err =
      clEnqueueNDRangeKernel(cl_queue, kern, 1, NULL, &n, NULL, 0, NULL, NULL);
  CHECK(err == CL_SUCCESS, "clEnqueueNDRangeKernel: %d", err);
  read_back(m1, h2f, n * 4);
  read_back(m2, f2h, n * 2);
  read_back(m3, b2f, n * 4);
  read_back(m4, f2b, n * 2);
  clrelu_f16_to_f32(h, wf, n);
  clrelu_bf16_to_f32(h, wbf, n);
  clrelu_f32_to_f16(f, wh, n);
  clrelu_f32_to_bf16(f, wb, n);
  int bad = 0;
  for (size_t i = 0; i < n && bad < 8; ++i) {
    const int ok = f2u(h2f[i]) == f2u(wf[i]) && f2u(b2f[i]) == f2u(wbf[i]) &&
                   f2h[i] == wh[i] && f2b[i] == wb[i];
    if (!ok) {
      ++bad;
      CHECK(0,
            "h 0x%04x: to f32 0x%08x / 0x%08x (host 0x%08x / 0x%08x); f "
            "0x%08x: to f16 0x%04x (host 0x%04x), to bf16 0x%04x (host "
            "0x%04x)",
            h[i], f2u(h2f[i]), f2u(b2f[i]), f2u(wf[i]), f2u(wbf[i]), f2u(f[i]),
            f2h[i], wh[i], f2b[i], wb[i]);
    }
  }
  for (int a = 0; a < 6; ++a)
    clReleaseMemObject(args[a]);
  clReleaseKernel(kern);
  clReleaseProgram(prog);
done:
  free(h), free(f2h), free(f2b), free(wh), free(wb);
  free(f), free(h2f), free(b2f), free(wf), free(wbf);
}

int main(void) {
  test_init();
  check_text(clrelu_act_source());
  clrelu_context *ctx = test_context();
  cl_queue = clrelu_context_queue(ctx);
  clGetCommandQueueInfo(cl_queue, CL_QUEUE_CONTEXT, sizeof cl_ctx, &cl_ctx,
                        NULL);
  clGetCommandQueueInfo(cl_queue, CL_QUEUE_DEVICE, sizeof cl_dev, &cl_dev,
                        NULL);
  /* the text builds with the defaults, as CL1.2, and unoptimized */
  static const char *const options[] = {"", "-cl-std=CL1.2", "-cl-opt-disable"};
  for (int o = 0; o < 3; ++o) {
    cl_program p = build(options[o], 0);
    if (p)
      clReleaseProgram(p);
  }
  const int flush_ok = !test_device_denorms(ctx);
  for (int dt = CLRELU_F32; dt <= CLRELU_BF16; ++dt)
    for (int negative = 0; negative < 2; ++negative)
      epilogue((clrelu_dtype)dt, negative, flush_ok);
  conversions(65536);
  clrelu_context_destroy(ctx);
  return test_finish("test_act_source");
}
