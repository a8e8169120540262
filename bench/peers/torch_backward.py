#!/usr/bin/python3
"""PyTorch's CPU autograd of attention, backward only, for bench/backward.mjs.

Usage: python3 bench/peers/torch_backward.py '{"B":1,"H":8,"S":1024,"D":64,"causal":false,"threads":1}'
Builds softmax(q kᵀ / √D [+ causal mask]) v in float32 with autograd once, prints {"ready": true, "torch": version},
then for each line "n" on stdin runs out.backward(dOut) n times on the retained graph (the probabilities
are saved, as autograd keeps them) and prints {"times": [ms, ...]}.
"""
import json
import math
import sys
import time

import torch

spec = json.loads(sys.argv[1])
torch.set_num_threads(spec["threads"])
torch.manual_seed(0)
B, H, S, D = spec["B"], spec["H"], spec["S"], spec["D"]
q = (torch.rand(B, H, S, D) * 2 - 1).requires_grad_()
k = (torch.rand(B, H, S, D) * 2 - 1).requires_grad_()
v = (torch.rand(B, H, S, D) * 2 - 1).requires_grad_()
d_out = torch.rand(B, H, S, D) * 2 - 1
s = (q @ k.transpose(-1, -2)) * (1 / math.sqrt(D))
if spec["causal"]:
    s = s.masked_fill(~torch.ones(S, S, dtype=torch.bool).tril(), float("-inf"))
out = torch.softmax(s, dim=-1) @ v


def step():
    q.grad = k.grad = v.grad = None
    out.backward(d_out, retain_graph=True)


step()
print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
for line in sys.stdin:
    times = []
    for _ in range(int(line)):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"times": times}), flush=True)
