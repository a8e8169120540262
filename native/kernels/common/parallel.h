// How a kernel asks for parallel work without knowing who runs it: the caller (napi, via
// native/threading) passes a ParallelFor; nullptr means "run serially on this thread".
#pragma once
#include <cstdint>

namespace attnkit {

struct ParallelFor {
  void* ctx;
  // Calls task(arg, i) once for every i in [0, n), on any threads, and returns when all are done.
  void (*run)(void* ctx, int64_t n, void (*task)(void* arg, int64_t i), void* arg);
  int workers;  // threads that share the tasks: a hint for how finely to split, never for the results
};

inline void parallel_for(const ParallelFor* pf, int64_t n, void (*task)(void*, int64_t), void* arg) {
  if (pf && n > 1) {
    pf->run(pf->ctx, n, task, arg);
    return;
  }
  for (int64_t i = 0; i < n; ++i) task(arg, i);
}

}  // namespace attnkit
