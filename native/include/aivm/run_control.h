// A run's deadline and cancellation flag. The engine calls check() between the
// nodes of a Program and at chunk boundaries inside ops (OpContext::parallel_for
// and the GEMM's block loop), so a cancelled or timed-out run stops within about
// a millisecond of compute, unwinds, and frees its arena and outputs. Where it
// stops never changes a bit of what a finished run returns: chunks only split
// independent outputs.
#pragma once
#include <chrono>
#include <cstdint>

#include "aivm/error.h"

namespace aivm {

class RunControl {
 public:
  // Values of the flag word another thread writes (JS: Atomics.store on an
  // Int32Array over a SharedArrayBuffer).
  static constexpr int32_t kGo = 0, kCancel = 1, kTimeout = 2;

  // The flag word (may be nullptr: no flag); it must outlive the run.
  void set_flag(const int32_t* flag) { flag_ = flag; }
  // A deadline `ms` milliseconds from now (ms >= 0).
  void set_timeout_ms(double ms) {
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double, std::milli>(ms));
    has_deadline_ = true;
  }
  bool active() const { return flag_ != nullptr || has_deadline_ || max_piece_ > 0; }

  // Caps the units of work between two checks (0: adaptive only). The tests set 1
  // to split every op at every possible point and check that no bit changes.
  void set_max_piece(int64_t units) { max_piece_ = units; }
  int64_t max_piece() const { return max_piece_; }

  // Throws E_CANCELLED or E_TIMEOUT when the run must stop.
  void check() const {
    if (flag_) {
      int32_t f = __atomic_load_n(flag_, __ATOMIC_RELAXED);
      if (f == kCancel) throw Error(ErrorCode::E_CANCELLED, "run cancelled");
      if (f == kTimeout) throw Error(ErrorCode::E_TIMEOUT, "run stopped: its deadline passed");
    }
    if (has_deadline_ && std::chrono::steady_clock::now() >= deadline_) {
      throw Error(ErrorCode::E_TIMEOUT, "run stopped: its deadline passed");
    }
  }

 private:
  const int32_t* flag_ = nullptr;
  bool has_deadline_ = false;
  int64_t max_piece_ = 0;
  std::chrono::steady_clock::time_point deadline_{};
};

}  // namespace aivm
