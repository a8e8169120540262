// The addon's persistent thread pool.
//
// How it shares the machine with libuv: a call runs on the thread that made it (the JS main thread
// for sdpa(), a libuv worker for sdpaAsync()) plus num_threads - 1 pool workers, so one call uses
// exactly num_threads cores. Whole jobs are serialised by a mutex: a second concurrent call (another
// async call on another libuv worker, or a sync call) sleeps on that mutex until the first is done,
// so concurrent calls never oversubscribe the cores; they queue. Between jobs a worker polls for the
// next one for kSpin, then sleeps on a condition variable and costs nothing while idle; the caller
// likewise polls for the last worker before sleeping: a futex wake-up costs as much as a small call,
// and back-to-back calls, as layers or decode steps make, find the workers awake.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "../kernels/common/parallel.h"

namespace attnkit {

class ThreadPool {
 public:
  static ThreadPool& instance();
  ~ThreadPool();

  // Total threads per call, caller included (>= 1). Waits for a running job.
  void set_num_threads(int n);
  int num_threads() const { return num_threads_.load(); }

  // Runs task(arg, i) for i in [0, n) on the caller and the workers; rethrows a task's exception.
  void run(int64_t n, void (*task)(void*, int64_t), void* arg);

  // A ParallelFor handle for kernels (kernels never include this header).
  ParallelFor handle();

  // From now on jobs stop taking tasks and new jobs return at once (their results are left unfinished):
  // called once the process is exiting, so exit does not wait for every queued call to compute.
  void abandon_jobs() { abandoned_.store(true, std::memory_order_relaxed); }

 private:
  ThreadPool();
  void start(int workers);
  void stop();
  void worker_loop(uint64_t seen);
  void drain();

  std::mutex job_mutex_;  // one job at a time (see the comment above)
  std::atomic<int> num_threads_;

  std::mutex m_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  uint64_t generation_ = 0;
  std::atomic<uint64_t> polled_generation_{0};  // generation_, for workers polling without the lock
  bool stopping_ = false;
  std::atomic<int> busy_{0};  // workers still inside the current job (changed under m_)

  // The current job.
  int64_t n_ = 0;
  void (*task_)(void*, int64_t) = nullptr;
  void* arg_ = nullptr;
  std::atomic<int64_t> next_{0};
  std::exception_ptr error_;
  std::atomic<bool> abandoned_{false};
};

}  // namespace attnkit
