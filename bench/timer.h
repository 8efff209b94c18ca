/* Clocks and order statistics for clrelu-bench. */
#ifndef CLRELU_BENCH_TIMER_H
#define CLRELU_BENCH_TIMER_H

/* Seconds on a monotonic clock. */
double bench_now(void);

/* Sleeps about ms milliseconds (the idle gap between timed paths). */
void bench_sleep_ms(double ms);

/* Order statistics of v[0..n) (n > 0); v is not changed. p in [0, 1],
 * interpolated between neighbours. */
double bench_percentile(const double *v, int n, double p);
double bench_median(const double *v, int n);
double bench_min(const double *v, int n);

#endif /* CLRELU_BENCH_TIMER_H */
