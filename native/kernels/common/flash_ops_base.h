// What an ISA's Ops struct for flash_fwd.h has beyond the required kernels (gemm, pack_k16, copy_row,
// apply_mask, row_max, exp_row, dots, axpy, softcap, scale_row; and gemm_at for flash_bwd.h): each flag is
// off here, and an Ops that has the kernel turns it on.
#pragma once

namespace attnkit {

struct FlashOpsBase {
  static constexpr bool kWideDecode = false;      // dots4x4 and pv4x64 for 4 or 8 decode rows per kv head
  static constexpr bool kWideExp = false;         // exp_row_dense_wide / exp_row_wide for prefill rows
  static constexpr bool kKernelPrefetch = false;  // gemm and dots2 prefetch rows beside their loads (decode)
  static constexpr bool kMaskMax = false;         // apply_mask_max: the masking pass also finds the row max
  static constexpr bool kDenseExp = false;        // row_max_finite and exp_row_dense for rows with no -inf
  static constexpr bool kDots2 = false;           // dots2: scores of up to 4 rows against two keys
  static constexpr bool kSpreadPrefetch = false;  // GQA decode prefetches k and v rows through dots2 (decode.h)
  static constexpr bool kDecodeRow4 = false;      // dots1x4 and axpy1x4: one decode row, four keys a call
  // Prefill register tile: kPrefillRows rows x kPrefillPanels panels of 16 columns per gemm_panels call
  // (an Ops with more than one panel has gemm_panels<MR, NP>; otherwise gemm<MR> takes a panel a call).
  static constexpr int kPrefillRows = 6;
  static constexpr int kPrefillPanels = 1;
  // bfloat16 products in prefill (row_pairs, panel_pairs, a gemm_panels overload on bf16 pairs): the instantiation for calls with
  // compute_bf16 (see avx512/flash_ops_avx512_bf16.h).
  static constexpr bool kBf16 = false;
};

}  // namespace attnkit
