# Writes alibi-slopes.torch.json: ALiBi slopes as Hugging Face's BLOOM computes them (build_alibi_tensor in
# modeling_bloom.py: the power-of-two rule, then odd powers of the next power of two's base), in float64.
# Run: /usr/bin/python3 test/positional/make_alibi_fixture.py
import json, math, os
import torch

def bloom_slopes(num_heads):
    closest_power_of_2 = 2 ** math.floor(math.log2(num_heads))
    base = torch.tensor(2 ** (-(2 ** -(math.log2(closest_power_of_2) - 3))), dtype=torch.float64)
    powers = torch.arange(1, 1 + closest_power_of_2, dtype=torch.int32)
    slopes = torch.pow(base, powers)
    if closest_power_of_2 != num_heads:
        extra_base = torch.tensor(2 ** (-(2 ** -(math.log2(2 * closest_power_of_2) - 3))), dtype=torch.float64)
        num_remaining_heads = min(closest_power_of_2, num_heads - closest_power_of_2)
        extra_powers = torch.arange(1, 1 + 2 * num_remaining_heads, 2, dtype=torch.int32)
        slopes = torch.cat([slopes, torch.pow(extra_base, extra_powers)], dim=0)
    return slopes.tolist()

heads = list(range(1, 41)) + [48, 64, 80, 96, 112]
out = os.path.join(os.path.dirname(__file__), 'alibi-slopes.torch.json')
with open(out, 'w') as f:
    json.dump({'torch': torch.__version__, 'slopes': {str(n): bloom_slopes(n) for n in heads}}, f)
