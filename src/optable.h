/* The table of ops: every list of ops in the library, its kernels, its tests,
 * the benchmark and clrelu-tune is generated from these rows. It is plain
 * preprocessor text, so the kernel source (kernels/ *.cl) includes it too.
 *
 * Elementwise ops, X(C, ID, name, inputs, param, out, bits16):
 *   C       whatever the caller passes through (see below)
 *   ID      upper-case id: K_<ID> (kernels), OP_<ID> (CPU, benchmark),
 *           REF_<ID> (tests)
 *   name    the public names clrelu_<name>, clrelu_<name>_ev,
 *           clrelu_cpu_<name>, clrelu_cpu_<name>_16; the kernels
 *           clrelu_<name>, clrelu_<name>_f16, clrelu_<name>_bf16; the
 *           reference ref_<name> in tests/reference.c
 *   inputs  1: x; 2: dy, x (a backward pass)
 *   param   NONE, or one float parameter: ALPHA (finite), CAP (> 0, +inf
 *           allowed; NaN refused) or THETA (finite); the CPU functions of
 *           rows with CAP or THETA return a status (the older ones, with
 *           NONE or ALPHA, return nothing)
 *   out     the output's name in messages
 *   bits16  1: on 16-bit data the result is an input, 0, 1 or NaN, so the
 *           op works on the bits; 0: in float32, rounded once
 * The expressions behind a row: OPF_<ID> (float32) and OPB_<ID> or OPH_<ID>
 * (16-bit, by bits16) in kernels/common.cl, E_<ID> (and E16_<ID> where
 * bits16) in src/cpu.c.
 *
 * Activations of the fused bias ops, X(C, ID, name, param), one row per
 * clrelu_act_kind, in its order (CLRELU_ACT_<ID>): the kernels
 * clrelu_bias_<name>_rows / _planes (+ dtype suffix), K_BIAS_<ID>_ROWS /
 * _PLANES; the expressions ACTF_<ID>(t) / ACTH_<ID>(t, D) in
 * kernels/common.cl and ACT_<ID>(t) in cpu.c. clrelu_bias_relu picks RELU
 * for alpha == 0, else LEAKY_RELU.
 *
 * C lets one X be used with several contexts (an instruction set, a prefix);
 * callers with nothing to pass give 0. */
#ifndef CLRELU_OPTABLE_H
#define CLRELU_OPTABLE_H

#define CLRELU_ELTWISE_OPS(X, C)                                               \
  X(C, RELU, relu, 1, NONE, y, 1)                                              \
  X(C, RELU_DERIVATIVE, relu_derivative, 1, NONE, d, 1)                        \
  X(C, LEAKY_RELU, leaky_relu, 1, ALPHA, y, 0)                                 \
  X(C, RELU_BACKWARD, relu_backward, 2, NONE, dx, 1)                           \
  X(C, LEAKY_RELU_BACKWARD, leaky_relu_backward, 2, ALPHA, dx, 0)              \
  X(C, CLIPPED_RELU, clipped_relu, 1, CAP, y, 0)                               \
  X(C, CLIPPED_RELU_BACKWARD, clipped_relu_backward, 2, CAP, dx, 0)            \
  X(C, THRESHOLDED_RELU, thresholded_relu, 1, THETA, y, 0)                     \
  X(C, THRESHOLDED_RELU_BACKWARD, thresholded_relu_backward, 2, THETA, dx, 0)

#define CLRELU_BIAS_ACTS(X, C)                                                 \
  X(C, IDENTITY, identity, NONE)                                               \
  X(C, RELU, relu, NONE)                                                       \
  X(C, LEAKY_RELU, leaky_relu, ALPHA)                                          \
  X(C, CLIPPED_RELU, clipped_relu, CAP)                                        \
  X(C, THRESHOLDED_RELU, thresholded_relu, THETA)

/* Ops with one parameter per channel (PReLU's slopes), on the layout of the
 * bias ops, X(C, ID, name, inputs, arrays): the kernels clrelu_<name>_rows /
 * _planes (+ dtype suffix), K_<ID>_ROWS / _PLANES, with the expression
 * SLOPE_<ID>(D) in kernels/bias_relu.cl. inputs: 1 (x) or 2 (dy, x);
 * arrays: channel arrays, 1 (the slopes) or 2 (the biases, then the
 * slopes). */
#define CLRELU_SLOPE_OPS(X, C)                                                 \
  X(C, PRELU, prelu, 1, 1)                                                     \
  X(C, BIAS_PRELU, bias_prelu, 1, 2)                                           \
  X(C, PRELU_BACKWARD, prelu_backward, 2, 1)

/* Reductions in the fixed order (kernels/reduce.cl), X(C, ID, name): the
 * kernels clrelu_<name> (+ dtype suffix), K_<ID>. */
#define CLRELU_REDUCTIONS(X, C) X(C, SUM_BLOCKS, sum_blocks)

/* The backward sweeps (kernels/train.cl), X(C, ID, name): the kernels
 * clrelu_<name>_blocks / _columns (+ dtype suffix), K_<ID>_BLOCKS /
 * _COLUMNS: dx and the first level of a fixed-order channel sum, dbias's
 * from the forward mask or from the forward input, or PReLU's dslope. */
#define CLRELU_TRAIN_BACKWARDS(X, C)                                           \
  X(C, ACT_BACKWARD_MASK, act_backward_mask)                                   \
  X(C, BIAS_ACT_BACKWARD, bias_act_backward)                                   \
  X(C, PRELU_BACKWARD, prelu_backward)

/* By column value. Inputs: declarations of pointers to T, the arguments
 * (dy is left out of unary calls), and the first and second input of a
 * loop over two arrays (a, b). */
#define CLRELU_IN_DECL_1(T) const T *x
#define CLRELU_IN_DECL_2(T) const T *dy, const T *x
#define CLRELU_IN_ARGS_1(dy, x) x
#define CLRELU_IN_ARGS_2(dy, x) dy, x
#define CLRELU_IN_A_1(dy, x) x
#define CLRELU_IN_A_2(dy, x) dy
#define CLRELU_IN_B_1(dy, x) NULL
#define CLRELU_IN_B_2(dy, x) x
/* Parameters: the trailing declaration (always named alpha inside the
 * library), the trailing argument, the value (0 for NONE), whether there is
 * one, its kind as a number (CLRELU_PARAM_KIND_*, for run-time checks),
 * whether the row's float32 CPU function returns a status, and a typical
 * value (what the benchmark and the tools run with). */
#define CLRELU_PARAM_DECL_NONE
#define CLRELU_PARAM_DECL_ALPHA , float alpha
#define CLRELU_PARAM_DECL_CAP , float alpha
#define CLRELU_PARAM_DECL_THETA , float alpha
#define CLRELU_PARAM_ARG_NONE(p)
#define CLRELU_PARAM_ARG_ALPHA(p) , p
#define CLRELU_PARAM_ARG_CAP(p) , p
#define CLRELU_PARAM_ARG_THETA(p) , p
#define CLRELU_PARAM_VALUE_NONE(p) 0.0f
#define CLRELU_PARAM_VALUE_ALPHA(p) p
#define CLRELU_PARAM_VALUE_CAP(p) p
#define CLRELU_PARAM_VALUE_THETA(p) p
#define CLRELU_PARAM_HAS_NONE 0
#define CLRELU_PARAM_HAS_ALPHA 1
#define CLRELU_PARAM_HAS_CAP 1
#define CLRELU_PARAM_HAS_THETA 1
#define CLRELU_PARAM_KIND_NONE 0
#define CLRELU_PARAM_KIND_ALPHA 1
#define CLRELU_PARAM_KIND_CAP 2
#define CLRELU_PARAM_KIND_THETA 3
#define CLRELU_PARAM_STATUS_NONE 0
#define CLRELU_PARAM_STATUS_ALPHA 0
#define CLRELU_PARAM_STATUS_CAP 1
#define CLRELU_PARAM_STATUS_THETA 1
#define CLRELU_PARAM_TYPICAL_NONE 0.0f
#define CLRELU_PARAM_TYPICAL_ALPHA 0.01f
#define CLRELU_PARAM_TYPICAL_CAP 6.0f
#define CLRELU_PARAM_TYPICAL_THETA 1.0f
/* X(...) where a flag is 1 (WHEN) or 0 (UNLESS). */
#define CLRELU_WHEN_0(x)
#define CLRELU_WHEN_1(x) x
#define CLRELU_UNLESS_0(x) x
#define CLRELU_UNLESS_1(x)
/* The same for a flag that is itself a macro (expanded first). */
#define CLRELU_WHEN(flag, x) CLRELU_WHEN_I_(flag, x)
#define CLRELU_WHEN_I_(flag, x) CLRELU_WHEN_##flag(x)
#define CLRELU_UNLESS(flag, x) CLRELU_UNLESS_I_(flag, x)
#define CLRELU_UNLESS_I_(flag, x) CLRELU_UNLESS_##flag(x)

#endif
