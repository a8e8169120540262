// Turns the JS call (typed arrays + a Float64Array descriptor) into attn_sdpa_args,
// re-checking every length so the kernel can never read or write out of bounds. No N-API here: the
// addon passes the call through js_args.h, the fuzz harness its own buffers.
#pragma once
#include "attnkit.h"
#include "abi_generated.h"
#include "call_args.h"

namespace attnkit {

// Descriptor slots (enum SdpaDescSlot) come from abi_generated.h.
// call: (q, k, v, out, weights|null, mask|null, desc, alibiSlopes|null, relBias|null, sinks|null,
// kvLengths|null, lse|null), kvLengths an Int32Array, lse a Float32Array of [B, Hq, Lq]; k and v Float32Arrays, or
// Uint16Arrays of float16 / bfloat16 bits when the descriptor's kKvDtype slot says so. Throws std::invalid_argument /
// std::range_error on any inconsistency.
constexpr size_t kSdpaArgCount = 12;
attn_sdpa_args sdpa_args_from_call(const CallArgs& call);

}  // namespace attnkit
