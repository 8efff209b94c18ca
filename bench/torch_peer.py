#!/usr/bin/env python3
"""torch as a peer of clrelu-bench, on the same GPU.

clrelu-bench runs this script through popen before its own rounds:

    python3 torch_peer.py --reps R --warmup W [--device-name NAME] [--probe]
        SIZE:OP:LAYOUT:DTYPE:OUTER:CHANNELS:INNER:ALPHA ...

and reads tab-separated lines from its standard output:

    skip   REASON                    torch cannot run here (exit status 0)
    info   VERSION INDEX NAME NOTE   the CUDA device used (cuda:INDEX)
    row    JOB CALLS HOW T1 T2 ...   job JOB (its index among the arguments):
                                     seconds per call, one time per round
                                     (space-separated), CALLS calls a sample,
                                     HOW "graph" or "eager"
    error  JOB MESSAGE               that job could not run

--probe prints the skip or info line only.

Ops, on inputs like clrelu-bench's (uniform in [-1, 1), converted to DTYPE):
  relu                 torch.relu(x)
  leaky_relu           torch.nn.functional.leaky_relu(x, ALPHA)
  relu_backward        torch.ops.aten.threshold_backward(dy, x, 0)
  leaky_relu_backward  torch.ops.aten.leaky_relu_backward(dy, x, ALPHA, False)
  bias_relu            torch.add(x, bias) broadcast over [OUTER][CHANNELS]
                       [INNER], then relu_() in place: two kernels
  bias_leaky_relu      the same with leaky_relu(ALPHA) in place
DTYPE is f32, f16 or bf16.

Timing: CALLS calls of the op are captured back to back in a CUDA graph; a
sample replays the graph between two CUDA events and divides the elapsed time
by CALLS: the GPU's time per call, without Python's or the launches' cost
(eager calls between the events when a capture fails: HOW says which). The
graphs of one size share a memory pool: outputs are never read.
CALLS makes a sample last about 1 ms (1 to 100). As in clrelu-bench, every
round runs each job of one size once, the first job rotating, after WARMUP
untimed rounds.
"""

import argparse
import sys

SKIP = "python3 cannot import a CUDA-enabled torch"


def out(*fields):
    print("\t".join(str(f) for f in fields))


def parse_job(spec):
    f = spec.split(":")
    if len(f) != 8:
        raise ValueError("bad job %r" % spec)
    return {
        "size": int(f[0]),
        "op": f[1],
        "layout": f[2],
        "dtype": f[3],
        "outer": int(f[4]),
        "channels": int(f[5]),
        "inner": int(f[6]),
        "alpha": float(f[7]),
    }


def pick_device(torch, name):
    """The CUDA device whose name matches clrelu's device, else cuda:0."""
    names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    want = name.strip().lower()
    if want:
        for i, n in enumerate(names):
            if n.strip().lower() == want:
                return i, names[i], "named as clrelu's device"
        for i, n in enumerate(names):
            if want in n.lower() or n.strip().lower() in want:
                return i, names[i], "name matches clrelu's device"
        return 0, names[0], "no CUDA device named %r: the first one" % name
    return 0, names[0], "the first CUDA device"


class Job:
    def __init__(self, torch, index, spec, dev, inputs):
        self.index = index
        self.spec = spec
        self.times = []
        self.calls = 1
        self.graph = None
        F = torch.nn.functional
        aten = torch.ops.aten
        n = spec["outer"] * spec["channels"] * spec["inner"]
        x, dy, bias = inputs[spec["dtype"]]
        x, dy = x[:n], dy[:n]
        alpha = spec["alpha"]
        op = spec["op"]
        if op == "relu":
            self.fn = lambda: torch.relu(x)
        elif op == "leaky_relu":
            self.fn = lambda: F.leaky_relu(x, alpha)
        elif op == "relu_backward":
            self.fn = lambda: aten.threshold_backward(dy, x, 0)
        elif op == "leaky_relu_backward":
            self.fn = lambda: aten.leaky_relu_backward(dy, x, alpha, False)
        elif op in ("bias_relu", "bias_leaky_relu"):
            x3 = x.view(spec["outer"], spec["channels"], spec["inner"])
            b2 = bias[: spec["channels"]].view(spec["channels"], 1)
            if alpha == 0:
                self.fn = lambda: torch.add(x3, b2).relu_()
            else:
                self.fn = lambda: F.leaky_relu(torch.add(x3, b2), alpha, True)
        else:
            raise ValueError("no torch counterpart of %s" % op)

    def prepare(self, torch, pool):
        """Warms the op up, picks CALLS and captures the graph."""
        for _ in range(3):
            self.fn()
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        self.fn()
        end.record()
        end.synchronize()
        one = max(start.elapsed_time(end) * 1e-3, 1e-7)
        self.calls = int(min(100, max(1, round(1e-3 / one))))
        try:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(3):
                    self.fn()
            torch.cuda.current_stream().wait_stream(side)
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g, pool=pool):
                for _ in range(self.calls):
                    self.fn()
            self.graph = g
        except Exception as e:  # eager calls instead
            self.graph = None
            print(
                "torch_peer.py: job %d: no CUDA graph (%s); eager calls"
                % (self.index, e),
                file=sys.stderr,
            )
        self.start, self.end = start, end

    def sample(self, torch):
        self.start.record()
        if self.graph is not None:
            self.graph.replay()
        else:
            for _ in range(self.calls):
                self.fn()
        self.end.record()
        self.end.synchronize()
        return self.start.elapsed_time(self.end) * 1e-3 / self.calls


def run_size(torch, dev, size, jobs, reps, warmup):
    dtypes = {
        "f32": torch.float32,
        "f16": torch.float16,
        "bf16": torch.bfloat16,
    }
    gen = torch.Generator(device=dev)
    gen.manual_seed(size)
    inputs = {}
    for name in sorted({spec["dtype"] for _, spec in jobs}):
        n = max(
            s["outer"] * s["channels"] * s["inner"] for _, s in jobs if s["dtype"] == name
        )
        cb = max(s["channels"] for _, s in jobs if s["dtype"] == name)

        def uniform(k, scale):
            u = torch.rand(k, generator=gen, device=dev, dtype=torch.float32)
            return (u.mul_(2).sub_(1).mul_(scale)).to(dtypes[name])

        inputs[name] = (uniform(n, 1.0), uniform(n, 1.0), uniform(cb, 0.5))
    ready = []
    pool = torch.cuda.graph_pool_handle()
    for index, spec in jobs:
        try:
            job = Job(torch, index, spec, dev, inputs)
            job.prepare(torch, pool)
            ready.append(job)
        except Exception as e:
            out("error", index, str(e).replace("\t", " ").replace("\n", " "))
    for r in range(-warmup, reps):
        for i in range(len(ready)):
            job = ready[(i + max(r, 0)) % len(ready)]
            t = job.sample(torch)
            if r >= 0:
                job.times.append(t)
    for job in ready:
        how = "graph" if job.graph is not None else "eager"
        times = " ".join("%.9g" % t for t in job.times)
        out("row", job.index, job.calls, how, times)
    del ready, inputs, pool
    torch.cuda.synchronize()
    torch.cuda.empty_cache()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=11)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--device-name", default="")
    ap.add_argument("--probe", action="store_true")
    ap.add_argument("jobs", nargs="*")
    a = ap.parse_args()
    try:
        import torch
    except Exception:
        out("skip", SKIP)
        return 0
    try:
        cuda = torch.cuda.is_available()
    except Exception:
        cuda = False
    if not cuda:
        out("skip", "%s (torch %s imports; CUDA is not available)" % (SKIP, torch.__version__))
        return 0
    index, name, note = pick_device(torch, a.device_name)
    torch.cuda.set_device(index)
    dev = torch.device("cuda", index)
    out("info", torch.__version__, index, name, note)
    if a.probe:
        return 0
    by_size = {}
    for i, spec in enumerate(a.jobs):
        try:
            job = parse_job(spec)
        except ValueError as e:
            out("error", i, str(e))
            continue
        by_size.setdefault(job["size"], []).append((i, job))
    with torch.no_grad():
        for size in sorted(by_size):
            run_size(torch, dev, size, by_size[size], a.reps, a.warmup)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
