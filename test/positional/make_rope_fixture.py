# Writes rope.torch.json: RoPE as Hugging Face transformers implements it, for the two conventions:
#   'half'        = LLaMA / GPT-NeoX: rotate_half + cat((freqs, freqs)) (modeling_llama.py)
#   'interleaved' = GPT-J: rotate_every_two + repeat_interleave(sin/cos, 2), partial rotary_dim (modeling_gptj.py)
# computed in float64 from float32-representable inputs. Run with Debian's python3 (apt-get install python3-torch):
#   /usr/bin/python3 test/positional/make_rope_fixture.py
import json, os
import torch

torch.manual_seed(0)
B, L, H, D = 2, 5, 3, 8

def llama_rope(x_bhld, positions, base, dim):
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
    freqs = torch.outer(positions.double(), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    def rotate_half(x):
        x1 = x[..., : x.shape[-1] // 2]
        x2 = x[..., x.shape[-1] // 2 :]
        return torch.cat((-x2, x1), dim=-1)
    return x_bhld * cos + rotate_half(x_bhld) * sin

def gptj_rope(x_blhd, positions, base, rotary_dim):
    inv_freq = 1.0 / (base ** (torch.arange(0, rotary_dim, 2, dtype=torch.float64) / rotary_dim))
    sinusoid = torch.einsum('i,j->ij', positions.double(), inv_freq)
    sin = torch.repeat_interleave(torch.sin(sinusoid)[None, :, None, :], 2, 3)
    cos = torch.repeat_interleave(torch.cos(sinusoid)[None, :, None, :], 2, 3)
    def rotate_every_two(x):
        x1 = x[:, :, :, ::2]
        x2 = x[:, :, :, 1::2]
        return torch.stack((-x2, x1), dim=-1).flatten(-2)
    rot, rest = x_blhd[..., :rotary_dim], x_blhd[..., rotary_dim:]
    return torch.cat((rot * cos + rotate_every_two(rot) * sin, rest), dim=-1)

x = torch.randn(B, L, H, D).float().double()  # float32-representable values
cases = []
for base, offset in ((10000.0, 0), (500.0, 100)):
    pos = torch.arange(offset, offset + L)
    half = llama_rope(x.permute(0, 2, 1, 3), pos, base, D).permute(0, 2, 1, 3)
    cases.append({'style': 'half', 'base': base, 'offset': offset, 'rotaryDim': D, 'out': half.flatten().tolist()})
    for rd in (D, 4):
        inter = gptj_rope(x, pos, base, rd)
        cases.append({'style': 'interleaved', 'base': base, 'offset': offset, 'rotaryDim': rd, 'out': inter.flatten().tolist()})
out = os.path.join(os.path.dirname(__file__), 'rope.torch.json')
with open(out, 'w') as f:
    json.dump({'torch': torch.__version__, 'shape': [B, L, H, D], 'x': x.flatten().tolist(), 'cases': cases}, f)
