/* The references that set the memory limit: host copies and oneDNN. */
#ifndef CLRELU_BENCH_PEERS_H
#define CLRELU_BENCH_PEERS_H

#include <stddef.h>

/* Two threads for the two-thread copies: the caller and one helper, which
 * sleeps between jobs. */
typedef struct host_team host_team;

/* Returns 0, or -1 after printing why. */
int team_create(host_team **out);
void team_destroy(host_team *t);

/* Copies n floats with two threads: streaming (non-temporal) stores with
 * the widest instructions the CPU has, the destination's unaligned head
 * peeled first; or a plain loop. */
void copy_stream2(host_team *t, float *dst, const float *src, size_t n);
void copy_plain2(host_team *t, float *dst, const float *src, size_t n);
/* The instructions copy_stream2 uses here: "avx", "sse2" or "plain". */
const char *copy_stream_isa(void);

/* oneDNN's eltwise ReLU forward on host arrays (1-D f32 tensors), with its
 * own threads. Absent when the bench was built without oneDNN. */
typedef struct dnnl_peer dnnl_peer;

/* 0 with *out set; 0 with *out NULL when oneDNN is not built in or has no
 * CPU engine (why is in *why); -1 after printing an error. */
int dnnl_peer_create(dnnl_peer **out, const char **why);
void dnnl_peer_destroy(dnnl_peer *p);
/* oneDNN's version, "" when absent. */
const char *dnnl_peer_version(const dnnl_peer *p);
/* oneDNN's primitives the benchmark compares with, in the order of their
 * paths (P_DNNL_RELU ...). */
enum { DNNL_RELU, DNNL_LEAKY, DNNL_CLIP, DNNL_NPRIMS };
/* Makes the primitives for src -> dst over n elements: ReLU (alpha 0),
 * Leaky ReLU (alpha) and clip to [0, 6] (ReLU6). Returns 0, or -1 after
 * printing why. */
int dnnl_peer_prepare(dnnl_peer *p, const float *src, float *dst, size_t n,
                      float alpha);
/* Runs primitive which (DNNL_*) and waits. Returns 0 or -1. */
int dnnl_peer_run(dnnl_peer *p, int which);

#endif /* CLRELU_BENCH_PEERS_H */
