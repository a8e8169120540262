#include "thread_pool.h"

#include <algorithm>
#include <chrono>

namespace attnkit {

namespace {
// How long a worker polls for the next job, and the caller for the last worker, before sleeping.
constexpr auto kSpin = std::chrono::microseconds(200);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Polls done() until it holds or kSpin has passed. Only ever a shortcut: callers still take the lock
// and wait on the condition, so correctness never rests on the poll.
template <class Done>
void spin_until(Done done) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0; !done(); ++i) {
    cpu_relax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() >= until) return;
  }
}
}  // namespace

ThreadPool& ThreadPool::instance() {
  // Never destroyed: joining threads from a static destructor at process exit can deadlock.
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

ThreadPool::ThreadPool() : num_threads_(std::max(1u, std::thread::hardware_concurrency())) {}

ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::set_num_threads(int n) {
  std::lock_guard<std::mutex> job(job_mutex_);
  n = std::max(1, n);
  if (n == num_threads_.load()) return;
  stop();
  num_threads_.store(n);
}

void ThreadPool::start(int workers) {
  stopping_ = false;
  // A new worker must wait for the *next* job. Starting it at generation 0 let it take the previous
  // job's generation as new, count itself out of busy_ twice and leave run() waiting forever.
  const uint64_t current = generation_;  // generation_ only changes in run(), under job_mutex_, as here
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this, current] { worker_loop(current); });
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lk(m_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

// Takes task indices until none are left; every index runs exactly once.
void ThreadPool::drain() {
  for (;;) {
    if (abandoned_.load(std::memory_order_relaxed)) return next_.store(n_);
    const int64_t i = next_.fetch_add(1);
    if (i >= n_) return;
    try {
      task_(arg_, i);
    } catch (...) {
      std::lock_guard<std::mutex> lk(m_);
      if (!error_) error_ = std::current_exception();
      next_.store(n_);
    }
  }
}

void ThreadPool::worker_loop(uint64_t seen) {
  for (;;) {
    spin_until([&] { return polled_generation_.load(std::memory_order_acquire) != seen; });
    {
      std::unique_lock<std::mutex> lk(m_);
      wake_.wait(lk, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    drain();
    {
      std::lock_guard<std::mutex> lk(m_);
      if (--busy_ == 0) done_.notify_one();
    }
  }
}

void ThreadPool::run(int64_t n, void (*task)(void*, int64_t), void* arg) {
  std::lock_guard<std::mutex> job(job_mutex_);
  if (num_threads_.load() <= 1 || n <= 1) {
    for (int64_t i = 0; i < n && !abandoned_.load(std::memory_order_relaxed); ++i) task(arg, i);
    return;
  }
  if (abandoned_.load(std::memory_order_relaxed)) return;
  if (static_cast<int>(workers_.size()) != num_threads_.load() - 1) {
    stop();
    start(num_threads_.load() - 1);
  }
  {
    std::lock_guard<std::mutex> lk(m_);
    n_ = n;
    task_ = task;
    arg_ = arg;
    next_.store(0);
    error_ = nullptr;
    busy_ = static_cast<int>(workers_.size());
    ++generation_;
    polled_generation_.store(generation_, std::memory_order_release);
  }
  wake_.notify_all();
  drain();  // the calling thread works too
  spin_until([&] { return busy_.load(std::memory_order_acquire) == 0; });
  std::unique_lock<std::mutex> lk(m_);
  done_.wait(lk, [&] { return busy_ == 0; });
  if (error_) std::rethrow_exception(error_);
}

namespace {
void run_on_pool(void* ctx, int64_t n, void (*task)(void*, int64_t), void* arg) {
  static_cast<ThreadPool*>(ctx)->run(n, task, arg);
}
}  // namespace

ParallelFor ThreadPool::handle() { return ParallelFor{this, run_on_pool, num_threads()}; }

}  // namespace attnkit
