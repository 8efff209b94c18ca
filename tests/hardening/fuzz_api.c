/* libFuzzer harness for the public API. The input is read as a sequence of
 * calls: buffer create (sizes small and huge, bad dtypes, NULL out), views,
 * wraps of whole buffers and of sub-buffers (aliasing across dtypes and
 * contexts), destroy (the slot becomes NULL and later calls pass NULL),
 * writes and reads at any offset, every op at any n with any alpha (NaN,
 * infinities, denormals), in place or aliased, with events, finish, and a
 * context made (also on another's queue) and destroyed under live buffers.
 * Buffers live in a small table; a model of each allocation's bytes (a shadow)
 * and of every check in clrelu.h predicts each call's status, and every
 * successful op is read back and compared with tests/reference.c. A wrong
 * status, a wrong result, a crash or a sanitizer report is a finding. Build:
 * CC=clang cmake -DCLRELU_FUZZ=ON -DCLRELU_SANITIZE=address,undefined */
#include "hcheck.h"
#include "reference.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 8
#define MEMS 24
#define WAITS 12
#define MAX_COUNT 2048

#define REQUIRE(cond, ...)                                                     \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "fuzz_api: %s:%d: ", __FILE__, __LINE__);                \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, "\n(last error: %s)\n", clrelu_last_error());            \
      abort();                                                                 \
    }                                                                          \
  } while (0)

static int trace; /* $FUZZ_API_TRACE: print every call and its status */

#define EXPECT(call, want, what)                                               \
  do {                                                                         \
    clrelu_status got_ = (call);                                               \
    if (trace)                                                                 \
      fprintf(stderr, "%s -> %s\n", what, clrelu_status_string(got_));         \
    REQUIRE(got_ == (want), "%s: got %s, want %s", what,                       \
            clrelu_status_string(got_), clrelu_status_string(want));           \
  } while (0)

/* ---- the input ---- */

typedef struct input {
  const uint8_t *p;
  size_t n, at;
} input;

static unsigned get8(input *in) { return in->at < in->n ? in->p[in->at++] : 0; }
static unsigned get16(input *in) {
  unsigned lo = get8(in);
  return lo | get8(in) << 8;
}
static uint32_t get32(input *in) {
  uint32_t lo = get16(in);
  return lo | (uint32_t)get16(in) << 16;
}

/* ---- contexts: two made once and kept; a third made and destroyed by
 * the input itself (making one takes a while: only in inputs whose first
 * byte is CHURN) ---- */

#define CHURN 0xc7

typedef struct ctx_slot {
  clrelu_context *c; /* NULL: none, or destroyed */
  int gen;           /* which clrelu context */
  int clgen;         /* which OpenCL context */
} ctx_slot;
static ctx_slot ctxs[3];
static int next_gen = 1;
static size_t mem_align = 128; /* CL_DEVICE_MEM_BASE_ADDR_ALIGN in bytes */
static cl_ulong max_alloc;
static int flush_ok;
static int churn;           /* this input may make and destroy ctxs[2] */
static int made_this_input; /* at most one context made per input */
static uint64_t data_rng;

/* ---- memory the harness knows, each with the bytes it should hold ---- */

typedef struct mem_entry {
  cl_mem mem; /* retained by the harness */
  int root;   /* the entry that holds the bytes (itself, or a sub-buffer's
                 parent) */
  size_t origin, bytes; /* within root */
  int clgen;
  unsigned char *shadow; /* roots only */
} mem_entry;
static mem_entry mems[MEMS];
static int nmems;

typedef struct slot {
  clrelu_buffer *b; /* NULL: empty or destroyed */
  int mem;          /* root entry */
  size_t byte_off;  /* of element 0 in the root */
  size_t count;
  clrelu_dtype dtype;
  int gen; /* clrelu context */
} slot;
static slot slots[SLOTS];

static cl_event waits[WAITS];
static int nwaits, waits_gen; /* events of context generation waits_gen */

static int valid_dtype(clrelu_dtype d) {
  return d == CLRELU_F32 || d == CLRELU_F16 || d == CLRELU_BF16;
}

static unsigned char *shadow_at(const slot *s, size_t element) {
  return mems[s->mem].shadow + s->byte_off + element * hc_size(s->dtype);
}

/* ---- choosing values ---- */

static clrelu_dtype pick_dtype(input *in) {
  unsigned v = get8(in);
  /* not a dtype (masks, CLRELU_MASK, are left to test_train) */
  if (v >= 250)
    return (clrelu_dtype)(v == 255 ? -1 : (int)v - 250 + CLRELU_MASK + 1);
  return (clrelu_dtype)(v % 3);
}

/* A count or offset: mostly small, near a given size, sometimes huge. */
static size_t pick_size(input *in, size_t near) {
  unsigned sel = get8(in);
  switch (sel % 8) {
  case 0:
    return get8(in) % 20;
  case 1:
  case 2: { /* near - 2 .. near + 2 */
    unsigned d = get8(in) % 5;
    return d < 2 ? (near > d ? near - 1 - d : 0) : near + (d - 2);
  }
  case 3:
    return near > 0 ? near - 1 - get8(in) % (near < 8 ? near : 8) : 0;
  case 4:
    return sel >= 248 ? SIZE_MAX - get8(in) % 4 : (size_t)get16(in) % 300;
  default:
    return (size_t)get16(in) % (MAX_COUNT + 1);
  }
}

static float pick_alpha(input *in) {
  static const uint32_t bits[] = {0x00000000u,
                                  0x80000000u,
                                  0x3c23d70au /* 0.01 */,
                                  0xbf000000u /* -.5 */,
                                  0x40400000u /* 3 */,
                                  0x00000001u /* smallest denormal */,
                                  0x006ce3eeu /* 1e-38, denormal */,
                                  0x7f7fffffu /* FLT_MAX */,
                                  0x7fc00000u /* NaN */,
                                  0xff800001u /* -NaN, payload */,
                                  0x7f800000u /* inf */,
                                  0xff800000u /* -inf */};
  unsigned v = get8(in);
  uint32_t u = v < 240 ? bits[v % (sizeof bits / sizeof bits[0])] : get32(in);
  float f;
  memcpy(&f, &u, 4);
  return f;
}

/* ---- contexts ---- */

static void context_make(int k) {
  EXPECT(clrelu_context_create(NULL, &ctxs[k].c), CLRELU_SUCCESS,
         "clrelu_context_create");
  ctxs[k].gen = ctxs[k].clgen = next_gen++;
}

static void setup_once(void) {
  static int done;
  if (done)
    return;
  done = 1;
  trace = getenv("FUZZ_API_TRACE") != NULL;
  /* no disk caches: every input sees the same library state */
  setenv("CLRELU_CACHE_DIR", "off", 1);
  context_make(0);
  context_make(1);
  ctxs[2] = (ctx_slot){NULL, 0, 0};
  cl_device_id dev;
  cl_uint bits = 1024;
  cl_device_fp_config cfg = 0;
  clGetCommandQueueInfo(clrelu_context_queue(ctxs[0].c), CL_QUEUE_DEVICE,
                        sizeof dev, &dev, NULL);
  clGetDeviceInfo(dev, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof bits, &bits, NULL);
  clGetDeviceInfo(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc,
                  &max_alloc, NULL);
  clGetDeviceInfo(dev, CL_DEVICE_SINGLE_FP_CONFIG, sizeof cfg, &cfg, NULL);
  mem_align = bits / 8 ? bits / 8 : 1;
  flush_ok = (cfg & CL_FP_DENORM) == 0;
}

/* The context a call names: one of the three, or NULL. */
static const ctx_slot *ctx_arg(input *in) {
  static const ctx_slot none = {NULL, 0, 0};
  unsigned k = get8(in) % 5;
  return k < 3 ? &ctxs[k] : k == 3 ? &ctxs[0] : &none;
}

/* ---- buffers ---- */

static int mem_add(cl_mem mem, int root, size_t origin, size_t bytes,
                   int clgen) {
  if (nmems == MEMS)
    return -1;
  for (int i = 0; i < nmems; ++i)
    if (mems[i].mem == mem)
      return i;
  mem_entry *e = &mems[nmems];
  clRetainMemObject(mem);
  *e = (mem_entry){mem, root < 0 ? nmems : root, origin, bytes, clgen, NULL};
  if (root < 0) {
    e->shadow = calloc(bytes ? bytes : 1, 1);
    REQUIRE(e->shadow, "out of memory");
  }
  return nmems++;
}

static void slot_clear(int i) {
  clrelu_buffer_destroy(slots[i].b);
  memset(&slots[i], 0, sizeof slots[i]);
}

/* Fills [off, off + count) of a slot with fresh data, through the API. */
static void fill(const slot *s, size_t off, size_t count) {
  size_t es = hc_size(s->dtype);
  unsigned char *data = malloc(count * es + 1);
  REQUIRE(data, "out of memory");
  hc_fill(s->dtype, data, count, &data_rng);
  EXPECT(clrelu_buffer_write(s->b, off, count, data), CLRELU_SUCCESS,
         "clrelu_buffer_write (fill)");
  memcpy(shadow_at(s, off), data, count * es);
  free(data);
}

static void do_create(input *in) {
  int i = (int)(get8(in) % SLOTS);
  const ctx_slot *c = ctx_arg(in);
  clrelu_dtype d = pick_dtype(in);
  size_t count = pick_size(in, 64);
  int null_out = get8(in) == 0x5a;
  unsigned big = get8(in);
  if (big >= 252) /* just past the device's largest allocation */
    count = (size_t)(max_alloc / 2) + 1 + (big - 252);
  slot_clear(i);
  clrelu_status want = CLRELU_SUCCESS;
  size_t es = valid_dtype(d) ? hc_size(d) : 0;
  if (!c->c || null_out || !valid_dtype(d) || count == 0)
    want = CLRELU_ERROR_INVALID_ARGUMENT;
  else if (count > SIZE_MAX / es || count * es > max_alloc)
    want = CLRELU_ERROR_OUT_OF_MEMORY;
  else if (nmems == MEMS)
    return; /* the table is full: make nothing */
  clrelu_buffer *b = (clrelu_buffer *)&slots[i]; /* any non-NULL value */
  EXPECT(clrelu_buffer_create(c->c, d, count, null_out ? NULL : &b), want,
         "clrelu_buffer_create");
  if (want != CLRELU_SUCCESS) {
    REQUIRE(null_out || b == NULL, "a failed create left a handle");
    return;
  }
  size_t off;
  cl_mem mem = clrelu_buffer_mem(b, &off);
  REQUIRE(mem && off == 0, "a new buffer's cl_mem");
  int m = mem_add(mem, -1, 0, count * es, c->clgen);
  slots[i] = (slot){b, m, 0, count, d, c->gen};
  fill(&slots[i], 0, count);
}

static void do_view(input *in) {
  int i = (int)(get8(in) % SLOTS), p = (int)(get8(in) % (SLOTS + 1));
  const slot *ps = p < SLOTS ? &slots[p] : NULL;
  size_t pc = ps && ps->b ? ps->count : 16;
  size_t off = pick_size(in, pc / 2), count = pick_size(in, pc - off);
  int null_out = get8(in) == 0x5a;
  slot parent = ps ? *ps : (slot){0};
  if (i != p)
    slot_clear(i);
  clrelu_status want = CLRELU_SUCCESS;
  if (!parent.b || null_out || count == 0)
    want = CLRELU_ERROR_INVALID_ARGUMENT;
  else if (off > parent.count || count > parent.count - off)
    want = CLRELU_ERROR_OUT_OF_RANGE;
  clrelu_buffer *v = (clrelu_buffer *)&slots[i];
  EXPECT(clrelu_buffer_view(parent.b, off, count, null_out ? NULL : &v), want,
         "clrelu_buffer_view");
  if (want != CLRELU_SUCCESS) {
    REQUIRE(null_out || v == NULL, "a failed view left a handle");
    return;
  }
  if (i == p)
    slot_clear(i); /* the view outlives its parent */
  slots[i] = parent;
  slots[i].b = v;
  slots[i].byte_off += off * hc_size(parent.dtype);
  slots[i].count = count;
}

/* Wraps a known cl_mem (a buffer's, or a sub-buffer made here). */
static void do_wrap(input *in) {
  int i = (int)(get8(in) % SLOTS);
  const ctx_slot *c = ctx_arg(in);
  unsigned sel = get8(in);
  clrelu_dtype d = pick_dtype(in);
  if (nmems == 0)
    return;
  int m = (int)(sel % (unsigned)nmems);
  if (sel >= 128 && mems[m].root == m && nmems < MEMS) {
    /* a sub-buffer of root m at an aligned origin */
    size_t units = mems[m].bytes / mem_align;
    size_t origin = units ? (get8(in) % (units + 1)) * mem_align : 0;
    if (origin >= mems[m].bytes)
      origin = 0;
    size_t size = 1 + get16(in) % (mems[m].bytes - origin);
    cl_buffer_region region = {origin, size};
    cl_int err;
    cl_mem sub = clCreateSubBuffer(mems[m].mem, CL_MEM_READ_WRITE,
                                   CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
    REQUIRE(sub, "clCreateSubBuffer: %d", (int)err);
    int s = mem_add(sub, m, origin, size, mems[m].clgen);
    clReleaseMemObject(sub); /* the table holds it */
    if (s < 0)
      return;
    m = s;
  }
  const mem_entry *e = &mems[m];
  size_t es = valid_dtype(d) ? hc_size(d) : 1;
  size_t count = pick_size(in, e->bytes / es);
  int null_out = get8(in) == 0x5a;
  slot_clear(i);
  clrelu_status want = CLRELU_SUCCESS;
  if (!c->c || null_out || !valid_dtype(d) || count == 0)
    want = CLRELU_ERROR_INVALID_ARGUMENT;
  else if (e->clgen != c->clgen)
    want = CLRELU_ERROR_CONTEXT_MISMATCH;
  else if (count > e->bytes / es)
    want = CLRELU_ERROR_OUT_OF_RANGE;
  clrelu_buffer *b = (clrelu_buffer *)&slots[i];
  EXPECT(clrelu_buffer_wrap(c->c, e->mem, d, count, null_out ? NULL : &b), want,
         "clrelu_buffer_wrap");
  if (want != CLRELU_SUCCESS) {
    REQUIRE(null_out || b == NULL, "a failed wrap left a handle");
    return;
  }
  slots[i] = (slot){b, e->root, e->origin, count, d, c->gen};
}

static void do_write(input *in, int write) {
  int i = (int)(get8(in) % (SLOTS + 1));
  slot *s = i < SLOTS ? &slots[i] : NULL;
  size_t sc = s && s->b ? s->count : 16;
  size_t off = pick_size(in, sc / 3), count = pick_size(in, sc - off);
  int null_host = get8(in) == 0x5a;
  clrelu_status want = CLRELU_SUCCESS;
  if (!s || !s->b || (null_host && count > 0))
    want = CLRELU_ERROR_INVALID_ARGUMENT;
  else if (off > s->count || count > s->count - off)
    want = CLRELU_ERROR_OUT_OF_RANGE;
  size_t es = s && s->b ? hc_size(s->dtype) : 4;
  size_t room = want == CLRELU_SUCCESS ? count : 4; /* host array, + guard */
  unsigned char *host = malloc(room * es + 8);
  REQUIRE(host, "out of memory");
  hc_fill(s && s->b ? s->dtype : CLRELU_F32, host, room, &data_rng);
  memset(host + room * es, 0xa5, 8);
  const char *what = write ? "clrelu_buffer_write" : "clrelu_buffer_read";
  if (write)
    EXPECT(clrelu_buffer_write(s ? s->b : NULL, off, count,
                               null_host ? NULL : host),
           want, what);
  else
    EXPECT(clrelu_buffer_read(s ? s->b : NULL, off, count,
                              null_host ? NULL : host),
           want, what);
  for (int g = 0; g < 8; ++g)
    REQUIRE(host[room * es + (size_t)g] == 0xa5, "%s wrote past the end", what);
  if (want == CLRELU_SUCCESS && count > 0) {
    if (write) {
      memcpy(shadow_at(s, off), host, count * es);
    } else {
      for (size_t k = 0; k < count; ++k)
        REQUIRE(hc_same(s->dtype, host, shadow_at(s, off), k, flush_ok),
                "read: element %zu of [%zu, +%zu) of slot %d differs", k, off,
                count, i);
    }
  }
  free(host);
}

/* Whether the first na elements of a and nb of b share bytes; *same when
 * they are exactly the same elements. */
static int overlaps(const slot *a, size_t na, const slot *b, size_t nb,
                    int *same) {
  *same = 0;
  if (a->mem != b->mem)
    return 0;
  size_t a0 = a->byte_off, a1 = a0 + na * hc_size(a->dtype);
  size_t b0 = b->byte_off, b1 = b0 + nb * hc_size(b->dtype);
  if (a1 <= b0 || b1 <= a0)
    return 0;
  *same = a0 == b0 && na == nb;
  return 1;
}

/* The status clrelu.h promises for an op (inputs first, output last). */
static clrelu_status op_status(enum hc_op op, const ctx_slot *c,
                               const slot *in[2], int nin, const slot *out,
                               size_t n, size_t outer, size_t channels,
                               size_t inner, float alpha, int bad_wait) {
  if (!c->c)
    return CLRELU_ERROR_INVALID_ARGUMENT;
  if (nin == 2 && !in[1] && hc_bias_optional(op))
    nin = 1; /* no bias: the activation alone */
  for (int i = 0; i < nin; ++i)
    if (!in[i])
      return CLRELU_ERROR_INVALID_ARGUMENT;
  if (!out || bad_wait || !hc_param_ok(op, alpha))
    return CLRELU_ERROR_INVALID_ARGUMENT;
  for (int i = 0; i < nin; ++i)
    if (in[i]->gen != c->gen)
      return CLRELU_ERROR_CONTEXT_MISMATCH;
  if (out->gen != c->gen)
    return CLRELU_ERROR_CONTEXT_MISMATCH;
  for (int i = 0; i < nin; ++i)
    if (in[i]->dtype != out->dtype)
      return CLRELU_ERROR_DTYPE_MISMATCH;
  int same;
  if (!hc_is_bias(op)) {
    if (n == 0)
      return CLRELU_SUCCESS;
    for (int i = 0; i < nin; ++i)
      if (in[i]->count < n)
        return CLRELU_ERROR_OUT_OF_RANGE;
    if (out->count < n)
      return CLRELU_ERROR_OUT_OF_RANGE;
    for (int i = 0; i < nin; ++i)
      if (overlaps(in[i], n, out, n, &same) && !same)
        return CLRELU_ERROR_INVALID_ARGUMENT;
    return CLRELU_SUCCESS;
  }
  if (outer == 0 || channels == 0 || inner == 0)
    return CLRELU_SUCCESS;
  if (channels > SIZE_MAX / outer || inner > SIZE_MAX / (outer * channels))
    return CLRELU_ERROR_OUT_OF_RANGE;
  size_t total = outer * channels * inner;
  /* in[0] is x, in[1] the bias */
  if (in[0]->count < total || (nin > 1 && in[1]->count < channels) ||
      out->count < total)
    return CLRELU_ERROR_OUT_OF_RANGE;
  if (overlaps(in[0], total, out, total, &same) && !same)
    return CLRELU_ERROR_INVALID_ARGUMENT;
  if (nin > 1 && overlaps(in[1], channels, out, total, &same))
    return CLRELU_ERROR_INVALID_ARGUMENT;
  return CLRELU_SUCCESS;
}

static const slot *slot_arg(input *in) {
  unsigned i = get8(in) % (SLOTS + 1);
  return i < SLOTS && slots[i].b ? &slots[i] : NULL;
}

/* A call's status against the model's, and its done event: set on
 * success (an empty call's too: a marker's), NULL on failure. */
static void check_outcome(const char *what, clrelu_status got,
                          clrelu_status want, int use_ev, cl_event *done) {
  if (trace)
    fprintf(stderr, "%s -> %s\n", what, clrelu_status_string(got));
  REQUIRE(got == want, "%s: got %s, want %s", what, clrelu_status_string(got),
          clrelu_status_string(want));
  if (!use_ev)
    return;
  if (got == CLRELU_SUCCESS) {
    REQUIRE(*done != NULL && *done != (cl_event)done, "%s: no done event",
            what);
    REQUIRE(clWaitForEvents(1, done) == CL_SUCCESS, "%s: done event", what);
    clReleaseEvent(*done);
  } else {
    REQUIRE(*done == NULL, "%s: a failed op left a done event", what);
  }
}

static void do_op(input *in) {
  enum hc_op op = (enum hc_op)(get8(in) % HC_NOPS);
  const ctx_slot *c = ctx_arg(in);
  const slot *x = slot_arg(in), *a = slot_arg(in), *y = slot_arg(in);
  float alpha = pick_alpha(in);
  unsigned evmode = get8(in) % 8;
  size_t yc = y ? y->count : 32;
  size_t n = pick_size(in, yc), outer = 0, channels = 0, inner = 0;
  if (hc_is_bias(op)) {
    unsigned shape = get8(in);
    channels = shape & 1 ? 1 : 1 + get8(in) % 40;
    inner = shape & 2 ? 1 : 1 + get8(in) % 40;
    outer = pick_size(in, yc / (channels * inner));
    if (shape >= 250) /* the product overflows */
      channels = SIZE_MAX / 2 + shape - 249;
    n = outer && channels && inner && channels <= SIZE_MAX / outer &&
                inner <= SIZE_MAX / (outer * channels)
            ? outer * channels * inner
            : 0;
  }
  /* events: none; a done event; waits (on this context's queue) */
  cl_event done = (cl_event)&done;
  clrelu_events ev = {0, NULL, NULL};
  int use_ev = evmode >= 4, bad_wait = evmode == 7;
  if (use_ev) {
    ev.done = evmode == 6 ? NULL : &done;
    if (bad_wait) {
      ev.num_wait = 1 + get8(in) % 3; /* with no list: INVALID_ARGUMENT */
    } else if (evmode == 5 && c->c) {
      if (waits_gen != c->gen) {
        for (int k = 0; k < nwaits; ++k)
          clReleaseEvent(waits[k]);
        nwaits = 0;
        waits_gen = c->gen;
      }
      while (nwaits < WAITS &&
             clEnqueueMarkerWithWaitList(clrelu_context_queue(c->c), 0, NULL,
                                         &waits[nwaits]) == CL_SUCCESS)
        ++nwaits;
      ev.num_wait = 1 + get8(in) % WAITS; /* past 7: clrelu allocates */
      ev.wait = waits;
    }
  }
  /* the inputs in clrelu's order: x; dy, x; or x, bias */
  const slot *ins[2] = {x, NULL};
  int nin = hc_binary(op) ? 2 : 1;
  if (!hc_is_bias(op) && hc_binary(op)) {
    ins[0] = a;
    ins[1] = x;
  } else if (hc_is_bias(op)) {
    ins[1] = a;
  }
  clrelu_status want =
      op_status(op, c, ins, nin, y, n, outer, channels, inner, alpha, bad_wait);
  /* the expected output, from the inputs as they are now */
  unsigned char *expect = NULL, *xs_copy = NULL;
  size_t es = y ? hc_size(y->dtype) : 4;
  if (want == CLRELU_SUCCESS && n > 0) {
    size_t na = hc_is_bias(op) ? channels : n;
    unsigned char *xs = malloc(n * es), *as = malloc(na * es + 1);
    expect = malloc(n * es);
    REQUIRE(xs && as && expect, "out of memory");
    memcpy(xs, shadow_at(x, 0), n * es);
    if (hc_binary(op) && a)
      memcpy(as, shadow_at(a, 0), na * es);
    hc_expect(op, y->dtype, a ? as : NULL, xs, expect, n, channels, inner,
              alpha);
    xs_copy = xs;
    free(as);
  }
  char what[160];
  snprintf(what, sizeof what, "%s n=%zu (%zux%zux%zu) alpha=%g ev=%u",
           hc_op_names[op], n, outer, channels, inner, (double)alpha, evmode);
  clrelu_status got =
      hc_call(c->c, op, a ? a->b : NULL, x ? x->b : NULL, y ? y->b : NULL, n,
              outer, channels, inner, alpha, use_ev ? &ev : NULL);
  check_outcome(what, got, want, use_ev && ev.done, &done);
  if (expect) {
    unsigned char *back = malloc(n * es);
    REQUIRE(back, "out of memory");
    EXPECT(clrelu_buffer_read(y->b, 0, n, back), CLRELU_SUCCESS,
           "read after op");
    for (size_t k = 0; k < n; ++k)
      REQUIRE(hc_same(y->dtype, back, expect, k, flush_ok),
              "%s: element %zu is %a, the reference %a (x %a)", what, k,
              (double)hc_load(y->dtype, back, k),
              (double)hc_load(y->dtype, expect, k),
              (double)hc_load(y->dtype, xs_copy, k));
    /* the device's own bits: a NaN's payload (any NaN will do) matters
     * once other views read these bytes as another dtype */
    memcpy(shadow_at(y, 0), back, n * es);
    free(back);
    free(expect);
  }
  free(xs_copy);
}

/* ---- the training passes, with masks in a table of their own (the mask
 * dtype's buffer rules are test_train's) ---- */

#define MASKS 3

typedef struct mask_slot {
  clrelu_buffer *b; /* NULL: none */
  int gen;          /* clrelu context */
  size_t count;     /* bits */
  uint32_t *words;  /* the model: ceil(count / 32) words */
} mask_slot;
static mask_slot masks[MASKS];

static size_t words_of(size_t bits) { return bits / 32 + (bits % 32 != 0); }

static void mask_clear(int i) {
  clrelu_buffer_destroy(masks[i].b);
  free(masks[i].words);
  memset(&masks[i], 0, sizeof masks[i]);
}

static void mask_make(input *in) {
  int i = (int)(get8(in) % MASKS);
  const ctx_slot *c = &ctxs[get8(in) % 2];
  size_t count = 1 + pick_size(in, 64) % 4096;
  mask_clear(i);
  mask_slot *m = &masks[i];
  m->words = malloc(words_of(count) * sizeof *m->words);
  REQUIRE(m->words, "out of memory");
  for (size_t w = 0; w < words_of(count); ++w)
    m->words[w] = (uint32_t)hc_rand(&data_rng);
  EXPECT(clrelu_buffer_create(c->c, CLRELU_MASK, count, &m->b), CLRELU_SUCCESS,
         "clrelu_buffer_create (mask)");
  EXPECT(clrelu_buffer_write(m->b, 0, count, m->words), CLRELU_SUCCESS,
         "clrelu_buffer_write (mask)");
  m->gen = c->gen;
  m->count = count;
}

/* The mask holds what the model says, every word. */
static void mask_check(const mask_slot *m, const char *what) {
  uint32_t *got = malloc(words_of(m->count) * sizeof *got);
  REQUIRE(got, "out of memory");
  EXPECT(clrelu_buffer_read(m->b, 0, m->count, got), CLRELU_SUCCESS,
         "clrelu_buffer_read (mask)");
  for (size_t w = 0; w < words_of(m->count); ++w)
    REQUIRE(got[w] == m->words[w], "%s: mask word %zu is %08x, want %08x", what,
            w, (unsigned)got[w], (unsigned)m->words[w]);
  free(got);
}

/* The training passes, and PReLU's backward pass with its slope gradient
 * (the same sweep; the slopes in place of the bias, required). */
enum { T_MASK, T_BACKWARD_MASK, T_BACKWARD_INPUT, T_PRELU_BACKWARD, T_OPS };

/* What a training call is given: data slots, the mask (a mask slot, seen
 * through a view words_in words in; or a data slot given as the mask). */
typedef struct train_args {
  int op;
  const slot *x, *bias, *y; /* T_MASK: x, bias, y; else dy, x, bias, dx;
                               PReLU: bias holds the slopes */
  const slot *dy, *dbias;
  const mask_slot *mask;
  const slot *data_mask; /* a data slot passed as the mask */
  size_t words_in;       /* the view's first word */
  size_t mask_count;     /* the view's bits */
  int kind;
  float alpha;
  size_t outer, channels, inner;
} train_args;

/* The status clrelu.h promises (src/train.c's and src/prelu.c's order of
 * checks). */
static clrelu_status train_status(const ctx_slot *c, const train_args *t) {
  const int backward = t->op != T_MASK, prelu = t->op == T_PRELU_BACKWARD;
  const int has_mask = t->op == T_MASK || t->op == T_BACKWARD_MASK;
  const int has_x = t->op == T_BACKWARD_INPUT || prelu;
  if (!prelu && (t->kind >= REF_NACTS ||
                 !hc_param_ok((enum hc_op)(HC_BIAS + 1 + t->kind), t->alpha)))
    return CLRELU_ERROR_INVALID_ARGUMENT;
  if (has_mask && !t->mask && !t->data_mask)
    return CLRELU_ERROR_INVALID_ARGUMENT;
  /* clrelu__check_call: ctx, inputs, output, then contexts and dtypes */
  const slot *ins[3];
  int nin = 0;
  if (t->op == T_MASK) {
    ins[nin++] = t->x;
    if (t->bias)
      ins[nin++] = t->bias;
  } else {
    ins[nin++] = t->dy;
    if (has_x) {
      ins[nin++] = t->x;
      if (t->bias || prelu)
        ins[nin++] = t->bias;
    }
  }
  if (!c->c)
    return CLRELU_ERROR_INVALID_ARGUMENT;
  for (int i = 0; i < nin; ++i)
    if (!ins[i])
      return CLRELU_ERROR_INVALID_ARGUMENT;
  if (!t->y)
    return CLRELU_ERROR_INVALID_ARGUMENT;
  for (int i = 0; i < nin; ++i)
    if (ins[i]->gen != c->gen)
      return CLRELU_ERROR_CONTEXT_MISMATCH;
  if (t->y->gen != c->gen)
    return CLRELU_ERROR_CONTEXT_MISMATCH;
  for (int i = 0; i < nin; ++i)
    if (ins[i]->dtype != t->y->dtype)
      return CLRELU_ERROR_DTYPE_MISMATCH;
  if (has_mask) { /* the mask's context, then its dtype */
    int mgen = t->mask ? t->mask->gen : t->data_mask->gen;
    if (mgen != c->gen)
      return CLRELU_ERROR_CONTEXT_MISMATCH;
    if (!t->mask)
      return CLRELU_ERROR_DTYPE_MISMATCH;
  }
  const size_t outer = t->outer, channels = t->channels, inner = t->inner;
  if (!backward && (outer == 0 || channels == 0 || inner == 0))
    return CLRELU_SUCCESS;
  if (backward) {
    if (t->dbias && t->dbias->gen != c->gen)
      return CLRELU_ERROR_CONTEXT_MISMATCH;
    if (t->dbias && t->dbias->dtype != CLRELU_F32)
      return CLRELU_ERROR_DTYPE_MISMATCH;
    const int empty = outer == 0 || inner == 0;
    if (channels == 0 || (empty && !t->dbias))
      return CLRELU_SUCCESS;
    if (t->dbias && t->dbias->count < channels)
      return CLRELU_ERROR_OUT_OF_RANGE;
    if (empty)
      return CLRELU_SUCCESS;
  }
  if (channels > SIZE_MAX / outer || inner > SIZE_MAX / (outer * channels))
    return CLRELU_ERROR_OUT_OF_RANGE;
  const size_t total = outer * channels * inner;
  /* clrelu__check_channels: src (x, or dy from the mask), bias, out */
  const slot *src = t->op == T_BACKWARD_MASK ? t->dy : t->x;
  const slot *bias = t->op == T_BACKWARD_MASK ? NULL : t->bias;
  int same;
  if (src->count < total || (bias && bias->count < channels) ||
      t->y->count < total)
    return CLRELU_ERROR_OUT_OF_RANGE;
  if (overlaps(src, total, t->y, total, &same) && !same)
    return CLRELU_ERROR_INVALID_ARGUMENT;
  if (bias && overlaps(bias, channels, t->y, total, &same))
    return CLRELU_ERROR_INVALID_ARGUMENT;
  if (backward) {
    if (t->dy->count < total)
      return CLRELU_ERROR_OUT_OF_RANGE;
    if (overlaps(t->dy, total, t->y, total, &same) && !same)
      return CLRELU_ERROR_INVALID_ARGUMENT;
  }
  if (has_mask && t->mask_count < total)
    return CLRELU_ERROR_OUT_OF_RANGE;
  if (backward && t->dbias) {
    const slot *other[] = {t->dy, has_x ? t->x : NULL, bias, t->y};
    const size_t counts[] = {total, total, channels, total};
    for (int i = 0; i < 4; ++i)
      if (other[i] && overlaps(t->dbias, channels, other[i], counts[i], &same))
        return CLRELU_ERROR_INVALID_ARGUMENT;
  }
  return CLRELU_SUCCESS;
}

/* Element e's value as float32 from a copy of a slot's bytes. */
static float *floats_of(const slot *s, size_t n) {
  float *f = malloc((n ? n : 1) * sizeof *f);
  REQUIRE(f, "out of memory");
  for (size_t k = 0; k < n; ++k)
    f[k] = hc_load(s->dtype, shadow_at(s, 0), k);
  return f;
}

/* The reference results of a successful call with elements, into the
 * model: y or dx (rounded to the dtype), the mask words, dbias. */
static void train_expect(const train_args *t, enum ref_act act) {
  const size_t n = t->outer * t->channels * t->inner, nc = t->channels;
  const clrelu_dtype d = t->y->dtype;
  float *bf = t->bias ? floats_of(t->bias, nc) : NULL;
  if (t->op == T_MASK) {
    float *xf = floats_of(t->x, n), *yf = malloc(n * sizeof *yf);
    REQUIRE(yf, "out of memory");
    ref_bias_act_array(xf, bf, yf, t->outer, nc, t->inner, act, t->alpha);
    ref_bias_act_mask(xf, bf, t->mask->words + t->words_in, t->outer, nc,
                      t->inner, act, t->alpha);
    for (size_t k = 0; k < n; ++k)
      hc_store(d, shadow_at(t->y, 0), k, yf[k]);
    free(xf), free(yf), free(bf);
    return;
  }
  float *dyf = floats_of(t->dy, n), *terms = malloc(n * sizeof *terms);
  float *xf = t->op != T_BACKWARD_MASK ? floats_of(t->x, n) : NULL;
  REQUIRE(terms, "out of memory");
  const uint32_t *mw = t->mask ? t->mask->words + t->words_in : NULL;
  for (size_t o = 0, e = 0; o < t->outer; ++o)
    for (size_t c = 0; c < nc; ++c)
      for (size_t i = 0; i < t->inner; ++i, ++e)
        terms[e] =
            t->op == T_PRELU_BACKWARD /* bf: the slopes */
                ? ref_prelu_backward(dyf[e], xf[e], bf[c])
                : mw ? ref_backward_mask(act, t->alpha,
                                         (int)((mw[e / 32] >> (e % 32)) & 1u),
                                         dyf[e])
                     : ref_bias_act_backward(
                           act, t->alpha, bf ? xf[e] + bf[c] : xf[e], dyf[e]);
  if (t->dbias) { /* PReLU's sums dy * x, the others dx */
    float *sums = malloc(nc * sizeof *sums);
    REQUIRE(sums, "out of memory");
    if (t->op == T_PRELU_BACKWARD)
      ref_prelu_dslope(dyf, xf, t->outer, nc, t->inner, sums);
    else
      ref_channel_sums(terms, t->outer, nc, t->inner, sums);
    for (size_t c = 0; c < nc; ++c)
      hc_store(CLRELU_F32, shadow_at(t->dbias, 0), c, sums[c]);
    free(sums);
  }
  for (size_t k = 0; k < n; ++k)
    hc_store(d, shadow_at(t->y, 0), k, terms[k]);
  free(dyf), free(xf), free(terms), free(bf);
}

/* Compares a slot's first n elements with the model. */
static void slot_check(const slot *s, size_t n, const char *what) {
  unsigned char *got = malloc(n * hc_size(s->dtype) + 1);
  REQUIRE(got, "out of memory");
  EXPECT(clrelu_buffer_read(s->b, 0, n, got), CLRELU_SUCCESS, what);
  for (size_t k = 0; k < n; ++k)
    REQUIRE(hc_same(s->dtype, got, shadow_at(s, 0), k, flush_ok),
            "%s: element %zu is %a, the model %a", what, k,
            (double)hc_load(s->dtype, got, k),
            (double)hc_load(s->dtype, shadow_at(s, 0), k));
  /* the device's own bits (a NaN's payload) from here on */
  memcpy(shadow_at(s, 0), got, n * hc_size(s->dtype));
  free(got);
}

static void do_train(input *in) {
  unsigned sel = get8(in);
  if (sel % (T_OPS + 1) == 0) {
    mask_make(in);
    return;
  }
  train_args t = {0};
  t.op = (int)(sel % (T_OPS + 1)) - 1;
  const ctx_slot *c = ctx_arg(in);
  const slot *a = slot_arg(in), *b = slot_arg(in), *o = slot_arg(in);
  const slot *g = slot_arg(in), *bias = slot_arg(in);
  unsigned msel = get8(in) % (MASKS + 2), wsel = get8(in) % 3;
  t.kind = (int)(get8(in) % (REF_NACTS + 1));
  t.alpha = pick_alpha(in);
  int use_ev = get8(in) & 1;
  size_t yc = o ? o->count : 32;
  unsigned shape = get8(in);
  t.channels = shape & 1 ? 1 : 1 + get8(in) % 40;
  t.inner = shape & 2 ? 1 : 1 + get8(in) % 40;
  t.outer = pick_size(in, yc / (t.channels * t.inner));
  if (shape >= 250) /* the product overflows */
    t.channels = SIZE_MAX / 2 + shape - 249;
  if (t.op == T_MASK) {
    t.x = a, t.bias = b, t.y = o;
  } else {
    t.dy = a, t.y = o, t.dbias = g;
    if (t.op == T_BACKWARD_INPUT || t.op == T_PRELU_BACKWARD)
      t.x = b, t.bias = bias;
  }
  clrelu_buffer *mview = NULL;
  const mask_slot *ms = msel < MASKS && masks[msel].b ? &masks[msel] : NULL;
  if (t.op == T_BACKWARD_INPUT || t.op == T_PRELU_BACKWARD) {
    /* no mask: ms is checked to be untouched */
  } else if (ms && wsel * 32 < ms->count) {
    t.mask = ms;
    t.words_in = wsel;
    t.mask_count = ms->count - wsel * 32;
    EXPECT(clrelu_buffer_view(ms->b, wsel * 32, t.mask_count, &mview),
           CLRELU_SUCCESS, "clrelu_buffer_view (mask)");
  } else if (msel == MASKS + 1) {
    t.data_mask = a;
  }
  clrelu_buffer *mbuf = t.mask ? mview : t.data_mask ? t.data_mask->b : NULL;
  clrelu_status want = train_status(c, &t);
  cl_event done = (cl_event)&done;
  clrelu_events ev = {0, NULL, &done};
  const clrelu_events *evp = use_ev ? &ev : NULL;
  const clrelu_act act = {(clrelu_act_kind)t.kind, t.alpha, 0.0f};
  static const char *const names[] = {"bias_act_mask", "act_backward_mask",
                                      "bias_act_backward", "prelu_backward"};
  char what[160];
  snprintf(what, sizeof what, "%s %zux%zux%zu kind %d alpha %g", names[t.op],
           t.outer, t.channels, t.inner, t.kind, (double)t.alpha);
  clrelu_buffer *bb = t.bias ? t.bias->b : NULL;
  clrelu_buffer *gb = t.dbias ? t.dbias->b : NULL;
  clrelu_buffer *yb = t.y ? t.y->b : NULL;
  clrelu_status got =
      t.op == T_MASK
          ? clrelu_bias_act_mask_ev(c->c, t.x ? t.x->b : NULL, bb, yb, mbuf,
                                    t.outer, t.channels, t.inner, &act, evp)
      : t.op == T_BACKWARD_MASK
          ? clrelu_act_backward_mask_ev(c->c, t.dy ? t.dy->b : NULL, mbuf, yb,
                                        gb, t.outer, t.channels, t.inner, &act,
                                        evp)
      : t.op == T_BACKWARD_INPUT
          ? clrelu_bias_act_backward_ev(c->c, t.dy ? t.dy->b : NULL,
                                        t.x ? t.x->b : NULL, bb, yb, gb,
                                        t.outer, t.channels, t.inner, &act, evp)
          : clrelu_prelu_backward_ev(c->c, t.dy ? t.dy->b : NULL,
                                     t.x ? t.x->b : NULL, bb, yb, gb, t.outer,
                                     t.channels, t.inner, evp);
  check_outcome(what, got, want, use_ev, &done);
  const size_t n = got == CLRELU_SUCCESS && t.outer && t.channels && t.inner
                       ? t.outer * t.channels * t.inner
                       : 0;
  if (got == CLRELU_SUCCESS && t.op != T_MASK && t.dbias && t.channels &&
      n == 0) /* channels without elements: +0.0 */
    for (size_t k = 0; k < t.channels; ++k)
      hc_store(CLRELU_F32, shadow_at(t.dbias, 0), k, 0.0f);
  if (n > 0)
    train_expect(&t, (enum ref_act)t.kind);
  if (got == CLRELU_SUCCESS && t.y && n > 0)
    slot_check(t.y, n, what);
  if (got == CLRELU_SUCCESS && t.dbias && t.channels && t.op != T_MASK)
    slot_check(t.dbias, t.channels, what);
  if (ms)
    mask_check(ms, what);
  clrelu_buffer_destroy(mview);
}

static void do_finish(input *in) {
  const ctx_slot *c = ctx_arg(in);
  EXPECT(clrelu_finish(c->c),
         c->c ? CLRELU_SUCCESS : CLRELU_ERROR_INVALID_ARGUMENT,
         "clrelu_finish");
}

/* Makes the third context (plainly, or on the queue of one of the others,
 * sharing its OpenCL context), or destroys it under its live buffers. */
static void do_context(input *in) {
  unsigned v = get8(in);
  if (!churn)
    return;
  if (ctxs[2].c) { /* buffers made on it keep working */
    clrelu_context_destroy(ctxs[2].c);
    ctxs[2].c = NULL;
    return;
  }
  if (made_this_input++)
    return;
  const ctx_slot *other = &ctxs[v & 1];
  if (v & 2) {
    EXPECT(clrelu_context_create_from_queue(clrelu_context_queue(other->c),
                                            &ctxs[2].c),
           CLRELU_SUCCESS, "clrelu_context_create_from_queue");
    ctxs[2].clgen = other->clgen;
  } else {
    EXPECT(clrelu_context_create(NULL, &ctxs[2].c), CLRELU_SUCCESS,
           "clrelu_context_create");
    ctxs[2].clgen = next_gen;
  }
  ctxs[2].gen = next_gen++;
}

/* Every live buffer holds what the model says. */
static void check_all(void) {
  for (int i = 0; i < SLOTS; ++i) {
    const slot *s = &slots[i];
    if (!s->b)
      continue;
    size_t es = hc_size(s->dtype);
    unsigned char *got = malloc(s->count * es);
    REQUIRE(got, "out of memory");
    EXPECT(clrelu_buffer_read(s->b, 0, s->count, got), CLRELU_SUCCESS,
           "clrelu_buffer_read (check)");
    for (size_t k = 0; k < s->count; ++k)
      REQUIRE(hc_same(s->dtype, got, shadow_at(s, 0), k, flush_ok),
              "slot %d element %zu of %zu differs from the model", i, k,
              s->count);
    free(got);
  }
}

static void teardown(void) {
  check_all();
  for (int i = 0; i < SLOTS; ++i)
    slot_clear(i);
  for (int i = 0; i < MASKS; ++i)
    mask_clear(i);
  for (int k = 0; k < nwaits; ++k)
    clReleaseEvent(waits[k]);
  nwaits = 0;
  for (int m = 0; m < nmems; ++m) {
    clReleaseMemObject(mems[m].mem);
    free(mems[m].shadow);
  }
  nmems = 0;
  clrelu_context_destroy(ctxs[2].c);
  ctxs[2].c = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  setup_once();
  churn = size > 0 && data[0] == CHURN;
  made_this_input = 0;
  input in = {data, size, 0};
  data_rng = 0x5eed;
  for (int ops = 0; in.at < in.n && ops < 64; ++ops) {
    switch (get8(&in) % 16) {
    case 0:
    case 1:
    case 2:
      do_create(&in);
      break;
    case 3:
      do_view(&in);
      break;
    case 4:
      do_wrap(&in);
      break;
    case 5:
      slot_clear((int)(get8(&in) % SLOTS));
      break;
    case 6:
      do_write(&in, 1);
      break;
    case 7:
      do_write(&in, 0);
      break;
    case 12:
      do_train(&in);
      break;
    case 13:
      do_finish(&in);
      break;
    case 14:
      check_all();
      break;
    case 15:
      do_context(&in);
      break;
    default:
      do_op(&in);
      break;
    }
  }
  teardown();
  return 0;
}
