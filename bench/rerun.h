/* Starting the program again with variables added to its environment, for
 * runtimes (OpenMP) that read their settings as the program loads. */
#ifndef CLRELU_BENCH_RERUN_H
#define CLRELU_BENCH_RERUN_H

/* Replaces the process with /proc/self/exe run with argv and this
 * process's environment plus the "NAME=value" strings of add (a
 * NULL-terminated list; they replace variables of the same names). This
 * process's own environment is left as it is. Returns only if that fails. */
void bench_rerun_with(char *const *argv, const char *const *add);

#endif /* CLRELU_BENCH_RERUN_H */
