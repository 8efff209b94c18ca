/* A small pool of worker threads for the CPU ops. Workers are started once,
 * on first use, and sleep on a condition variable between jobs, so a call
 * costs a wake-up rather than a thread creation. One job runs at a time;
 * a caller that finds the pool busy does its job alone. */
#include "internal.h"

#include <pthread.h>
#include <unistd.h>

#define MAX_WORKERS 63

static struct {
  pthread_mutex_t mu;
  pthread_cond_t go, done;
  pthread_mutex_t busy; /* held by the caller whose job runs */
  int workers;          /* started */
  unsigned long generation;
  int pending; /* workers yet to finish this generation */
  clrelu_piece_fn fn;
  void *arg;
  int n;     /* pieces in the job */
  int taken; /* pieces 1 .. taken - 1 go to workers 1 .. taken - 1 */
} pool = {PTHREAD_MUTEX_INITIALIZER,
          PTHREAD_COND_INITIALIZER,
          PTHREAD_COND_INITIALIZER,
          PTHREAD_MUTEX_INITIALIZER,
          0,
          0,
          0,
          NULL,
          NULL,
          0,
          0};

int clrelu__cores(void) {
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  return c > 0 ? (int)c : 1;
}

static void *worker(void *arg) {
  const int id = *(const int *)arg; /* 1 .. workers */
  unsigned long seen = 0;
  pthread_mutex_lock(&pool.mu);
  for (;;) {
    while (pool.generation == seen)
      pthread_cond_wait(&pool.go, &pool.mu);
    seen = pool.generation;
    if (id < pool.taken) {
      clrelu_piece_fn fn = pool.fn;
      void *a = pool.arg;
      int n = pool.n;
      pthread_mutex_unlock(&pool.mu);
      fn(a, id, n);
      pthread_mutex_lock(&pool.mu);
    }
    if (--pool.pending == 0)
      pthread_cond_signal(&pool.done);
  }
  return NULL;
}

static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static void start_workers(void) {
  int want = clrelu__cores() - 1;
  if (want > MAX_WORKERS)
    want = MAX_WORKERS;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  static int ids[MAX_WORKERS + 1];
  for (int i = 1; i <= want; ++i) {
    pthread_t t;
    ids[i] = i;
    if (pthread_create(&t, &attr, worker, &ids[i]) != 0)
      break;
    pool.workers = i; /* before any job: no lock needed */
  }
  pthread_attr_destroy(&attr);
}

void clrelu__parallel(clrelu_piece_fn fn, void *arg, int n) {
  if (n > 1) {
    pthread_once(&start_once, start_workers);
    if (pool.workers > 0 && pthread_mutex_trylock(&pool.busy) == 0) {
      pthread_mutex_lock(&pool.mu);
      int on_workers = n - 1 < pool.workers ? n - 1 : pool.workers;
      pool.fn = fn;
      pool.arg = arg;
      pool.n = n;
      pool.taken = on_workers + 1;
      pool.pending = pool.workers;
      ++pool.generation;
      pthread_cond_broadcast(&pool.go);
      pthread_mutex_unlock(&pool.mu);
      fn(arg, 0, n);
      /* pieces the workers cannot take (more pieces than workers) */
      for (int k = on_workers + 1; k < n; ++k)
        fn(arg, k, n);
      pthread_mutex_lock(&pool.mu);
      while (pool.pending > 0)
        pthread_cond_wait(&pool.done, &pool.mu);
      pthread_mutex_unlock(&pool.mu);
      pthread_mutex_unlock(&pool.busy);
      return;
    }
  }
  for (int k = 0; k < n; ++k)
    fn(arg, k, n);
}

void clrelu__piece_range(size_t total, int k, int n, size_t *p0, size_t *p1) {
  size_t per = (total / (size_t)n + 15) & ~(size_t)15;
  *p0 = per * (size_t)k;
  *p1 = k + 1 == n ? total : *p0 + per;
  if (*p0 > total)
    *p0 = total;
  if (*p1 > total)
    *p1 = total;
}
