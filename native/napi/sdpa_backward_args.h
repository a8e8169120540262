// Turns the JS backward call into attn_sdpa_bwd_args: the forward's 11 arguments, checked by
// sdpa_args.cc, then the gradient's, every length re-checked so the kernel can never read or write
// out of bounds. No N-API here (see call_args.h).
#pragma once
#include "attnkit.h"
#include "call_args.h"
#include "sdpa_args.h"

namespace attnkit {


// call: the forward's (q, k, v, out, null, mask|null, desc, alibiSlopes|null, null, sinks|null,
// kvLengths|null, null), out its result and k, v float32, then (dOut, lse|null, dq, dk, dv, dSinks|null, bwdDesc). Throws
// std::invalid_argument / std::range_error on any inconsistency, and for arguments the kernel does not
// differentiate (weights, a relative bias).
constexpr size_t kSdpaBwdArgCount = kSdpaArgCount + 7;
attn_sdpa_bwd_args sdpa_bwd_args_from_call(const CallArgs& call);

}  // namespace attnkit
