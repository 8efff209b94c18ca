/* torch as a peer on the same GPU: bench/torch_peer.py, run through popen
 * before clrelu's rounds, times torch's ops with CUDA events and prints one
 * line per job (see the script for the protocol). */
#ifndef CLRELU_BENCH_TORCH_H
#define CLRELU_BENCH_TORCH_H

#include "bench.h"

typedef struct torch_job {
  size_t size; /* the requested size */
  op_shape shape;
  double *t; /* seconds per call, [reps], round order */
  int nt;
  int calls; /* calls per sample */
  int eager; /* timed with eager calls (no CUDA graph) */
} torch_job;

/* Whether torch has a counterpart of op (relu_derivative has none). */
int torch_has_op(op_id op);

/* Runs the peer over jobs[0..njobs) with o->reps rounds after o->warmup,
 * filling their times. device: clrelu's device name (the peer picks the
 * CUDA device of that name); is_gpu: whether clrelu's device is a GPU (if
 * not, torch is only probed). note gets what ran ("torch 2.3.1 on ...") or
 * why not ("skipped (...)"). Returns 1 when times came back, 0 when the
 * peer was skipped or failed (note says why; the bench goes on). */
int torch_run(const bench_options *o, const char *device, int is_gpu,
              torch_job *jobs, int njobs, char *note, size_t note_len);

#endif /* CLRELU_BENCH_TORCH_H */
