#include "core/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <climits>

#include "aivm/error.h"
#include "core/fpenv.h"

namespace aivm {

namespace {
// Chunk c of `chunks` over [0, n): contiguous, sizes differ by at most one.
void chunk_range(int64_t n, int chunks, int c, int64_t* begin, int64_t* end) {
  int64_t base = n / chunks, extra = n % chunks;
  *begin = c * base + std::min<int64_t>(c, extra);
  *end = *begin + base + (c < extra ? 1 : 0);
}

// One chunk [b, e). Without a control, one call. With one, pieces with a stop
// check before each: a piece starts at min_chunk units and doubles while a
// piece takes under a millisecond, so the checks cost nothing measurable and a
// stop waits for at most a few milliseconds of compute (longer only where one
// unit of work is long: docs/RELIABILITY.md).
void run_chunk(const std::function<void(int64_t, int64_t)>& body, int64_t b, int64_t e, int64_t min_chunk,
               const RunControl* control) {
  if (!control) {
    if (b < e) body(b, e);
    return;
  }
  using clock = std::chrono::steady_clock;
  const int64_t cap = control->max_piece() > 0 ? control->max_piece() : INT64_MAX;
  int64_t piece = std::min(std::max<int64_t>(1, min_chunk), cap);
  while (b < e) {
    control->check();
    int64_t m = e - b <= piece ? e : b + piece;
    clock::time_point t0 = clock::now();
    body(b, m);
    b = m;
    if (clock::now() - t0 < std::chrono::milliseconds(1) && piece <= cap / 2) piece *= 2;
  }
}
}  // namespace

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::ensure_workers(int count) {
  while (int(workers_.size()) < count) {
    int index = int(workers_.size()) + 1;  // chunk 0 belongs to the calling thread
    workers_.emplace_back([this, index] { worker_loop(index); });
  }
}

void ThreadPool::worker_loop(int index) {
  bool env_ok = true;
  try {
    enter_strict_fpenv();
  } catch (...) {
    env_ok = false;
  }
  uint64_t seen = 0;
  for (;;) {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    if (index >= chunks_) continue;
    int64_t n = n_, min_chunk = min_chunk_;
    int chunks = chunks_;
    const auto* body = body_;
    const RunControl* control = control_;
    lock.unlock();

    std::exception_ptr err;
    try {
      // Checked before every chunk: a library loaded later could have changed it.
      if (!env_ok || !strict_fpenv_active()) {
        throw Error(ErrorCode::E_FPENV, "engine thread: floating-point environment is not strict IEEE");
      }
      int64_t b, e;
      chunk_range(n, chunks, index, &b, &e);
      run_chunk(*body, b, e, min_chunk, control);
    } catch (...) {
      err = std::current_exception();
    }
    lock.lock();
    if (err && !error_) error_ = err;
    if (--pending_ == 0) done_.notify_all();
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t min_chunk, int threads,
                              const std::function<void(int64_t, int64_t)>& body, const RunControl* control) {
  if (n <= 0) return;
  if (min_chunk < 1) min_chunk = 1;
  int64_t by_size = (n + min_chunk - 1) / min_chunk;
  int chunks = int(std::min<int64_t>(std::max(threads, 1), by_size));
  if (!strict_fpenv_active()) enter_strict_fpenv();
  if (chunks <= 1) {
    run_chunk(body, 0, n, min_chunk, control);
    return;
  }
  std::lock_guard<std::mutex> run_lock(run_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ensure_workers(chunks - 1);
    n_ = n;
    min_chunk_ = min_chunk;
    control_ = control;
    chunks_ = chunks;
    body_ = &body;
    error_ = nullptr;
    pending_ = chunks - 1;
    ++generation_;
  }
  wake_.notify_all();
  std::exception_ptr mine;
  try {
    int64_t b, e;
    chunk_range(n, chunks, 0, &b, &e);
    run_chunk(body, b, e, min_chunk, control);
  } catch (...) {
    mine = std::current_exception();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return pending_ == 0; });
  body_ = nullptr;
  std::exception_ptr err = mine ? mine : error_;
  error_ = nullptr;
  lock.unlock();
  if (err) std::rethrow_exception(err);
}

}  // namespace aivm
