// Mutants of part B's close, cancel, shutdown and thread exit (CLOSE).
// CLOSE-3 (an operation ended by closesocket is never indicated) is a
// switch of the mock, "closesocket-leaves-pending" (mutants.cc).
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

// CLOSE-1: closesocket cancels the way CancelIo does: only the operations
// the closing thread started end; those of other threads are never
// indicated.
class CloseEndsOnlyClosingThreadsOperations : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  int closesocket(SOCKET s) override {
    std::vector<LPWSAOVERLAPPED> others;
    for (auto& [ov, op] : PendingOn(s))
      if (op.initiator != std::this_thread::get_id()) others.push_back(ov);
    int ret = InterceptingProvider::closesocket(s);
    for (LPWSAOVERLAPPED ov : others) Suppress(ov);
    return ret;
  }
};

// CLOSE-2: a send or receive ended by closesocket reports WSAECONNABORTED,
// the code a call gets after the provider itself aborted the connection.
class CloseReportsConnectionAborted : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (op.socket_closed && op.kind != CallKind::Ioctl && r.error != 0) r.error = WSAECONNABORTED;
  }
};

// CLOSE-4: CancelIoEx ignores lpOverlapped: it cancels every operation of
// the handle.
class CancelIoExIgnoresOverlapped : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL CancelIoEx(HANDLE h, LPOVERLAPPED) override { return InterceptingProvider::CancelIoEx(h, nullptr); }
};

// CLOSE-5: CancelIoEx with lpOverlapped NULL behaves as CancelIo: only the
// calling thread's operations are cancelled.
class CancelIoExAllCancelsCallingThreads : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL CancelIoEx(HANDLE h, LPOVERLAPPED ov) override {
    return ov == nullptr ? InterceptingProvider::CancelIo(h) : InterceptingProvider::CancelIoEx(h, ov);
  }
};

// CLOSE-6: CancelIoEx returns TRUE whether or not anything matched.
class CancelIoExClaimsSuccess : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL CancelIoEx(HANDLE h, LPOVERLAPPED ov) override {
    if (InterceptingProvider::CancelIoEx(h, ov)) return TRUE;
    if (target().GetLastError() != static_cast<DWORD>(ERROR_NOT_FOUND)) return FALSE;
    target().WSASetLastError(0);
    return TRUE;
  }
};

// CLOSE-7: a cancelled operation reports WSAEINTR, the code of a blocking
// call cancelled in Winsock 1, instead of ERROR_OPERATION_ABORTED.
class CancelReportsInterrupted : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (!op.socket_closed && r.error == WSA_OPERATION_ABORTED) r.error = WSAEINTR;
  }
};

// CLOSE-8: CancelIo is implemented as CancelIoEx(NULL): it cancels the
// operations of every thread.
class CancelIoCancelsEveryThread : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL CancelIo(HANDLE h) override { return InterceptingProvider::CancelIoEx(h, nullptr); }
};

// CLOSE-9: shutdown(SD_RECEIVE) aborts the receives already pending.
class ShutdownReceiveAbortsPendingReceives : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  int shutdown(SOCKET s, int how) override {
    if (how == SD_RECEIVE || how == SD_BOTH) target().CancelIoEx(AsHandle(s), nullptr);
    return InterceptingProvider::shutdown(s, how);
  }
};

// CLOSE-10: after shutdown(SD_RECEIVE) the provider answers a receive as
// POSIX recv does: at once, with 0 bytes (end of data), indicated as any
// receive that completes at once.
class ReceiveAfterShutdownReadsEndOfData : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  int shutdown(SOCKET s, int how) override {
    int ret = InterceptingProvider::shutdown(s, how);
    if (ret == 0 && (how == SD_RECEIVE || how == SD_BOTH)) {
      std::lock_guard lock(mu_);
      shut_.insert(s);
    }
    return ret;
  }
  bool BeforeCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || call.buffers == nullptr || call.buffer_count == 0 || call.flags == nullptr) return false;
    {
      std::lock_guard lock(mu_);
      if (shut_.count(call.s) == 0) return false;
    }
    if (call.bytes != nullptr) *call.bytes = 0;
    *call.flags = 0;
    if (call.ov != nullptr) Synthesize(call.ov, OpResult{0, 0, 0}, true);
    call.ret = 0;
    return true;
  }

 private:
  std::mutex mu_;
  std::set<SOCKET> shut_;
};

// CLOSE-11: the peer's graceful close fails a pending stream receive with
// WSAEDISCON, the code of a graceful close on a message-oriented socket.
class GracefulCloseReportedAsDisconnect : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (!IsReceive(op.kind) || !IsStream(op.s) || op.socket_closed || r.error != 0 || r.bytes != 0) return;
    if (op.capacity > 0) r.error = WSAEDISCON;  // a zero-length probe legitimately gets 0 bytes
  }
};

// CLOSE-12: the peer's reset completes a pending stream receive as a
// graceful close would: success, 0 bytes.
class ResetCompletesReceiveAsEndOfData : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (!IsReceive(op.kind) || !IsStream(op.s) || op.socket_closed) return;
    if (r.error == WSAECONNRESET || r.error == ERROR_NETNAME_DELETED || r.error == ERROR_CONNECTION_ABORTED ||
        r.error == WSAECONNABORTED) {
      r.error = 0;
      r.bytes = 0;
    }
  }
};

// CLOSE-13: the provider keeps no track of threads: the operations of a
// thread that exits stay pending. (The target cancels them; the mutant
// takes back every cancellation the application did not ask for.)
class ThreadExitLeavesOperationsPending : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ov == nullptr || call.ret == 0 || call.error != WSA_IO_PENDING) return;
    if (Association(call.s, nullptr, nullptr)) return;  // a port's operations survive their thread anyway
    std::lock_guard lock(mu_);
    watched_[call.ov] = call.s;
  }
  BOOL CancelIoEx(HANDLE h, LPOVERLAPPED ov) override {
    AskedToCancel(h, ov);
    return InterceptingProvider::CancelIoEx(h, ov);
  }
  BOOL CancelIo(HANDLE h) override {
    AskedToCancel(h, nullptr);
    return InterceptingProvider::CancelIo(h);
  }
  int closesocket(SOCKET s) override {
    AskedToCancel(AsHandle(s), nullptr);
    return InterceptingProvider::closesocket(s);
  }
  int shutdown(SOCKET s, int how) override {
    AskedToCancel(AsHandle(s), nullptr);
    return InterceptingProvider::shutdown(s, how);
  }
  void BeforeWait(DWORD) override {
    std::vector<LPWSAOVERLAPPED> exited;
    {
      std::lock_guard lock(mu_);
      for (auto it = watched_.begin(); it != watched_.end();) {
        if (it->first->Internal == STATUS_PENDING) {
          ++it;
          continue;
        }
        if (it->first->Internal == STATUS_CANCELLED) exited.push_back(it->first);
        it = watched_.erase(it);
      }
    }
    for (LPWSAOVERLAPPED ov : exited) Suppress(ov);
  }

 private:
  void AskedToCancel(HANDLE h, LPOVERLAPPED ov) {
    std::lock_guard lock(mu_);
    for (auto it = watched_.begin(); it != watched_.end();) {
      if (AsHandle(it->second) == h && (ov == nullptr || it->first == ov))
        it = watched_.erase(it);
      else
        ++it;
    }
  }
  std::mutex mu_;
  std::map<LPWSAOVERLAPPED, SOCKET> watched_;  // pending, cancelled by nobody the application asked
};

// CLOSE-14: the provider cancels every operation of a thread that exits,
// those on a socket associated with a port too.
class ThreadExitCancelsPortOperations;
std::atomic<ThreadExitCancelsPortOperations*> g_exit_canceller{nullptr};

class ThreadExitCancelsPortOperations : public InterceptingProvider {
 public:
  explicit ThreadExitCancelsPortOperations(std::unique_ptr<Provider> target)
      : InterceptingProvider(std::move(target)) {
    g_exit_canceller = this;
  }
  ~ThreadExitCancelsPortOperations() override {
    ThreadExitCancelsPortOperations* self = this;
    g_exit_canceller.compare_exchange_strong(self, nullptr);
  }
  void AfterCall(InitiatingCall& call) override {
    if (call.ov == nullptr || call.ret == 0 || call.error != WSA_IO_PENDING) return;
    if (!Association(call.s, nullptr, nullptr)) return;
    WatchThreadExit();
    std::lock_guard lock(mu_);
    by_thread_[std::this_thread::get_id()].emplace_back(call.s, call.ov);
  }
  void OnThreadExit(std::thread::id id) {
    std::vector<std::pair<SOCKET, LPWSAOVERLAPPED>> ops;
    {
      std::lock_guard lock(mu_);
      auto it = by_thread_.find(id);
      if (it == by_thread_.end()) return;
      ops.swap(it->second);
      by_thread_.erase(it);
    }
    for (auto& [s, ov] : ops) target().CancelIoEx(AsHandle(s), ov);
  }

 private:
  static void WatchThreadExit();
  std::mutex mu_;
  std::map<std::thread::id, std::vector<std::pair<SOCKET, LPWSAOVERLAPPED>>> by_thread_;
};

struct ExitWatch {
  ~ExitWatch() {
    if (auto* m = g_exit_canceller.load()) m->OnThreadExit(std::this_thread::get_id());
  }
};
#if defined(_WIN32)
// As the mock's own thread-exit hook: a fiber-local slot's callback, since a
// thread_local with a destructor is unsafe under mingw-w64's emutls.
void NTAPI DeleteExitWatch(void* watch) { delete static_cast<ExitWatch*>(watch); }
thread_local ExitWatch* t_exit_watch = nullptr;
void ThreadExitCancelsPortOperations::WatchThreadExit() {
  static const DWORD slot = ::FlsAlloc(&DeleteExitWatch);
  if (t_exit_watch == nullptr) {
    t_exit_watch = new ExitWatch;
    ::FlsSetValue(slot, t_exit_watch);
  }
}
#else
void ThreadExitCancelsPortOperations::WatchThreadExit() {
  thread_local ExitWatch watch;
  (void)watch;
}
#endif

}  // namespace

void AddCloseMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"close-ends-only-closing-threads-operations", "CLOSE-1",
                  "closesocket ends only the closing thread's operations; other threads' are never indicated"},
                 Make<CloseEndsOnlyClosingThreadsOperations>()});
  out.push_back({{"close-reports-connection-aborted", "CLOSE-2",
                  "a send or receive ended by closesocket reports WSAECONNABORTED"},
                 Make<CloseReportsConnectionAborted>()});
  out.push_back({{"cancelioex-ignores-overlapped", "CLOSE-4",
                  "CancelIoEx ignores lpOverlapped and cancels every operation of the handle"},
                 Make<CancelIoExIgnoresOverlapped>()});
  out.push_back({{"cancelioex-all-cancels-calling-threads", "CLOSE-5",
                  "CancelIoEx(NULL) cancels only the calling thread's operations, as CancelIo"},
                 Make<CancelIoExAllCancelsCallingThreads>()});
  out.push_back({{"cancelioex-claims-success", "CLOSE-6", "CancelIoEx returns TRUE when nothing matched"},
                 Make<CancelIoExClaimsSuccess>()});
  out.push_back({{"cancel-reports-interrupted", "CLOSE-7",
                  "a cancelled operation reports WSAEINTR instead of ERROR_OPERATION_ABORTED"},
                 Make<CancelReportsInterrupted>()});
  out.push_back({{"cancelio-cancels-every-thread", "CLOSE-8", "CancelIo cancels the operations of every thread"},
                 Make<CancelIoCancelsEveryThread>()});
  out.push_back({{"shutdown-receive-aborts-pending-receives", "CLOSE-9",
                  "shutdown(SD_RECEIVE) aborts the receives already pending"},
                 Make<ShutdownReceiveAbortsPendingReceives>()});
  out.push_back({{"receive-after-shutdown-reads-end-of-data", "CLOSE-10",
                  "after shutdown(SD_RECEIVE) a receive completes at once with 0 bytes instead of failing"},
                 Make<ReceiveAfterShutdownReadsEndOfData>()});
  out.push_back({{"graceful-close-reported-as-disconnect", "CLOSE-11",
                  "the peer's graceful close fails a pending stream receive with WSAEDISCON"},
                 Make<GracefulCloseReportedAsDisconnect>()});
  out.push_back({{"reset-completes-receive-as-end-of-data", "CLOSE-12",
                  "the peer's reset completes a pending stream receive with success and 0 bytes"},
                 Make<ResetCompletesReceiveAsEndOfData>()});
  out.push_back({{"thread-exit-leaves-operations-pending", "CLOSE-13",
                  "the operations of a thread that exits stay pending, never indicated"},
                 Make<ThreadExitLeavesOperationsPending>()});
  out.push_back({{"thread-exit-cancels-port-operations", "CLOSE-14",
                  "a thread's exit cancels its operations on a port-associated socket too"},
                 Make<ThreadExitCancelsPortOperations>()});
}

}  // namespace wsac
