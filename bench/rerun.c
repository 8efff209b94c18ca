/* Starting the program again with variables added to its environment. */
#include "rerun.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* Whether entry ("NAME=value") sets a variable that one of add sets. */
static int replaced(const char *entry, const char *const *add) {
  for (; *add; ++add) {
    size_t len = strcspn(*add, "=");
    if (strncmp(entry, *add, len) == 0 && entry[len] == '=')
      return 1;
  }
  return 0;
}

void bench_rerun_with(char *const *argv, const char *const *add) {
  size_t n = 0, k = 0;
  while (environ[n])
    ++n;
  while (add[k])
    ++k;
  const char **envp = malloc((n + k + 1) * sizeof *envp);
  if (!envp)
    return;
  size_t m = 0;
  for (size_t i = 0; i < n; ++i)
    if (!replaced(environ[i], add))
      envp[m++] = environ[i];
  for (size_t i = 0; i < k; ++i)
    envp[m++] = add[i];
  envp[m] = NULL;
  execve("/proc/self/exe", argv, (char *const *)envp);
  free(envp);
}
