// Hardware probes used by bench/: the FMA throughput and the read bandwidth of this machine, so the
// benchmark's "% of peak" figures are measured where they run instead of copied from a datasheet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace attnkit {

/** probe_fma_peak()'s width argument for "the widest this CPU runs". */
constexpr int kProbeWidthWidest = 0;

/** GFLOP/s of fused multiply-adds on `threads` threads (1..256), best of a few repeats, with `bits`-wide
 *  vectors: 256 or 512, or kProbeWidthWidest for the widest this CPU runs (NEON or plain C++ where it
 *  has neither). Throws std::range_error for a width the build or the CPU cannot run. */
double probe_fma_peak(int threads, int bits = kProbeWidthWidest);

/** The widest FMA width probe_fma_peak() runs here: 512, 256, or 0 for the portable loop. */
int probe_fma_widest();

/** GB/s of plain vector loads streaming a >= 256 MiB buffer split over `threads` threads, best of
 *  `repeats` passes (1..64; one pass, alternated with what is measured, gives the median instead). */
double probe_read_bandwidth(int threads, int repeats = 4);

/** One run of memory for probe_read_spans: n floats from p (4-byte aligned, any n). */
struct ProbeSpan {
  const float* p;
  std::size_t n;
};

/** One pass of plain loads over `spans` on `threads` threads, which take the spans in order, each whole:
 *  a pure read of the bytes a kernel reads, in about its order (the kernel's ceiling, beside the
 *  one-stream probe above). Returns the sum of the floats read (so a test can check what was read);
 *  *gbs receives the GB/s of the pass. */
double probe_read_spans(int threads, const std::vector<ProbeSpan>& spans, double* gbs);

// Per-thread loops, one definition per ISA. *_avx2 live in probe_loops_avx2.cpp, the only file built
// with -mavx2 -mfma, and are only called after the CPU says it has both.
/** Runs `iters` rounds of independent FMAs; returns the flops done. *sink seeds the chains (pass 0)
 *  and receives their sum, so the compiler can neither merge nor drop them. */
std::uint64_t probe_fma_loop_generic(std::uint64_t iters, float* sink);
std::uint64_t probe_fma_loop_avx2(std::uint64_t iters, float* sink);
std::uint64_t probe_fma_loop_avx512(std::uint64_t iters, float* sink);  // probe_loops_avx512.cpp, -mavx512f
/** Sums n floats (any n) from a 4-byte aligned p: the read probe's buffer, or a span. */
float probe_read_loop_generic(const float* p, std::size_t n);
float probe_read_loop_avx2(const float* p, std::size_t n);

/** True when the AVX2 loops were built in and this CPU runs them. */
bool probe_has_avx2();
/** True when the AVX-512 FMA loop was built in and this CPU and OS run it. */
bool probe_has_avx512();

}  // namespace attnkit
