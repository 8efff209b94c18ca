/* torch as a peer: runs bench/torch_peer.py through popen and reads its
 * lines back. */
#include "torch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SKIP_MSG "python3 cannot import a CUDA-enabled torch"
/* Linux takes at most 128 KiB in one argument */
#define CMD_MAX ((size_t)120 * 1024)

int torch_has_op(op_id op) { return op != OP_NONE && op != OP_RELU_DERIVATIVE; }

/* A growing string. */
typedef struct sbuf {
  char *s;
  size_t len, cap;
  int failed;
} sbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
sb_printf(sbuf *b, const char *fmt, ...) {
  if (b->failed)
    return;
  va_list ap, again;
  va_start(ap, fmt);
  va_copy(again, ap);
  int k = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  size_t need = k < 0 ? 0 : b->len + (size_t)k + 1;
  if (k >= 0 && need > b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 4096;
    while (cap < need)
      cap *= 2;
    char *s = realloc(b->s, cap);
    if (s) {
      b->s = s;
      b->cap = cap;
    }
  }
  if (k < 0 || need > b->cap)
    b->failed = 1;
  else
    b->len += (size_t)vsnprintf(b->s + b->len, b->cap - b->len, fmt, again);
  va_end(again);
}

/* s in single quotes for sh. */
static void sb_quote(sbuf *b, const char *s) {
  sb_printf(b, "'");
  for (; *s; ++s) {
    if (*s == '\'')
      sb_printf(b, "'\\''");
    else
      sb_printf(b, "%c", *s);
  }
  sb_printf(b, "'");
}

/* $CLRELU_BENCH_TORCH_PEER, the script in the source tree, or the copy
 * beside the executable; NULL when none is readable. */
static const char *script_path(char *buf, size_t len) {
  const char *env = getenv("CLRELU_BENCH_TORCH_PEER");
  if (env && *env)
    return env;
#ifdef CLRELU_BENCH_TORCH_SCRIPT
  if (access(CLRELU_BENCH_TORCH_SCRIPT, R_OK) == 0)
    return CLRELU_BENCH_TORCH_SCRIPT;
#endif
  static const char name[] = "/torch_peer.py";
  ssize_t k = readlink("/proc/self/exe", buf, len - 1);
  if (k <= 0)
    return NULL;
  buf[k] = '\0';
  char *slash = strrchr(buf, '/');
  if (!slash || (size_t)(slash - buf) + sizeof name > len)
    return NULL;
  memcpy(slash, name, sizeof name);
  return access(buf, R_OK) == 0 ? buf : NULL;
}

/* The next tab-separated field of *p (NUL-terminated in place). */
static char *field(char **p) {
  char *s = *p;
  if (!s)
    return NULL;
  char *tab = strchr(s, '\t');
  if (tab) {
    *tab = '\0';
    *p = tab + 1;
  } else {
    *p = NULL;
  }
  return s;
}

/* One "row" line: JOB CALLS HOW T1 T2 ... */
static void parse_row(char *rest, torch_job *jobs, int njobs, int reps) {
  char *end;
  char *f = field(&rest);
  long j = f ? strtol(f, &end, 10) : -1;
  if (j < 0 || j >= njobs)
    return;
  torch_job *job = &jobs[j];
  if ((f = field(&rest)) != NULL)
    job->calls = (int)strtol(f, &end, 10);
  if ((f = field(&rest)) != NULL)
    job->eager = strcmp(f, "eager") == 0;
  job->nt = 0;
  for (char *p = rest; p && *p && job->nt < reps;) {
    double t = strtod(p, &end);
    if (end == p)
      break;
    if (t > 0)
      job->t[job->nt++] = t;
    p = end;
  }
}

int torch_run(const bench_options *o, const char *device, int is_gpu,
              torch_job *jobs, int njobs, char *note, size_t note_len) {
  char pathbuf[4096];
  const char *script = script_path(pathbuf, sizeof pathbuf);
  if (!script) {
    snprintf(note, note_len,
             "skipped (torch_peer.py not found; "
             "$CLRELU_BENCH_TORCH_PEER names it)");
    return 0;
  }
  int probe = !is_gpu || njobs == 0;
  sbuf cmd = {NULL, 0, 0, 0};
  sb_printf(&cmd, "command -v python3 >/dev/null 2>&1 || exit 127; "
                  "exec python3 ");
  sb_quote(&cmd, script);
  sb_printf(&cmd, " --reps %d --warmup %d --device-name ", o->reps, o->warmup);
  sb_quote(&cmd, device);
  if (probe)
    sb_printf(&cmd, " --probe");
  else
    for (int i = 0; i < njobs; ++i) {
      const op_shape *s = &jobs[i].shape;
      sb_printf(&cmd, " %zu:%s:%s:%s:%zu:%zu:%zu:%.9g", jobs[i].size,
                bench_op_names[s->op],
                s->layout == LAY_NONE ? "" : bench_layout_names[s->layout],
                bench_dtype_names[s->dtype], s->outer, s->channels, s->inner,
                (double)s->alpha);
    }
  if (cmd.failed) {
    free(cmd.s);
    snprintf(note, note_len, "skipped (out of memory)");
    return 0;
  }
  if (cmd.len > CMD_MAX) { /* sh -c takes it as one argument */
    free(cmd.s);
    snprintf(note, note_len,
             "skipped (%d jobs make too long a command; fewer sizes or ops)",
             njobs);
    return 0;
  }
  fflush(NULL);
  FILE *p = popen(cmd.s, "r");
  free(cmd.s);
  if (!p) {
    snprintf(note, note_len, "skipped (popen: %s)", strerror(errno));
    return 0;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t k;
  char skip[256] = "", version[64] = "", name[160] = "", how[160] = "";
  int info = 0;
  while ((k = getline(&line, &cap, p)) > 0) {
    while (k > 0 && (line[k - 1] == '\n' || line[k - 1] == '\r'))
      line[--k] = '\0';
    char *rest = line;
    char *kind = field(&rest);
    if (!strcmp(kind, "skip")) {
      char *why = field(&rest);
      snprintf(skip, sizeof skip, "%s", why ? why : SKIP_MSG);
    } else if (!strcmp(kind, "info")) {
      char *v = field(&rest), *idx = field(&rest), *n = field(&rest),
           *h = field(&rest);
      snprintf(version, sizeof version, "%s", v ? v : "?");
      snprintf(name, sizeof name, "%s (cuda:%s)", n ? n : "?", idx ? idx : "?");
      snprintf(how, sizeof how, "%s", h ? h : "");
      info = 1;
    } else if (!strcmp(kind, "row")) {
      parse_row(rest, jobs, njobs, o->reps);
    } else if (!strcmp(kind, "error")) {
      char *j = field(&rest), *msg = field(&rest);
      fprintf(stderr, "clrelu-bench: torch peer, job %s: %s\n", j ? j : "?",
              msg ? msg : "");
    }
  }
  free(line);
  int st = pclose(p);
  int code = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  if (code == 127 && !info && !skip[0]) {
    snprintf(note, note_len, "skipped (%s: no python3 on the PATH)", SKIP_MSG);
    return 0;
  }
  if (skip[0]) {
    snprintf(note, note_len, "skipped (%s)", skip);
    return 0;
  }
  if (!info) {
    snprintf(note, note_len,
             "skipped (torch_peer.py exited with status %d, saying nothing; "
             "its messages are on stderr)",
             code);
    return 0;
  }
  if (!is_gpu) {
    snprintf(note, note_len,
             "skipped (torch %s sees %s, but clrelu's device is not a GPU)",
             version, name);
    return 0;
  }
  if (probe) {
    snprintf(note, note_len, "skipped (no op with a torch counterpart)");
    return 0;
  }
  int timed = 0, eager = 0;
  for (int i = 0; i < njobs; ++i) {
    timed += jobs[i].nt > 0;
    eager += jobs[i].nt > 0 && jobs[i].eager;
  }
  if (timed == 0) {
    snprintf(note, note_len,
             "failed (torch %s on %s: no job timed, exit status %d; its "
             "messages are on stderr)",
             version, name, code);
    return 0;
  }
  char eager_note[64] = "";
  if (eager)
    snprintf(eager_note, sizeof eager_note, "; %d of them eager (no graph)",
             eager);
  snprintf(note, note_len, "%s on %s, %s; %d of %d jobs timed%s", version, name,
           how, timed, njobs, eager_note);
  if (code != 0)
    fprintf(stderr, "clrelu-bench: torch_peer.py exited with status %d\n",
            code);
  return 1;
}
