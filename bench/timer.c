/* Clocks and order statistics for clrelu-bench. */
#include "timer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_sleep_ms(double ms) {
  if (ms <= 0)
    return;
  struct timespec ts;
  ts.tv_sec = (time_t)(ms / 1000.0);
  ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000.0) * 1e6);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_percentile(const double *v, int n, double p) {
  double stack[64];
  double *s = n <= 64 ? stack : malloc(sizeof *s * (size_t)n);
  if (!s) /* no memory for a copy: the first sample will do */
    return v[0];
  memcpy(s, v, sizeof *s * (size_t)n);
  qsort(s, (size_t)n, sizeof *s, cmp_double);
  double pos = p * (double)(n - 1);
  int i = (int)pos;
  double frac = pos - (double)i;
  double r = i + 1 < n ? s[i] + (s[i + 1] - s[i]) * frac : s[i];
  if (s != stack)
    free(s);
  return r;
}

double bench_median(const double *v, int n) {
  return bench_percentile(v, n, 0.5);
}

double bench_min(const double *v, int n) {
  double m = v[0];
  for (int i = 1; i < n; ++i)
    if (v[i] < m)
      m = v[i];
  return m;
}
