/* The on-disk cache: its directory, and built program binaries keyed by
 * device, driver, clrelu version, launch shape and kernel source, so that a
 * context on a device seen before skips the OpenCL compiler. Files are
 * written to a temporary name and renamed, so a reader never sees half of
 * one; anything that does not load cleanly is ignored and rebuilt. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t clrelu__hash(const void *data, size_t size, uint64_t h) {
  const unsigned char *p = data;
  for (size_t i = 0; i < size; ++i)
    h = (h ^ p[i]) * 0x100000001b3ull; /* FNV-1a */
  return h;
}

void clrelu__cache_path(const clrelu_context *ctx, const char *kind,
                        uint64_t key, const char *ext, char *path,
                        size_t size) {
  const char *dir = ctx->settings.cache_dir;
  path[0] = 0;
  if (dir[0])
    snprintf(path, size, "%s/%s-%016llx%s", dir, kind, (unsigned long long)key,
             ext);
}

int clrelu__cache_mkdirs(const clrelu_context *ctx) {
  char dir[sizeof ctx->settings.cache_dir];
  memcpy(dir, ctx->settings.cache_dir, sizeof dir);
  if (!dir[0])
    return 0;
  for (char *p = dir + 1; *p; ++p)
    if (*p == '/') {
      *p = 0;
      mkdir(dir, 0755);
      *p = '/';
    }
  mkdir(dir, 0755);
  return 1;
}

int clrelu__cache_write(const char *path, const void *head, size_t head_size,
                        const void *body, size_t body_size) {
  char tmp[700];
  snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (!f)
    return 0;
  int ok = fwrite(head, 1, head_size, f) == head_size &&
           fwrite(body, 1, body_size, f) == body_size;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    return 0;
  }
  return 1;
}

/* ---- program binaries ---- */

static const unsigned char binary_magic[8] = {'c', 'l', 'r', 'e',
                                              'l', 'u', 'B', '2'};

void clrelu__device_key(const clrelu_context *ctx, char *key, size_t size) {
  char vendor[128] = "", driver[128] = "", version[128] = "";
  clGetDeviceInfo(ctx->device, CL_DEVICE_VENDOR, sizeof vendor - 1, vendor,
                  NULL);
  clGetDeviceInfo(ctx->device, CL_DRIVER_VERSION, sizeof driver - 1, driver,
                  NULL);
  clGetDeviceInfo(ctx->device, CL_DEVICE_VERSION, sizeof version - 1, version,
                  NULL);
  snprintf(key, size, "%s | %s | %s | %s | clrelu %d.%d.%d", ctx->device_name,
           vendor, driver, version, CLRELU_VERSION_MAJOR, CLRELU_VERSION_MINOR,
           CLRELU_VERSION_PATCH);
}

static uint64_t binary_key(const clrelu_context *ctx, const char *defines,
                           const char *options) {
  char key[600], info[1024];
  clrelu__device_key(ctx, key, sizeof key);
  snprintf(info, sizeof info, "%s|%s|%s", key, options, defines);
  uint64_t h = clrelu__hash(info, strlen(info), CLRELU_HASH_SEED);
  h = clrelu__hash(clrelu_act_source(), clrelu__act_source_size(), h);
  return clrelu__hash(clrelu_kernel_source, clrelu_kernel_source_size, h);
}

/* File layout: magic, key, body length, body hash (8 bytes each), body.
 * The length and hash are checked before OpenCL sees the body: some
 * implementations crash on a damaged binary. */
#define HEAD 32

cl_program clrelu__binary_load(clrelu_context *ctx, const char *defines,
                               const char *options) {
  char path[512];
  uint64_t key = binary_key(ctx, defines, options);
  clrelu__cache_path(ctx, "program", key, ".bin", path, sizeof path);
  if (!path[0])
    return NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  unsigned char head[HEAD];
  uint64_t stored, len = 0, sum = 0;
  unsigned char *bin = NULL;
  if (fread(head, 1, HEAD, f) == HEAD && memcmp(head, binary_magic, 8) == 0) {
    memcpy(&stored, head + 8, 8);
    memcpy(&len, head + 16, 8);
    memcpy(&sum, head + 24, 8);
    if (stored == key && len > 0 && len < ((uint64_t)1 << 31) &&
        (bin = malloc((size_t)len)) != NULL &&
        (fread(bin, 1, (size_t)len, f) != (size_t)len || fgetc(f) != EOF ||
         clrelu__hash(bin, (size_t)len, CLRELU_HASH_SEED) != sum)) {
      free(bin);
      bin = NULL;
    }
  }
  fclose(f);
  if (!bin)
    return NULL;
  size_t size = (size_t)len;
  const unsigned char *bins[1] = {bin};
  cl_int status = CL_SUCCESS, err;
  cl_program p = clCreateProgramWithBinary(ctx->context, 1, &ctx->device, &size,
                                           bins, &status, &err);
  free(bin);
  if (!p)
    return NULL;
  if (status != CL_SUCCESS ||
      clBuildProgram(p, 1, &ctx->device, options, NULL, NULL) != CL_SUCCESS) {
    clReleaseProgram(p);
    return NULL;
  }
  return p;
}

void clrelu__binary_store(clrelu_context *ctx, cl_program p,
                          const char *defines, const char *options) {
  char path[512];
  uint64_t key = binary_key(ctx, defines, options);
  clrelu__cache_path(ctx, "program", key, ".bin", path, sizeof path);
  size_t len = 0;
  if (!path[0] ||
      clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) !=
          CL_SUCCESS ||
      len == 0)
    return;
  unsigned char *bin = malloc(len);
  unsigned char *bins[1] = {bin};
  if (bin && clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof bins, bins,
                              NULL) == CL_SUCCESS) {
    unsigned char head[HEAD];
    uint64_t blen = len, sum = clrelu__hash(bin, len, CLRELU_HASH_SEED);
    memcpy(head, binary_magic, sizeof binary_magic);
    memcpy(head + 8, &key, 8);
    memcpy(head + 16, &blen, 8);
    memcpy(head + 24, &sum, 8);
    if (clrelu__cache_mkdirs(ctx))
      clrelu__cache_write(path, head, sizeof head, bin, len);
  }
  free(bin);
}
