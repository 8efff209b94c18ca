/* Launch shapes: vector width, vectors per work-item, work-group size,
 * streaming stores and the order of a work-item's vectors, chosen per
 * device and prepended to the kernel source as #defines.
 *
 * Where a shape comes from, first match wins:
 *   1. clrelu_options.tuning, else $CLRELU_TUNING, e.g. "vec=4,local=256" (a
 *      bad value fails context creation with INVALID_ARGUMENT);
 *   2. the device's tuning cache file, written by clrelu-tune; it is keyed by
 *      device, vendor, driver and clrelu version, so a new driver or library
 *      simply misses it (and a file whose key line differs is ignored);
 *   3. the table below: device name, then vendor, then device type. */
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Measured: PoCL on x86 CPUs wants 16-float vectors, long contiguous runs
 * per work-item and streaming stores; NVIDIA GPUs want float4, adjacent
 * work-items on adjacent vectors and 256-wide groups (local sizes below 64
 * lose badly on GPUs). */
typedef struct tuning_row {
  const char *name_has;   /* substring of the device name, or NULL */
  const char *vendor_has; /* substring of the vendor, or NULL */
  cl_device_type type;    /* 0: any */
  clrelu_tuning t;
  const char *why;
} tuning_row;

static const tuning_row tuning_table[] = {
    {NULL,
     "NVIDIA",
     CL_DEVICE_TYPE_GPU,
     {4, 4, 256, 0, 0},
     "table: NVIDIA GPU"},
    {NULL, NULL, CL_DEVICE_TYPE_GPU, {4, 4, 256, 0, 0}, "table: GPU"},
    {"pthread",
     NULL,
     CL_DEVICE_TYPE_CPU,
     {16, 64, 16, 1, 1},
     "table: PoCL CPU"},
    {NULL, NULL, CL_DEVICE_TYPE_CPU, {16, 64, 16, 1, 1}, "table: CPU"},
    {NULL, NULL, 0, {4, 4, 64, 0, 0}, "table: default"},
};

static int has(const char *hay, const char *needle) {
  return needle == NULL || strstr(hay, needle) != NULL;
}

/* Parses "vec=4,items=8,local=256,nt=0,contig=1" over t. Returns NULL, or
 * where the text stops making sense. */
static const char *parse_shape(const char *text, clrelu_tuning *t) {
  const char *p = text;
  while (*p) {
    char key[16];
    long v;
    int used = 0;
    if (sscanf(p, "%15[a-z]=%ld%n", key, &v, &used) != 2)
      return p;
    if (strcmp(key, "vec") == 0 && (v == 2 || v == 4 || v == 8 || v == 16))
      t->vec = (int)v;
    else if (strcmp(key, "items") == 0 && v >= 1 && v <= 4096)
      t->items = (int)v;
    else if (strcmp(key, "local") == 0 && v >= 1 && v <= 4096)
      t->local = (int)v;
    else if (strcmp(key, "nt") == 0 && (v == 0 || v == 1))
      t->nt = (int)v;
    else if (strcmp(key, "contig") == 0 && (v == 0 || v == 1))
      t->contig = (int)v;
    else
      return p;
    p += used;
    if (*p == ',')
      ++p;
    else if (*p)
      return p;
  }
  return NULL;
}

/* ---- the cache file ---- */

/* Reads a shape from the cache file when its key matches. */
static int cache_read(const clrelu_context *ctx, clrelu_tuning *t) {
  if (!ctx->tuning_cache[0])
    return 0;
  FILE *f = fopen(ctx->tuning_cache, "r");
  if (!f)
    return 0;
  char key[600], line[800];
  clrelu__device_key(ctx, key, sizeof key);
  int key_ok = 0, shape_ok = 0;
  clrelu_tuning read = *t;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    if (strncmp(line, "key=", 4) == 0)
      key_ok = strcmp(line + 4, key) == 0;
    else if (strncmp(line, "shape=", 6) == 0)
      shape_ok = parse_shape(line + 6, &read) == NULL;
  }
  fclose(f);
  if (!key_ok || !shape_ok)
    return 0; /* stale or damaged: the table serves */
  *t = read;
  return 1;
}

clrelu_status clrelu_context_tuning_save(const clrelu_context *ctx,
                                         const char *shape) {
  if (!ctx || !shape)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_context_tuning_save: %s is NULL",
                        !ctx ? "ctx" : "shape");
  clrelu_tuning t = ctx->tuning;
  const char *bad = parse_shape(shape, &t);
  if (bad)
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_context_tuning_save: \"%s\" is not a launch "
                        "shape near \"%s\"",
                        shape, bad);
  if (!ctx->tuning_cache[0])
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_context_tuning_save: no cache directory "
                        "(set CLRELU_CACHE_DIR or HOME)");
  char key[600], text[1024];
  clrelu__device_key(ctx, key, sizeof key);
  int len = snprintf(text, sizeof text,
                     "# clrelu launch shape for one device, written by "
                     "clrelu-tune; delete to go back to the built-in table\n"
                     "key=%s\nshape=vec=%d,items=%d,local=%d,nt=%d,contig=%d\n",
                     key, t.vec, t.items, t.local, t.nt, t.contig);
  /* atomic: readers see the old file or the new one, never half of one */
  if (len <= 0 || (size_t)len >= sizeof text || !clrelu__cache_mkdirs(ctx) ||
      !clrelu__cache_write(ctx->tuning_cache, "", 0, text, (size_t)len))
    return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                        "clrelu_context_tuning_save: cannot write %s",
                        ctx->tuning_cache);
  return CLRELU_SUCCESS;
}

const char *clrelu_context_tuning_cache(const clrelu_context *ctx) {
  return ctx ? ctx->tuning_cache : "";
}

/* ---- choosing ---- */

clrelu_status clrelu__tuning_choose(clrelu_context *ctx, const char *tuning,
                                    const char *from) {
  char vendor[256] = "";
  cl_device_type type = 0;
  clGetDeviceInfo(ctx->device, CL_DEVICE_VENDOR, sizeof vendor - 1, vendor,
                  NULL);
  clGetDeviceInfo(ctx->device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
  const tuning_row *row =
      &tuning_table[sizeof tuning_table / sizeof tuning_table[0] - 1];
  for (size_t i = 0; i < sizeof tuning_table / sizeof tuning_table[0]; ++i) {
    const tuning_row *r = &tuning_table[i];
    if (has(ctx->device_name, r->name_has) && has(vendor, r->vendor_has) &&
        (r->type == 0 || (type & r->type))) {
      row = r;
      break;
    }
  }
  ctx->tuning = row->t;
  snprintf(ctx->tuning_source, sizeof ctx->tuning_source, "%s", row->why);

  char key[600];
  clrelu__device_key(ctx, key, sizeof key);
  clrelu__cache_path(ctx, "tuning",
                     clrelu__hash(key, strlen(key), CLRELU_HASH_SEED), ".txt",
                     ctx->tuning_cache, sizeof ctx->tuning_cache);
  if (cache_read(ctx, &ctx->tuning))
    snprintf(ctx->tuning_source, sizeof ctx->tuning_source,
             "tuned by clrelu-tune");

  if (tuning) {
    const char *bad = parse_shape(tuning, &ctx->tuning);
    if (bad)
      return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                          "%s=\"%s\" is not valid near \"%s\": use "
                          "comma-separated vec=2|4|8|16, items=1..4096, "
                          "local=1..4096, nt=0|1, contig=0|1",
                          from, tuning, bad);
    snprintf(ctx->tuning_source, sizeof ctx->tuning_source, "%s", from);
  }
  /* GPUs lose badly below 64 work-items a group */
  if ((type & CL_DEVICE_TYPE_GPU) && ctx->tuning.local < 64)
    ctx->tuning.local = 64;
  return CLRELU_SUCCESS;
}

void clrelu__tuning_fit(clrelu_context *ctx) {
  if ((size_t)ctx->tuning.local > ctx->max_wg)
    ctx->tuning.local = (int)ctx->max_wg;
  const clrelu_tuning *t = &ctx->tuning;
  snprintf(ctx->tuning_text, sizeof ctx->tuning_text,
           "vec=%d items=%d local=%d nt=%d contig=%d (%s)", t->vec, t->items,
           t->local, t->nt, t->contig, ctx->tuning_source);
}
