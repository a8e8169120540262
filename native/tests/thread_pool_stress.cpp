// Stress test for the thread pool: resizes the pool between jobs, thousands of times, and checks that
// every job runs each index exactly once and that run() returns (a lost wake-up or a miscounted worker
// shows up as a hang, caught by the script's timeout, or as a wrong count).
#include <atomic>
#include <cstdio>
#include <vector>

#include "../threading/thread_pool.h"

namespace {
struct Job {
  std::vector<std::atomic<int>>* hits;
};
void count_hit(void* arg, int64_t i) { (*static_cast<Job*>(arg)->hits)[i].fetch_add(1); }
}  // namespace

int main() {
  auto& pool = attnkit::ThreadPool::instance();
  const int64_t n = 37;
  std::vector<std::atomic<int>> hits(n);
  Job job{&hits};
  for (int round = 0; round < 20000; ++round) {
    pool.set_num_threads(1 + round % 3);  // 1, 2, 3: every change restarts the workers
    for (auto& h : hits) h.store(0);
    pool.run(n, count_hit, &job);
    for (int64_t i = 0; i < n; ++i) {
      if (hits[i].load() != 1) {
        std::printf("round %d: index %lld ran %d times\n", round, static_cast<long long>(i), hits[i].load());
        return 1;
      }
    }
  }
  std::printf("thread pool: 20000 resizes and jobs, every index ran exactly once\n");
  return 0;
}
