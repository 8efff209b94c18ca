/* Launch shapes: the tuning cache written and read back, a stale or damaged
 * cache ignored, CLRELU_TUNING above everything, and results exact under an
 * unusual shape. Runs with CLRELU_CACHE_DIR set to a scratch directory. */
#include "reference.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static clrelu_context *open_ctx(void) {
  clrelu_context *c = NULL;
  CHECK_STATUS(clrelu_context_create(NULL, &c), CLRELU_SUCCESS);
  return c;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL, "cannot write %s", path);
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

/* relu on a few odd sizes is exact under the context's shape */
static void check_relu(clrelu_context *c) {
  enum { N = 5000 };
  static float x[N], y[N];
  test_fill(x, N);
  clrelu_buffer *b = NULL;
  CHECK_STATUS(clrelu_buffer_create(c, CLRELU_F32, N, &b), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_write(b, 0, N, x), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_relu(c, b, b, N - 3), CLRELU_SUCCESS);
  CHECK_STATUS(clrelu_buffer_read(b, 0, N, y), CLRELU_SUCCESS);
  for (int i = 0; i < N; ++i)
    if (!test_same(y[i], i < N - 3 ? ref_relu(x[i]) : x[i], 0)) {
      CHECK(0, "element %d under %s", i, clrelu_context_tuning(c));
      break;
    }
  clrelu_buffer_destroy(b);
}

int main(void) {
  test_init();
  if (!getenv("CLRELU_CACHE_DIR")) {
    printf("SKIPPED: run with CLRELU_CACHE_DIR set to a scratch directory\n");
    return SKIP_CODE;
  }
  unsetenv("CLRELU_TUNING");
  clrelu_context *c = test_context();
  char path[600];
  snprintf(path, sizeof path, "%s", clrelu_context_tuning_cache(c));
  remove(path);
  clrelu_context_destroy(c);

  c = open_ctx();
  CHECK(strstr(clrelu_context_tuning(c), "(table") != NULL, "%s",
        clrelu_context_tuning(c));
  CHECK(strncmp(clrelu_context_tuning_cache(c), getenv("CLRELU_CACHE_DIR"),
                strlen(getenv("CLRELU_CACHE_DIR"))) == 0,
        "cache %s", clrelu_context_tuning_cache(c));
  CHECK_STATUS(clrelu_context_tuning_save(c, "vec=3"),
               CLRELU_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(clrelu_context_tuning_save(NULL, "vec=4"),
               CLRELU_ERROR_INVALID_ARGUMENT);
  CHECK_STATUS(
      clrelu_context_tuning_save(c, "vec=8,items=3,local=8,nt=0,contig=0"),
      CLRELU_SUCCESS);
  clrelu_context_destroy(c);

  /* read back by the next context */
  c = open_ctx();
  const char *t = clrelu_context_tuning(c);
  CHECK(strstr(t, "vec=8 items=3 local=8 nt=0 contig=0 (tuned") != NULL,
        "after save: %s", t);
  check_relu(c);
  clrelu_context_destroy(c);

  /* CLRELU_TUNING wins over the cache */
  setenv("CLRELU_TUNING", "vec=2,items=5,local=3", 1);
  c = open_ctx();
  CHECK(strstr(clrelu_context_tuning(c), "vec=2 items=5 local=3") != NULL &&
            strstr(clrelu_context_tuning(c), "CLRELU_TUNING") != NULL,
        "env: %s", clrelu_context_tuning(c));
  check_relu(c);
  clrelu_context_destroy(c);
  unsetenv("CLRELU_TUNING");

  /* stale: measured on another device or driver */
  write_file(path, "key=some other device | x | y | z | clrelu 0.1\n"
                   "shape=vec=2,items=1,local=1,nt=0,contig=0\n");
  c = open_ctx();
  CHECK(strstr(clrelu_context_tuning(c), "(table") != NULL, "stale: %s",
        clrelu_context_tuning(c));
  clrelu_context_destroy(c);

  /* damaged: the right key but a shape that makes no sense */
  {
    clrelu_context *k = open_ctx();
    clrelu_context_tuning_save(k, "vec=4");
    clrelu_context_destroy(k);
    FILE *f = fopen(path, "r");
    char text[1024] = "";
    size_t got = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[got] = 0;
    if (f)
      fclose(f);
    char *shape = strstr(text, "shape=");
    CHECK(shape != NULL, "no shape line in %s", path);
    if (shape) {
      strcpy(shape, "shape=vec=banana\n");
      write_file(path, text);
    }
  }
  c = open_ctx();
  CHECK(strstr(clrelu_context_tuning(c), "(table") != NULL, "damaged: %s",
        clrelu_context_tuning(c));
  clrelu_context_destroy(c);
  remove(path);

  /* program binaries: stored, loaded, and a damaged file rebuilt */
  setenv("CLRELU_BINARY_CACHE", "1", 1);
  c = open_ctx();
  clrelu_context_destroy(c);
  c = open_ctx();
  CHECK(strcmp(clrelu_context_build_source(c), "binary cache") == 0,
        "second context built from %s", clrelu_context_build_source(c));
  printf("binary cache: %.1f ms\n", clrelu_context_build_ms(c));
  check_relu(c);
  clrelu_context_destroy(c);
  {
    char cmd[700];
    snprintf(cmd, sizeof cmd,
             "for f in \"%s\"/program-*.bin; do head -c 100 \"$f\" > "
             "\"$f.x\" && mv \"$f.x\" \"$f\"; done",
             getenv("CLRELU_CACHE_DIR"));
    CHECK(system(cmd) == 0, "truncating %s", cmd);
  }
  c = open_ctx();
  CHECK(strcmp(clrelu_context_build_source(c), "source") == 0,
        "damaged binary: built from %s", clrelu_context_build_source(c));
  check_relu(c);
  clrelu_context_destroy(c);
  unsetenv("CLRELU_BINARY_CACHE");

  /* no cache at all */
  setenv("CLRELU_CACHE_DIR", "off", 1);
  c = open_ctx();
  CHECK(clrelu_context_tuning_cache(c)[0] == 0, "cache off: %s",
        clrelu_context_tuning_cache(c));
  CHECK_STATUS(clrelu_context_tuning_save(c, "vec=4"),
               CLRELU_ERROR_INVALID_ARGUMENT);
  clrelu_context_destroy(c);
  return test_finish("test_tuning");
}
