// ThreadProbe: asks the operating system whether any thread of this process
// could still do something, for the mock's virtual clock (mock_model.h,
// "Time"). It is the clock's only view of threads the model cannot see:
// threads running outside the mock, threads blocked outside it (join, a
// future, a condition variable), and threads that have not called in yet.
//
// Linux reads /proc/self/task: a thread counts as quiet when it is in an
// interruptible sleep ('S') in two samples taken one after the other and did
// not run in between (its run count in schedstat is unchanged). Between the
// two samples no thread ran, so at the end of the first one the process was
// quiet as a whole, and no sleeping thread can have been woken by another
// that was still running when the first sample was taken.
// Elsewhere there is no probe (Available() is false).
#pragma once

#include <memory>
#include <vector>

namespace wsac::mock {

class ThreadProbe {
 public:
  // nullptr where the platform offers no probe (or /proc is not mounted).
  static std::unique_ptr<ThreadProbe> Open();
  virtual ~ThreadProbe() = default;

  // The operating system's id of the calling thread (Linux: gettid).
  static long CurrentThreadId();

  // true when a thread other than `quiet` (ids of threads the caller knows
  // to be waiting) is running, runnable, in an uninterruptible wait, or ran
  // while the probe looked. Called with the model's lock held; takes its own.
  virtual bool AnyOtherThreadActive(const std::vector<long>& quiet) = 0;
};

}  // namespace wsac::mock
