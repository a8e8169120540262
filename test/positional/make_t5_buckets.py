# Writes t5-buckets.torch.json: HF T5's _relative_position_bucket (copied from transformers'
# modeling_t5.py, float32 torch arithmetic) for r in -300..300. Run with Debian's /usr/bin/python3
# (apt-get install python3-torch): /usr/bin/python3 test/positional/make_t5_buckets.py
import json, math, os
import torch

def relative_position_bucket(relative_position, bidirectional=True, num_buckets=32, max_distance=128):
    relative_buckets = 0
    if bidirectional:
        num_buckets //= 2
        relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    relative_position_if_large = max_exact + (
        torch.log(relative_position.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)
    ).to(torch.long)
    relative_position_if_large = torch.min(relative_position_if_large, torch.full_like(relative_position_if_large, num_buckets - 1))
    relative_buckets += torch.where(is_small, relative_position, relative_position_if_large)
    return relative_buckets

r = torch.arange(-300, 301)
cases = []
for bidirectional in (True, False):
    for num_buckets, max_distance in ((32, 128), (8, 20), (16, 64)):
        cases.append({
            'bidirectional': bidirectional, 'numBuckets': num_buckets, 'maxDistance': max_distance,
            'buckets': relative_position_bucket(r, bidirectional, num_buckets, max_distance).tolist(),
        })
out = os.path.join(os.path.dirname(__file__), 't5-buckets.torch.json')
with open(out, 'w') as f:
    json.dump({'torch': torch.__version__, 'from': -300, 'cases': cases}, f, separators=(',', ':'))
