/* clrelu-info: the OpenCL platforms and devices clrelu can use, the one it
 * picks by default and why, the launch shape, and how long building the
 * kernels takes (first and cached).
 *   clrelu-info [--device SPEC] [--json] */
#include <clrelu.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dev {
  cl_device_id id;
  cl_device_type type;
  cl_ulong mem, max_alloc;
  char name[256], vendor[256], platform[256], version[256], driver[256];
  unsigned p, d;
  cl_uint units;
  int denorm, fp16, unified;
} dev;

static const char *type_name(cl_device_type t) {
  return (t & CL_DEVICE_TYPE_GPU)           ? "GPU"
         : (t & CL_DEVICE_TYPE_CPU)         ? "CPU"
         : (t & CL_DEVICE_TYPE_ACCELERATOR) ? "accelerator"
                                            : "other";
}

/* Prints s as a JSON string. */
static void json_str(const char *s) {
  putchar('"');
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static size_t list(dev *out, size_t cap) {
  cl_platform_id plats[16];
  cl_uint np = 0;
  if (clGetPlatformIDs(16, plats, &np) != CL_SUCCESS)
    return 0;
  size_t n = 0;
  for (cl_uint p = 0; p < np && p < 16; ++p) {
    cl_device_id ids[32];
    cl_uint nd = 0;
    if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 32, ids, &nd) !=
        CL_SUCCESS)
      continue;
    for (cl_uint d = 0; d < nd && d < 32 && n < cap; ++d) {
      dev *e = &out[n++];
      memset(e, 0, sizeof *e);
      e->p = p;
      e->d = d;
      e->id = ids[d];
      clGetPlatformInfo(plats[p], CL_PLATFORM_NAME, sizeof e->platform - 1,
                        e->platform, NULL);
      clGetDeviceInfo(ids[d], CL_DEVICE_NAME, sizeof e->name - 1, e->name,
                      NULL);
      clGetDeviceInfo(ids[d], CL_DEVICE_VENDOR, sizeof e->vendor - 1, e->vendor,
                      NULL);
      clGetDeviceInfo(ids[d], CL_DEVICE_VERSION, sizeof e->version - 1,
                      e->version, NULL);
      clGetDeviceInfo(ids[d], CL_DRIVER_VERSION, sizeof e->driver - 1,
                      e->driver, NULL);
      clGetDeviceInfo(ids[d], CL_DEVICE_TYPE, sizeof e->type, &e->type, NULL);
      clGetDeviceInfo(ids[d], CL_DEVICE_MAX_COMPUTE_UNITS, sizeof e->units,
                      &e->units, NULL);
      clGetDeviceInfo(ids[d], CL_DEVICE_GLOBAL_MEM_SIZE, sizeof e->mem, &e->mem,
                      NULL);
      clGetDeviceInfo(ids[d], CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof e->max_alloc,
                      &e->max_alloc, NULL);
      cl_device_fp_config fp = 0;
      clGetDeviceInfo(ids[d], CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp, &fp, NULL);
      e->denorm = (fp & CL_FP_DENORM) != 0;
      char ext[4096] = "";
      clGetDeviceInfo(ids[d], CL_DEVICE_EXTENSIONS, sizeof ext - 1, ext, NULL);
      e->fp16 = strstr(ext, "cl_khr_fp16") != NULL;
      cl_bool um = CL_FALSE;
      clGetDeviceInfo(ids[d], CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof um, &um,
                      NULL);
      e->unified = um == CL_TRUE;
    }
  }
  return n;
}

static void usage(FILE *f) {
  fprintf(f, "usage: clrelu-info [--device SPEC] [--json]\n"
             "Lists the OpenCL devices clrelu can use and the one it picks.\n"
             "SPEC (also $CLRELU_DEVICE): gpu, cpu, P:D (platform:device), "
             "or part of a device name, any case.\n");
}

int main(int argc, char **argv) {
  const char *spec = NULL;
  int json = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--json") == 0)
      json = 1;
    else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc)
      spec = argv[++i];
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  /* Two contexts: the first build, then (usually) a cached one. */
  clrelu_context *ctx = NULL, *again = NULL;
  clrelu_status st = clrelu_context_create(spec, &ctx);
  if (st != CLRELU_SUCCESS) {
    fprintf(stderr, "clrelu-info: %s: %s\n", clrelu_status_string(st),
            clrelu_last_error());
    return 1;
  }
  double first_ms = clrelu_context_build_ms(ctx);
  double cached_ms = -1;
  char again_source[32] = "-";
  if (clrelu_context_create(spec, &again) == CLRELU_SUCCESS) {
    cached_ms = clrelu_context_build_ms(again);
    snprintf(again_source, sizeof again_source, "%s",
             clrelu_context_build_source(again));
  }
  clrelu_context_destroy(again);

  cl_device_id chosen;
  clGetCommandQueueInfo(clrelu_context_queue(ctx), CL_QUEUE_DEVICE,
                        sizeof chosen, &chosen, NULL);
  dev devs[64];
  size_t n = list(devs, 64);
  const char *env = getenv("CLRELU_DEVICE");
  int any_gpu = 0;
  for (size_t i = 0; i < n; ++i)
    any_gpu |= (devs[i].type & CL_DEVICE_TYPE_GPU) != 0;
  char why[320];
  if (spec && *spec)
    snprintf(why, sizeof why, "asked for with --device %s", spec);
  else if (env && *env)
    snprintf(why, sizeof why, "asked for with CLRELU_DEVICE=%s", env);
  else if (any_gpu)
    snprintf(why, sizeof why, "the default: the first GPU of any platform");
  else
    snprintf(why, sizeof why, "the default: no GPU found, so the first device");

  if (json) {
    printf("{\n  \"version\": \"%d.%d.%d\",\n  \"devices\": [\n",
           CLRELU_VERSION_MAJOR, CLRELU_VERSION_MINOR, CLRELU_VERSION_PATCH);
    for (size_t i = 0; i < n; ++i) {
      const dev *e = &devs[i];
      printf("    {\"index\": \"%u:%u\", \"name\": ", e->p, e->d);
      json_str(e->name);
      printf(", \"platform\": ");
      json_str(e->platform);
      printf(", \"vendor\": ");
      json_str(e->vendor);
      printf(", \"type\": \"%s\", \"version\": ", type_name(e->type));
      json_str(e->version);
      printf(", \"driver\": ");
      json_str(e->driver);
      printf(", \"compute_units\": %u, \"global_mem_bytes\": %llu, "
             "\"max_alloc_bytes\": %llu, \"denormals\": %s, \"fp16\": %s, "
             "\"unified_memory\": %s, \"chosen\": %s}%s\n",
             e->units, (unsigned long long)e->mem,
             (unsigned long long)e->max_alloc, e->denorm ? "true" : "false",
             e->fp16 ? "true" : "false", e->unified ? "true" : "false",
             e->id == chosen ? "true" : "false", i + 1 < n ? "," : "");
    }
    printf("  ],\n  \"chosen\": ");
    json_str(clrelu_context_device_name(ctx));
    printf(",\n  \"why\": ");
    json_str(why);
    printf(",\n  \"tuning\": ");
    json_str(clrelu_context_tuning(ctx));
    printf(",\n  \"build_ms_first\": %.1f,\n  \"build_ms_cached\": %.1f,\n"
           "  \"build_cached_from\": \"%s\",\n",
           first_ms, cached_ms, again_source);
    printf("  \"cpu_isa\": \"%s\"\n}\n", clrelu_cpu_isa());
  } else {
    printf("clrelu %d.%d.%d\n\nOpenCL devices:\n", CLRELU_VERSION_MAJOR,
           CLRELU_VERSION_MINOR, CLRELU_VERSION_PATCH);
    for (size_t i = 0; i < n; ++i) {
      const dev *e = &devs[i];
      printf("%s %u:%u  %s (%s, %s)\n", e->id == chosen ? "*" : " ", e->p, e->d,
             e->name, type_name(e->type), e->platform);
      printf("        %s; driver %s; %u compute units; %.1f GiB, largest "
             "buffer %.1f GiB\n",
             e->version, e->driver, e->units, (double)e->mem / (1 << 30),
             (double)e->max_alloc / (1 << 30));
      printf("        denormals %s; cl_khr_fp16 %s; host-unified memory %s\n",
             e->denorm ? "kept" : "flushed", e->fp16 ? "yes" : "no",
             e->unified ? "yes" : "no");
    }
    printf("\n* chosen: %s\n  why: %s\n", clrelu_context_device_name(ctx), why);
    if (clrelu_driver_hint()[0])
      printf("  note: %s\n", clrelu_driver_hint());
    printf("  launch shape: %s\n", clrelu_context_tuning(ctx));
    printf("  building the kernels: %.1f ms first, %.1f ms again (from %s)\n",
           first_ms, cached_ms, again_source);
    printf("  CPU ops use: %s\n", clrelu_cpu_isa());
    printf("\nChoose a device with CLRELU_DEVICE or --device: gpu, cpu, P:D "
           "(platform:device index above), or part of a name, any case.\n");
  }
  clrelu_context_destroy(ctx);
  return 0;
}
