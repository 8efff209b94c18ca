/* Proves the Oclgrind tests can fail: under the simulator (CTest sets
 * OCL_ICD_VENDORS to its runtime and OCLGRIND_LOG to a file), runs a kernel
 * with an out-of-bounds read, a write-write data race and a store of an
 * uninitialized value, then passes only if the log reports all three. */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const source =
    "kernel void bad(global const int *in, global int *out) {\n"
    "  size_t i = get_global_id(0);\n"
    "  int junk[2];\n"
    "  out[i] = in[i + 8];     /* reads past the end for i >= 0 */\n"
    "  out[8] = (int)i;        /* every work-item writes one place */\n"
    "  out[9] = junk[i & 1];   /* never initialized */\n"
    "}\n";

int main(void) {
  const char *log_path = getenv("OCLGRIND_LOG");
  if (!log_path) {
    fprintf(stderr, "OCLGRIND_LOG is not set\n");
    return 1;
  }
  cl_platform_id platform;
  cl_device_id device;
  cl_uint np = 0;
  if (clGetPlatformIDs(1, &platform, &np) != CL_SUCCESS || np == 0 ||
      clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL) !=
          CL_SUCCESS) {
    fprintf(stderr, "no OpenCL device\n");
    return 1;
  }
  char name[256] = "";
  clGetDeviceInfo(device, CL_DEVICE_NAME, sizeof name - 1, name, NULL);
  if (!strstr(name, "Oclgrind")) {
    fprintf(stderr, "device \"%s\" is not Oclgrind\n", name);
    return 1;
  }
  cl_int err;
  cl_context ctx = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
  cl_command_queue q = clCreateCommandQueue(ctx, device, 0, &err);
  const char *src = source;
  cl_program prog = clCreateProgramWithSource(ctx, 1, &src, NULL, &err);
  if (clBuildProgram(prog, 1, &device, "", NULL, NULL) != CL_SUCCESS) {
    fprintf(stderr, "build failed\n");
    return 1;
  }
  cl_kernel k = clCreateKernel(prog, "bad", &err);
  int host[10] = {0};
  cl_mem in = clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                             4 * sizeof(int), host, &err);
  cl_mem out = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                              sizeof host, host, &err);
  clSetKernelArg(k, 0, sizeof in, &in);
  clSetKernelArg(k, 1, sizeof out, &out);
  size_t global = 4, local = 4;
  clEnqueueNDRangeKernel(q, k, 1, NULL, &global, &local, 0, NULL, NULL);
  clFinish(q);
  clReleaseMemObject(in);
  clReleaseMemObject(out);
  clReleaseKernel(k);
  clReleaseProgram(prog);
  clReleaseCommandQueue(q);
  clReleaseContext(ctx);

  FILE *f = fopen(log_path, "rb");
  static char log[1 << 20];
  size_t len = f ? fread(log, 1, sizeof log - 1, f) : 0;
  if (f)
    fclose(f);
  log[len] = 0;
  for (size_t i = 0; i < len; ++i)
    if (log[i] == 0)
      log[i] = ' ';
  static const char *const want[] = {"Invalid read", "data race",
                                     "Uninitialized value"};
  int missing = 0;
  for (size_t i = 0; i < 3; ++i)
    if (!strstr(log, want[i])) {
      fprintf(stderr, "Oclgrind did not report \"%s\"\n", want[i]);
      missing = 1;
    }
  printf("oclgrind_canary: %s\n",
         missing ? "reports missing" : "all three reports seen");
  return missing;
}
