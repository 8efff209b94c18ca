#!/usr/bin/env python3
# Writes the seed corpus of tests/hardening/fuzz_api (tests/hardening/corpus):
# small hand-made call sequences in the harness's input format (see the
# decoders in fuzz_api.c: one opcode byte, then each call's arguments).
#   python3 tests/hardening/make_seeds.py tests/hardening/corpus
import os, sys
out = sys.argv[1]
def size(n):            # pick_size "default" case: exact n <= 2048
    return [5, n & 0xff, n >> 8]
def small(n):           # pick_size case 0: n < 20
    return [0, n]
def create(slot, ctx, dtype, n, null=0, big=0):
    return [0, slot, ctx, dtype] + size(n) + [null, big]
def view(dst, parent, off, n):
    return [3, dst, parent] + size(off) + size(n) + [0]
def op(kind, ctx, x, a, y, alpha, ev, n, bias=None, waits=None):
    b = [8, kind, ctx, x, a, y, alpha, ev] + n
    if bias is not None: b += bias
    if waits is not None: b += [waits]
    return b
def mask(slot, ctx, n):  # a mask slot of n + 1 bits
    return [12, 0, slot, ctx] + size(n)
def train(op, ctx, a, b, y, g, bias, m, words, kind, alpha, ev, shape):
    # op 0: bias_act_mask (x a, bias b), 1: act_backward_mask (dy a),
    # 2: bias_act_backward (dy a, x b, bias), 3: prelu_backward (dy a, x b,
    # slopes in bias); 8: no slot; m: mask slot, 3 none, 4 the data slot a
    # as the mask; words: the mask view's offset
    return [12, op + 1, ctx, a, b, y, g, bias, m, words, kind, alpha, ev] + shape
def planes(c, i, outer): return [0, c - 1, i - 1] + size(outer)
def rows(c, outer): return [2, c - 1] + size(outer)
def write(slot, off, n, null=0): return [6, slot] + off + n + [null]
def read(slot, off, n, null=0): return [7, slot] + off + n + [null]
F32, F16, BF16 = 0, 1, 2
RELU, DERIV, LEAKY, RBWD, LBWD, BIAS = range(6)
A0, AM0, A001, AMH, A3, ADEN, ADEN2, AMAX, ANAN, ANNAN, AINF, AMINF = range(12)
IDENT, ARELU, ALEAKY, ACLIP, ATHRESH = range(5)
seeds = {
 "basic-f32": create(0,0,F32,100) + create(1,0,F32,100) + create(2,0,F32,100)
   + op(RELU,0,0,0,1,A0,0,size(100)) + read(1,small(0),size(100))
   + op(LEAKY,0,1,1,1,ANAN,0,size(100))            # NaN alpha: invalid
   + op(LEAKY,0,1,1,1,A001,4,size(100))            # in place, done event
   + op(RBWD,0,0,2,2,A0,0,size(100))               # dx is dy
   + op(LBWD,0,0,2,1,ADEN,4,size(99))
   + op(DERIV,0,0,0,0,A0,0,size(101))              # n too large
   + [13, 0],
 "views-16bit-bias": create(0,0,F16,500) + create(1,0,F16,40) + create(4,0,BF16,300)
   + view(2,0,3,200) + view(3,0,250,200)
   + op(BIAS,0,2,1,3,AMH,5,small(0),[0,9,4]+small(4),9)    # planes 4x10x5, waits
   + op(BIAS,0,2,1,3,A0,4,small(0),[2,19]+small(10))       # rows 10x20x1
   + op(BIAS,0,2,1,2,A3,0,small(0),[3]+size(200))          # one channel, in place
   + view(5,0,100,200) + op(RELU,0,2,2,5,A0,0,size(200))   # partial overlap
   + op(LEAKY,0,4,4,4,AM0,6,size(300)) + read(4,small(7),size(290))
   + op(RBWD,0,4,4,4,A0,0,size(300))
   + op(LBWD,0,2,3,3,A001,5,size(150),None,11),
 "wrap-subbuffer": create(0,0,F32,1000) + create(6,1,F32,64)
   + [4, 1, 0, 128, F16, 1, 0x58, 0x02] + size(200) + [0]   # sub-buffer at 128 B, as F16
   + [4, 2, 1, 0, F32] + size(10) + [0]                      # wrap into ctx1: mismatch
   + [4, 3, 0, 0, BF16] + size(2000) + [0]                   # the whole mem as BF16
   + op(RELU,0,1,1,1,A0,0,size(200))
   + op(LEAKY,0,3,3,3,A3,0,size(2000))
   + op(RELU,0,3,1,1,A0,0,size(200))                         # dtype mismatch
   + op(RELU,0,0,0,6,A0,0,size(64))                          # context mismatch
   + read(0,small(0),size(1000)),
 "context-churn": [0xc7, 0, 0, 0, 0, 0, 0]                 # first byte 0xc7: contexts may be made
   + [15, 0x02]                                              # ctx 2 on ctx 0's queue
   + create(0,2,F32,64) + create(1,2,F32,64)
   + [4, 2, 2, 0, F32] + size(64) + [0]                      # wrap slot 0's cl_mem in ctx 2
   + op(RELU,2,0,0,2,A0,4,size(64))                          # in place through the wrap
   + [15, 0]                                                 # destroy ctx 2 under its buffers
   + write(0,small(1),size(60)) + read(0,small(0),size(64))
   + op(RELU,2,0,0,1,A0,0,size(64))                          # NULL ctx
   + op(RELU,0,0,0,1,A0,0,size(64))                          # other ctx
   + op(RELU,0,2,2,2,A0,0,size(64)) + [13, 2] + [13, 4],
 "bad-args": create(0,0,250,10) + create(0,0,255,10) + create(0,0,F32,0)
   + [0, 1, 0, F32, 252, 3, 0, 252]                          # past the largest allocation
   + [0, 2, 0, F32, 252, 3, 0x5a, 0]                         # NULL out
   + create(3,0,F32,50) + view(4,3,40,20) + view(4,3,30,20)
   + write(3,small(0),size(51)) + read(3,small(0),small(5),0x5a)
   + read(8,small(0),small(1)) + write(3,small(10),small(0),0x5a)
   + op(BIAS,0,3,3,4,A0,0,small(0),[250,5]+small(3))        # outer*channels overflows
   + op(BIAS,0,3,3,3,A0,7,small(0),[3]+size(50),2)          # num_wait without a list
   + op(LEAKY,0,3,3,3,AINF,0,size(50)) + op(LEAKY,0,3,3,3,ADEN2,0,size(50))
   + op(LBWD,0,3,8,3,AMAX,0,size(50)) + [13, 4],
}
seeds["training"] = (create(0,0,F32,600) + create(1,0,F32,8) + create(2,0,F32,600)
   + create(3,0,F32,8) + create(4,0,F16,600) + create(5,0,F16,8) + create(6,0,F16,600)
   + mask(0,0,700) + mask(1,0,2000)
   + train(0,0,0,1,2,8,8,0,0,ARELU,A0,1,planes(8,5,15))       # forward, NCHW
   + train(1,0,2,8,0,3,8,0,0,ARELU,A0,0,planes(8,5,15))       # from the mask
   + train(2,0,2,0,2,3,1,0,0,ALEAKY,A001,1,rows(8,75))        # from x, in place
   + train(0,0,0,1,2,8,8,1,1,ACLIP,A3,0,rows(8,75))           # a view a word in
   + train(1,0,6,8,4,3,8,1,1,ACLIP,A3,1,rows(8,75))           # F16, dbias F32
   + train(0,0,4,5,6,8,8,0,2,ATHRESH,A001,1,planes(8,5,15))   # F16 forward
   + train(0,0,0,1,2,8,8,4,0,ARELU,A0,0,planes(8,5,15))       # data as the mask
   + train(1,0,2,8,0,5,8,0,0,ARELU,A0,0,planes(8,5,15))       # dbias not F32
   + train(1,0,2,8,0,3,8,0,0,ARELU,A0,0,planes(8,5,20))       # mask too short
   + train(2,0,2,0,2,3,1,0,0,5,A0,0,rows(8,75))               # not a kind
   + train(3,0,2,0,2,3,1,3,0,0,A0,1,planes(8,5,15))           # PReLU, dx is dy
   + train(3,0,6,4,6,3,5,3,0,0,A0,0,rows(8,75))               # F16 PReLU
   + train(3,0,2,0,2,8,8,3,0,0,A0,0,rows(8,75))               # no slopes
   + [14])
os.makedirs(out, exist_ok=True)
for name, b in seeds.items():
    assert all(0 <= v < 256 for v in b), name
    open(os.path.join(out, "seed-" + name), "wb").write(bytes(b))
    print(name, len(b))
