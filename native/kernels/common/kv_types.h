// Element types of K and V: float, or 16-bit floats (float16, bfloat16) that the kernels widen to float
// as they load them. f16_t and bf16_t are distinct types over the same 16 bits, so each Ops overload
// (load8(const f16_t*), ...) picks its conversion by the pointer's type and float code stays as it was.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "attnkit.h"

namespace attnkit {

enum class f16_t : uint16_t {};
enum class bf16_t : uint16_t {};

// Unnamed namespace: each ISA translation unit gets its own copies (see common/flash/tiling.h).
namespace {

inline float to_f32(float x) { return x; }

// bfloat16 is float32's top half: a 16-bit shift.
inline float to_f32(bf16_t x) {
  const uint32_t u = static_cast<uint32_t>(x) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// IEEE binary16 -> float32, exact: rebias the exponent; subnormals are scaled by 2^-24.
inline float to_f32(f16_t x) {
  const uint32_t h = static_cast<uint32_t>(x), sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  uint32_t u;
  if (exp == 0x1fu) {
    u = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    u = sign | ((exp + 112u) << 23) | (mant << 13);
  } else {
    const float f = static_cast<float>(mant) * 5.9604644775390625e-8f;  // 2^-24
    return sign ? -f : f;
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// The K (or V) rows of a call as KV elements: float (kv_dtype ATTN_KV_F32), else the 16-bit rows.
template <class KV>
inline const KV* k_rows(const attn_sdpa_args& a) {
  if constexpr (std::is_same<KV, float>::value) return a.k;
  else return reinterpret_cast<const KV*>(a.k16);
}
template <class KV>
inline const KV* v_rows(const attn_sdpa_args& a) {
  if constexpr (std::is_same<KV, float>::value) return a.v;
  else return reinterpret_cast<const KV*>(a.v16);
}

}  // namespace

// Calls f(KV{}) with the element type of the call's K and V (f(float), f(f16_t) or f(bf16_t)).
template <class F>
inline void with_kv_type(const attn_sdpa_args& a, const F& f) {
  switch (a.kv_dtype) {
    case ATTN_KV_F16: f(f16_t{}); break;
    case ATTN_KV_BF16: f(bf16_t{}); break;
    default: f(float{}); break;
  }
}

}  // namespace attnkit
