/* own_kernel: clrelu's activations inside a kernel of your own.
 *
 *   own_kernel [--device SPEC] [--in N] [--out N] [--cap C] [--reps N]
 *              [--shape auto|group|item]
 *
 * A dense layer at batch 1, y = ReLU6(W x + b) with W [out][in], two ways:
 *   one kernel   the program's own OpenCL kernel, built on
 *                clrelu_act_source(): a work-group per output sums its dot
 *                product, adds the bias and applies
 *                clrelu_act(CLRELU_ACT_CLIPPED_RELU, cap, t) in the same
 *                pass: one launch, y written once;
 *   two passes   clrelu_dense_act: CLBlast's SGEMV, then clrelu's bias +
 *                activation kernel over y.
 * The kernel also writes its pre-activations (the dot products), so the
 * activation can be checked bit for bit against clrelu_cpu_bias_act given
 * the same sums; the two paths sum in different orders, so y is compared
 * normwise (at most 1e-5). Prints both times (medians over --reps rounds,
 * each path once a round, back to back) and their ratio.
 *
 * Exit status: 0 when the checks pass, 1 when they fail or a call fails, 2
 * for a bad command line. */
#include "clrelu.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOLERANCE 1e-5
#define LOCAL 64 /* work-items per output */

/* The program's own kernel; clrelu_act_source() goes in front of it. Two
 * shapes of the dot products, by device: on GPUs a work-group of LOCAL
 * work-items per output, which read its row of W side by side and sum in
 * local memory; on CPUs a work-item per output, reading its row in float4s
 * (a CPU's OpenCL runs a work-group's work-items as the lanes of a loop,
 * where barriers cost more than they give). */
static const char kernel_source[] =
    "kernel void dense_act(global const float *x, global const float *w,\n"
    "                      global const float *bias, global float *y,\n"
    "                      global float *pre, int in, float cap) {\n"
    "#if GROUP_PER_OUTPUT\n"
    "  local float part[LOCAL];\n"
    "  const int o = get_group_id(0), l = get_local_id(0);\n"
    "  global const float *row = w + (size_t)o * in;\n"
    "  float s = 0.0f;\n"
    "  for (int i = l; i < in; i += LOCAL)\n"
    "    s += row[i] * x[i];\n"
    "  part[l] = s;\n"
    "  barrier(CLK_LOCAL_MEM_FENCE);\n"
    "  for (int h = LOCAL / 2; h > 0; h /= 2) {\n"
    "    if (l < h)\n"
    "      part[l] += part[l + h];\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "  }\n"
    "  if (l > 0)\n"
    "    return;\n"
    "  const float acc = part[0];\n"
    "#else\n"
    "  const int o = get_global_id(0);\n"
    "  if (o >= OUT)\n"
    "    return;\n"
    "  global const float *row = w + (size_t)o * in;\n"
    "  float4 s4 = 0.0f;\n"
    "  int i = 0;\n"
    "  for (; i + 4 <= in; i += 4)\n"
    "    s4 += vload4(0, row + i) * vload4(0, x + i);\n"
    "  float acc = (s4.x + s4.y) + (s4.z + s4.w);\n"
    "  for (; i < in; ++i)\n"
    "    acc += row[i] * x[i];\n"
    "#endif\n"
    "  pre[o] = acc;\n"
    "  y[o] = clrelu_act(CLRELU_ACT_CLIPPED_RELU, cap, acc + bias[o]);\n"
    "}\n";

static void usage(FILE *f, const char *prog) {
  fprintf(f,
          "usage: %s [--device SPEC] [--in N] [--out N] [--cap C] [--reps N]\n"
          "          [--shape auto|group|item] [--help]\n"
          "A dense layer at batch 1 with ReLU6, as one OpenCL kernel of its\n"
          "own built on clrelu_act_source(), against clrelu_dense_act.\n"
          "  --device SPEC  device to use, as $CLRELU_DEVICE: \"gpu\", "
          "\"cpu\",\n"
          "                 \"P:D\" (platform P, device D) or part of a name\n"
          "  --in N         input features (default 1024)\n"
          "  --out N        output features (default 1024)\n"
          "  --cap C        the clipped ReLU's cap (default 6)\n"
          "  --reps N       timed rounds (default 51)\n"
          "  --shape S      the kernel's shape: a work-group per output\n"
          "                 (group), a work-item per output (item), or by\n"
          "                 device type (auto: item on CPUs; the default)\n",
          prog);
}

static int ok(clrelu_status st, const char *what) {
  if (st == CLRELU_SUCCESS)
    return 1;
  fprintf(stderr, "error: %s: %s: %s\n", what, clrelu_status_string(st),
          clrelu_last_error());
  return 0;
}

static int cl_ok(cl_int err, const char *what) {
  if (err == CL_SUCCESS)
    return 1;
  fprintf(stderr, "error: %s: OpenCL error %d\n", what, (int)err);
  return 0;
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static uint64_t rng = 42;
static float uniform(void) { /* in [-1, 1) */
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((double)(rng >> 11) * 0x1p-53 * 2.0 - 1.0);
}

static int same_bits(float a, float b) {
  uint32_t ua, ub;
  memcpy(&ua, &a, sizeof ua);
  memcpy(&ub, &b, sizeof ub);
  return ua == ub;
}

static int parse_size(const char *s, size_t *out) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (*s == '-' || *end || v == 0 || v > (1u << 24))
    return 0;
  *out = (size_t)v;
  return 1;
}

/* The program: clrelu's activation source, the shape, then the kernel. */
static cl_kernel build_kernel(cl_context cl, cl_device_id dev, int group,
                              size_t out, cl_program *program) {
  char shape[96];
  snprintf(shape, sizeof shape,
           "#define GROUP_PER_OUTPUT %d\n#define LOCAL %d\n#define OUT %zu\n",
           group, LOCAL, out);
  const char *parts[3] = {clrelu_act_source(), shape, kernel_source};
  cl_int err = CL_SUCCESS;
  *program = clCreateProgramWithSource(cl, 3, parts, NULL, &err);
  if (!cl_ok(err, "clCreateProgramWithSource"))
    return NULL;
  err = clBuildProgram(*program, 1, &dev, "", NULL, NULL);
  if (err != CL_SUCCESS) {
    char log[8192] = "";
    clGetProgramBuildInfo(*program, dev, CL_PROGRAM_BUILD_LOG, sizeof log - 1,
                          log, NULL);
    fprintf(stderr, "error: building the kernel failed:\n%s\n", log);
    return NULL;
  }
  cl_kernel k = clCreateKernel(*program, "dense_act", &err);
  return cl_ok(err, "clCreateKernel") ? k : NULL;
}

int main(int argc, char **argv) {
  const char *device = NULL;
  size_t in = 1024, out = 1024, reps = 51;
  float cap = 6.0f;
  int shape = -1; /* -1 auto, 1 group, 0 item */
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int good = 1;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout, argv[0]);
      return 0;
    } else if (!strcmp(a, "--device") && v)
      device = v;
    else if (!strcmp(a, "--in") && v)
      good = parse_size(v, &in);
    else if (!strcmp(a, "--out") && v)
      good = parse_size(v, &out);
    else if (!strcmp(a, "--reps") && v)
      good = parse_size(v, &reps) && reps <= 100000;
    else if (!strcmp(a, "--shape") && v) {
      shape = !strcmp(v, "group") ? 1 : !strcmp(v, "item") ? 0 : -1;
      good = shape >= 0 || !strcmp(v, "auto");
    } else if (!strcmp(a, "--cap") && v) {
      char *end;
      cap = strtof(v, &end);
      good = *end == 0 && cap > 0.0f;
    } else
      good = 0;
    if (!good) {
      fprintf(stderr, "%s: bad or incomplete option '%s'%s%s\n", argv[0], a,
              v ? " " : "", v ? v : "");
      usage(stderr, argv[0]);
      return 2;
    }
    ++i;
  }

  clrelu_context *ctx = NULL;
  if (!ok(clrelu_context_create(device, &ctx), "clrelu_context_create"))
    return 1;
  int status = 1;
  cl_command_queue queue = clrelu_context_queue(ctx);
  cl_context cl = NULL;
  cl_device_id dev = NULL;
  clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof cl, &cl, NULL);
  clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof dev, &dev, NULL);
  printf("device: %s\nlayer: %zu -> %zu, batch 1, clipped ReLU (cap %g)\n",
         clrelu_context_device_name(ctx), in, out, (double)cap);

  float *x = malloc(in * sizeof *x), *w = malloc(in * out * sizeof *w);
  float *b = malloc(out * sizeof *b), *y1 = malloc(out * sizeof *y1);
  float *y2 = malloc(out * sizeof *y2), *pre = malloc(out * sizeof *pre);
  float *want = malloc(out * sizeof *want);
  double *t1 = malloc(reps * sizeof *t1), *t2 = malloc(reps * sizeof *t2);
  double *ratio = malloc(reps * sizeof *ratio);
  clrelu_buffer *xd = NULL, *wd = NULL, *bd = NULL, *y1d = NULL, *y2d = NULL,
                *pred = NULL;
  cl_program program = NULL;
  cl_kernel kernel = NULL;
  if (!x || !w || !b || !y1 || !y2 || !pre || !want || !t1 || !t2 || !ratio) {
    fprintf(stderr, "error: out of memory\n");
    goto done;
  }
  const float scale = 1.0f / sqrtf((float)in);
  for (size_t i = 0; i < in * out; ++i)
    w[i] = uniform() * scale;
  for (size_t i = 0; i < in; ++i)
    x[i] = uniform() * 4.0f;
  for (size_t i = 0; i < out; ++i)
    b[i] = uniform();
  if (!ok(clrelu_buffer_create(ctx, CLRELU_F32, in, &xd), "buffer") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_F32, in * out, &wd), "buffer") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_F32, out, &bd), "buffer") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_F32, out, &y1d), "buffer") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_F32, out, &y2d), "buffer") ||
      !ok(clrelu_buffer_create(ctx, CLRELU_F32, out, &pred), "buffer") ||
      !ok(clrelu_buffer_write(xd, 0, in, x), "clrelu_buffer_write") ||
      !ok(clrelu_buffer_write(wd, 0, in * out, w), "clrelu_buffer_write") ||
      !ok(clrelu_buffer_write(bd, 0, out, b), "clrelu_buffer_write"))
    goto done;
  cl_device_type type = CL_DEVICE_TYPE_GPU;
  clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL);
  const int group = shape >= 0 ? shape : (type & CL_DEVICE_TYPE_CPU) == 0;
  kernel = build_kernel(cl, dev, group, out, &program);
  printf("kernel: %s\n",
         group ? "a work-group of 64 per output" : "a work-item per output");
  if (!kernel)
    goto done;
  /* clrelu's buffers are plain cl_mems (made here at offset 0) */
  cl_mem args[5] = {clrelu_buffer_mem(xd, NULL), clrelu_buffer_mem(wd, NULL),
                    clrelu_buffer_mem(bd, NULL), clrelu_buffer_mem(y1d, NULL),
                    clrelu_buffer_mem(pred, NULL)};
  const cl_int in_arg = (cl_int)in;
  for (cl_uint a = 0; a < 5; ++a)
    clSetKernelArg(kernel, a, sizeof(cl_mem), &args[a]);
  clSetKernelArg(kernel, 5, sizeof in_arg, &in_arg);
  clSetKernelArg(kernel, 6, sizeof cap, &cap);
  const size_t local = group ? LOCAL : 16;
  const size_t global = group ? LOCAL * out : (out + 15) / 16 * 16;
  const clrelu_act act = {CLRELU_ACT_CLIPPED_RELU, cap, 0.0f};

  /* a round untimed first: the builds and CLBlast's first call */
  int two_pass = 1;
  for (size_t r = 0; r <= reps; ++r) {
    double s = now_us();
    if (!cl_ok(clEnqueueNDRangeKernel(queue, kernel, 1, NULL, &global, &local,
                                      0, NULL, NULL),
               "clEnqueueNDRangeKernel") ||
        !cl_ok(clFinish(queue), "clFinish"))
      goto done;
    const double one = now_us() - s;
    s = now_us();
    if (two_pass) {
      const clrelu_status st =
          clrelu_dense_act(ctx, xd, wd, bd, y2d, 1, in, out, &act);
      if (st == CLRELU_ERROR_UNSUPPORTED && r == 0) {
        printf("two passes: not available (%s)\n", clrelu_last_error());
        two_pass = 0;
      } else if (!ok(st, "clrelu_dense_act") ||
                 !ok(clrelu_finish(ctx), "clrelu_finish"))
        goto done;
    }
    const double two = now_us() - s;
    if (r > 0) {
      t1[r - 1] = one;
      t2[r - 1] = two;
      ratio[r - 1] = two / one;
    }
  }

  if (!ok(clrelu_buffer_read(y1d, 0, out, y1), "clrelu_buffer_read") ||
      !ok(clrelu_buffer_read(pred, 0, out, pre), "clrelu_buffer_read") ||
      (two_pass &&
       !ok(clrelu_buffer_read(y2d, 0, out, y2), "clrelu_buffer_read")) ||
      !ok(clrelu_cpu_bias_act(pre, b, want, 1, out, 1, &act),
          "clrelu_cpu_bias_act"))
    goto done;
  size_t differ = 0;
  for (size_t o = 0; o < out; ++o)
    differ += !same_bits(y1[o], want[o]);
  printf("activation bit for bit against clrelu_cpu_bias_act on the same "
         "sums: %s",
         differ ? "NO" : "yes");
  if (differ)
    printf(" (%zu of %zu differ)", differ, out);
  printf("\n");
  int agree = 1;
  if (two_pass) {
    double num = 0.0, den = 0.0;
    for (size_t o = 0; o < out; ++o) {
      const double d = (double)y1[o] - (double)y2[o];
      num += d * d;
      den += (double)y2[o] * (double)y2[o];
    }
    const double rel = den > 0.0 ? sqrt(num / den) : sqrt(num);
    agree = rel <= TOLERANCE;
    printf("agrees with clrelu_dense_act: %s (normwise %.2g, bound %g)\n",
           agree ? "yes" : "NO", rel, TOLERANCE);
    const int n = (int)reps;
    printf("one kernel:                    %9.1f us (median of %d)\n",
           median(t1, n), n);
    printf("clrelu_dense_act (two passes): %9.1f us\n", median(t2, n));
    printf("the one kernel is %.2fx as fast (median of the per-round "
           "ratios)\n",
           median(ratio, n));
  } else
    printf("one kernel: %.1f us (median of %d)\n", median(t1, (int)reps),
           (int)reps);
  status = differ || !agree;

done:
  if (kernel)
    clReleaseKernel(kernel);
  if (program)
    clReleaseProgram(program);
  clrelu_buffer_destroy(xd);
  clrelu_buffer_destroy(wd);
  clrelu_buffer_destroy(bd);
  clrelu_buffer_destroy(y1d);
  clrelu_buffer_destroy(y2d);
  clrelu_buffer_destroy(pred);
  clrelu_context_destroy(ctx);
  free(x), free(w), free(b), free(y1), free(y2), free(pre), free(want);
  free(t1), free(t2), free(ratio);
  return status;
}
