// A fixed set of engine threads. parallel_for hands each thread one contiguous
// chunk of independent outputs; no reduction is ever split across threads, so
// the thread count cannot change a bit. One parallel_for runs at a time per pool.
// With a RunControl, each chunk runs in pieces with a stop check before each
// (pieces also split only independent outputs: no bit changes either).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "aivm/run_control.h"

namespace aivm {

class ThreadPool {
 public:
  ThreadPool() = default;
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs body over [0, n) on up to `threads` threads (the caller is one of them).
  void parallel_for(int64_t n, int64_t min_chunk, int threads,
                    const std::function<void(int64_t, int64_t)>& body, const RunControl* control = nullptr);

 private:
  void ensure_workers(int count);
  void worker_loop(int index);

  std::mutex run_mutex_;  // serializes parallel_for calls on this pool
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
  uint64_t generation_ = 0;
  int active_chunks_ = 0;   // chunks handed to workers in this generation
  int pending_ = 0;         // chunks not finished yet
  int64_t n_ = 0;
  int64_t min_chunk_ = 1;
  int chunks_ = 0;
  const RunControl* control_ = nullptr;
  const std::function<void(int64_t, int64_t)>* body_ = nullptr;
  std::exception_ptr error_;
};

}  // namespace aivm
