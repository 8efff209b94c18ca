/* clrelu_act_source(): kernels/act.cl behind one #define per activation
 * kind, made from the op table once per process. */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFINE_LINE(C, ID, name, param) "#define CLRELU_ACT_" #ID " %d\n"
#define DEFINE_VALUE(C, ID, name, param) , (int)CLRELU_ACT_##ID

static const char *source;
static size_t source_size;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void make_source(void) {
  char defines[512];
  const int n = snprintf(defines, sizeof defines,
                         CLRELU_BIAS_ACTS(DEFINE_LINE, 0)
                             CLRELU_BIAS_ACTS(DEFINE_VALUE, 0));
  const size_t len = n > 0 && (size_t)n < sizeof defines ? (size_t)n : 0;
  /* Kept for the life of the process, as the header promises. */
  char *text = malloc(len + clrelu__act_cl_size + 1);
  if (!text || !len) {
    free(text);
    source = "#error \"clrelu_act_source: out of memory\"\n";
    source_size = strlen(source);
    return;
  }
  memcpy(text, defines, len);
  memcpy(text + len, clrelu__act_cl, clrelu__act_cl_size + 1);
  source = text;
  source_size = len + clrelu__act_cl_size;
}

const char *clrelu_act_source(void) {
  pthread_once(&once, make_source);
  return source;
}

size_t clrelu__act_source_size(void) {
  pthread_once(&once, make_source);
  return source_size;
}
