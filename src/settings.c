/* Settings: the one place that reads the environment. A context's settings
 * come from clrelu_options, else the environment, else the defaults, and
 * are fixed when it is made; $CLRELU_CPU is read once per process.
 *   CLRELU_DEVICE        the device (context.c)
 *   CLRELU_TUNING        the launch shape (tuning.c)
 *   CLRELU_HOST_PATH     auto, zero-copy or chunked (host.c)
 *   CLRELU_HOST_CHUNK    the chunked path's chunk, in elements (host.c)
 *   CLRELU_CACHE_DIR     the cache directory, or off; else
 *                        $XDG_CACHE_HOME/clrelu, else $HOME/.cache/clrelu
 *   CLRELU_BINARY_CACHE  1 or 0: program binaries on disk (program.c)
 *   CLRELU_CPU           avx2 or sse2: caps the CPU ops' instruction set */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK ((size_t)1 << 20) /* elements: 4 MiB */
#define MIN_CHUNK ((size_t)16)
#define MAX_CHUNK ((size_t)1 << 28)

/* The option when given (not NULL or ""), else the variable's value when
 * set and not empty; NULL when neither. *from, when asked for, says which:
 * option_name or var. */
static const char *pick(const char *option, const char *option_name,
                        const char *var, const char **from) {
  int given = option && *option;
  if (from)
    *from = given ? option_name : var;
  if (given)
    return option;
  const char *env = getenv(var);
  return env && *env ? env : NULL;
}

clrelu_status clrelu__bad_host_path(const char *fn, const char *name,
                                    const char *value) {
  return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                      "%s: %s=\"%s\" is not valid: use auto, zero-copy or "
                      "chunked",
                      fn, name, value);
}

static clrelu_status read_host_path(const clrelu_options *opts, const char *fn,
                                    clrelu_settings *s) {
  const char *from;
  const char *v = pick(opts->host_path, "clrelu_options.host_path",
                       "CLRELU_HOST_PATH", &from);
  s->host_path = CLRELU_PATH_AUTO;
  if (!v || strcmp(v, "auto") == 0)
    return CLRELU_SUCCESS;
  if (strcmp(v, "zero-copy") == 0) {
    s->host_path = CLRELU_PATH_ZERO_COPY;
    return CLRELU_SUCCESS;
  }
  if (strcmp(v, "chunked") == 0) {
    s->host_path = CLRELU_PATH_CHUNKED;
    return CLRELU_SUCCESS;
  }
  if (v == opts->host_path) /* the caller's own value: refused at once */
    return clrelu__bad_host_path(fn, from, v);
  /* the environment's: the host ops refuse it, as they always have */
  s->host_path = CLRELU_PATH_BAD;
  size_t len = strlen(v) + 1;
  if (!(s->bad_host_path = malloc(len)))
    return clrelu__fail(CLRELU_ERROR_OUT_OF_MEMORY, "out of host memory");
  memcpy(s->bad_host_path, v, len);
  return CLRELU_SUCCESS;
}

static clrelu_status read_host_chunk(const clrelu_options *opts, const char *fn,
                                     clrelu_settings *s) {
  s->host_chunk = DEFAULT_CHUNK;
  if (opts->host_chunk) {
    if (opts->host_chunk < MIN_CHUNK || opts->host_chunk > MAX_CHUNK)
      return clrelu__fail(CLRELU_ERROR_INVALID_ARGUMENT,
                          "%s: clrelu_options.host_chunk=%zu is not valid: "
                          "use 16 .. 2^28 elements, or 0 for the default",
                          fn, opts->host_chunk);
    s->host_chunk = opts->host_chunk;
    return CLRELU_SUCCESS;
  }
  const char *v = getenv("CLRELU_HOST_CHUNK");
  if (v && *v) { /* a bad value here is ignored */
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end == 0 && n >= MIN_CHUNK && n <= MAX_CHUNK)
      s->host_chunk = (size_t)n;
  }
  return CLRELU_SUCCESS;
}

static void read_cache_dir(const clrelu_options *opts, clrelu_settings *s) {
  const char *dir = pick(opts->cache_dir, NULL, "CLRELU_CACHE_DIR", NULL);
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  s->cache_dir[0] = 0;
  if (dir && strcmp(dir, "off") == 0)
    return;
  if (dir)
    snprintf(s->cache_dir, sizeof s->cache_dir, "%s", dir);
  else if (xdg && *xdg)
    snprintf(s->cache_dir, sizeof s->cache_dir, "%s/clrelu", xdg);
  else if (home && *home)
    snprintf(s->cache_dir, sizeof s->cache_dir, "%s/.cache/clrelu", home);
}

static int read_binary_cache(const clrelu_options *opts) {
  if (opts->binary_cache)
    return opts->binary_cache > 0 ? 1 : -1;
  const char *v = getenv("CLRELU_BINARY_CACHE");
  if (v && *v)
    return strcmp(v, "0") != 0 ? 1 : -1;
  return 0;
}

clrelu_status clrelu__settings_read(const clrelu_options *opts, const char *fn,
                                    clrelu_request *req) {
  static const clrelu_options none;
  if (!opts)
    opts = &none;
  memset(req, 0, sizeof *req);
  req->device = pick(opts->device, NULL, "CLRELU_DEVICE", &req->device_from);
  req->tuning = pick(opts->tuning, "clrelu_options.tuning", "CLRELU_TUNING",
                     &req->tuning_from);
  clrelu_settings *s = &req->settings;
  clrelu_status st = read_host_path(opts, fn, s);
  if (st == CLRELU_SUCCESS)
    st = read_host_chunk(opts, fn, s);
  if (st != CLRELU_SUCCESS) {
    clrelu__settings_free(s);
    return st;
  }
  read_cache_dir(opts, s);
  s->binary_cache = read_binary_cache(opts);
  return CLRELU_SUCCESS;
}

void clrelu__settings_free(clrelu_settings *s) {
  free(s->bad_host_path);
  s->bad_host_path = NULL;
}

/* ---- process-wide ---- */

static enum clrelu_cpu_cap cpu_cap;
static pthread_once_t cpu_cap_once = PTHREAD_ONCE_INIT;
static void cpu_cap_init(void) {
  const char *cap = getenv("CLRELU_CPU");
  if (cap && strcmp(cap, "avx2") == 0)
    cpu_cap = CLRELU_CAP_AVX2;
  else if (cap && strcmp(cap, "sse2") == 0)
    cpu_cap = CLRELU_CAP_SSE2;
}

enum clrelu_cpu_cap clrelu__cpu_cap(void) {
  pthread_once(&cpu_cap_once, cpu_cap_init);
  return cpu_cap;
}
