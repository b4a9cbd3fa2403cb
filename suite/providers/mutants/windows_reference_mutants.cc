// Mutants of part C, behaviour observed on Windows (WIN).
#include <map>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

// WIN-3: after a reset the provider counts the socket as no longer
// connected: the next receive fails with WSAENOTCONN instead of
// WSAECONNRESET.
class ReceiveAfterResetReportedAsNotConnected : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (IsReceive(call.kind) && call.ret != 0 && call.error == WSAECONNRESET) call.error = WSAENOTCONN;
  }
};

// WIN-4: the provider keeps the last byte of a stream receive's buffers
// spare (a string-terminator habit): a receive the data would fill gets one
// byte less, and the rest goes to the next receive.
class ReceiveKeepsOneByteSpare : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || !IsStream(call.s) || call.buffers == nullptr || call.buffer_count == 0) return false;
    if (TotalLength(call.buffers, call.buffer_count) < 2) return false;
    call.scratch.assign(call.buffers, call.buffers + call.buffer_count);
    for (auto it = call.scratch.rbegin(); it != call.scratch.rend(); ++it)
      if (it->len > 0) {
        --it->len;
        break;
      }
    call.buffers = call.scratch.data();
    return false;
  }
};

// WIN-5: a zero-length receive has nothing to copy, so the provider
// completes it at once with 0 bytes, data or not.
class ZeroLengthReceiveCompletesAtOnce : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || !IsStream(call.s) || call.ov == nullptr || call.buffers == nullptr ||
        call.buffer_count == 0 || call.flags == nullptr || TotalLength(call.buffers, call.buffer_count) != 0)
      return false;
    if (call.bytes != nullptr) *call.bytes = 0;
    *call.flags = 0;
    Synthesize(call.ov, OpResult{0, 0, 0}, true);
    call.ret = 0;
    return true;
  }
};

// WIN-6, WIN-7: a zero-length receive is implemented as a readiness probe
// that reports the bytes available as its count (WIN-6), or that reads the
// data that woke it and throws it away (WIN-7).
class ZeroLengthReceiveProbe : public InterceptingProvider {
 public:
  ZeroLengthReceiveProbe(std::unique_ptr<Provider> target, bool consumes)
      : InterceptingProvider(std::move(target)), consumes_(consumes) {}
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (!IsReceive(op.kind) || !IsStream(op.s) || op.capacity != 0 || r.error != 0 || op.socket_closed) return;
    u_long available = 0;
    if (target().ioctlsocket(op.s, FIONREAD, &available) != 0 || available == 0) return;
    if (!consumes_) {
      r.bytes = static_cast<DWORD>(available);
      return;
    }
    std::vector<char> sink(available);
    WSABUF buf{static_cast<ULONG>(available), sink.data()};
    DWORD n = 0, flags = 0;
    target().WSARecv(op.s, &buf, 1, &n, &flags, nullptr, nullptr);
  }

 private:
  bool consumes_;
};

// WIN-8: SO_RCVTIMEO applies to overlapped receives too: a receive still
// pending when a wait at least that long begins is ended with WSAETIMEDOUT.
class RcvTimeoFailsOverlappedReceive : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  int setsockopt(SOCKET s, int level, int optname, const char* optval, int optlen) override {
    int ret = InterceptingProvider::setsockopt(s, level, optname, optval, optlen);
    if (ret == 0 && level == SOL_SOCKET && optname == SO_RCVTIMEO && optval != nullptr &&
        optlen >= static_cast<int>(sizeof(DWORD))) {
      std::lock_guard lock(mu_);
      timeouts_[s] = *reinterpret_cast<const DWORD*>(optval);
    }
    return ret;
  }
  void AfterCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || call.ov == nullptr || call.ret == 0 || call.error != WSA_IO_PENDING) return;
    std::lock_guard lock(mu_);
    auto it = timeouts_.find(call.s);
    if (it != timeouts_.end() && it->second != 0) watched_[call.ov] = Watched{call.s, it->second};
  }
  void BeforeWait(DWORD timeout_ms) override {
    std::vector<std::pair<LPWSAOVERLAPPED, SOCKET>> expired;
    {
      std::lock_guard lock(mu_);
      for (auto it = watched_.begin(); it != watched_.end();) {
        if (it->first->Internal != STATUS_PENDING) {
          it = watched_.erase(it);
        } else if (timeout_ms >= it->second.timeout) {
          expired.emplace_back(it->first, it->second.s);
          it = watched_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& [ov, s] : expired) {
      Override(ov, OpResult{static_cast<DWORD>(WSAETIMEDOUT), 0, 0});
      target().CancelIoEx(AsHandle(s), ov);
    }
  }

 private:
  struct Watched {
    SOCKET s;
    DWORD timeout;
  };
  std::mutex mu_;
  std::map<SOCKET, DWORD> timeouts_;
  std::map<LPWSAOVERLAPPED, Watched> watched_;
};

// WIN-9: every call that takes a completion routine first runs the routines
// already queued to its thread (an alertable wait inside the call).
class InitiatingCallRunsQueuedRoutines : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.routine != nullptr && call.ov != nullptr) InterceptingProvider::SleepEx(0, TRUE);
    return false;
  }
};

// WIN-13: a stream send that pended is reported with the count of the last
// piece the provider handed on (64 KiB), not the whole send.
class PendedSendReportsLastPiece : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    constexpr DWORD kPiece = 64 * 1024;
    if (IsSend(op.kind) && IsStream(op.s) && op.pending && r.error == 0 && r.bytes > kPiece) r.bytes = kPiece;
  }
};

// WIN-14: a completion routine on a port-associated socket is refused with
// WSAEOPNOTSUPP instead of Windows' WSAEINVAL.
class RoutineOnPortRefusedNotSupported : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.routine != nullptr && call.ret != 0 && call.error == WSAEINVAL && Association(call.s, nullptr, nullptr))
      call.error = WSAEOPNOTSUPP;
  }
};

}  // namespace

void AddWindowsReferenceMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"receive-after-reset-reported-as-not-connected", "WIN-3",
                  "after a reset the next receive fails WSAENOTCONN instead of WSAECONNRESET"},
                 Make<ReceiveAfterResetReportedAsNotConnected>()});
  out.push_back({{"receive-keeps-one-byte-spare", "WIN-4",
                  "a stream receive keeps the last byte of its buffers spare; the rest goes to the next receive"},
                 Make<ReceiveKeepsOneByteSpare>()});
  out.push_back({{"zero-length-receive-completes-at-once", "WIN-5",
                  "a zero-length receive completes at once with 0 bytes even with nothing queued"},
                 Make<ZeroLengthReceiveCompletesAtOnce>()});
  out.push_back({{"zero-length-receive-reports-available", "WIN-6",
                  "a zero-length receive woken by data reports the bytes available as its count"},
                 MakeWith<ZeroLengthReceiveProbe>(false)});
  out.push_back({{"zero-length-receive-consumes-data", "WIN-7",
                  "a zero-length receive reads and discards the data that woke it"},
                 MakeWith<ZeroLengthReceiveProbe>(true)});
  out.push_back({{"rcvtimeo-fails-overlapped-receive", "WIN-8",
                  "SO_RCVTIMEO ends a pending overlapped receive with WSAETIMEDOUT"},
                 Make<RcvTimeoFailsOverlappedReceive>()});
  out.push_back({{"initiating-call-runs-queued-routines", "WIN-9",
                  "a call given a routine first runs the routines already queued to its thread"},
                 Make<InitiatingCallRunsQueuedRoutines>()});
  out.push_back({{"pended-send-reports-last-piece", "WIN-13",
                  "a stream send that pended reports the count of its last 64 KiB piece, not the whole send"},
                 Make<PendedSendReportsLastPiece>()});
  out.push_back({{"routine-on-port-refused-not-supported", "WIN-14",
                  "a routine on a port-associated socket is refused WSAEOPNOTSUPP instead of WSAEINVAL"},
                 Make<RoutineOnPortRefusedNotSupported>()});
}

}  // namespace wsac
