// Mutants of part B's WSAIoctl statements (IOCTL).
#include <deque>

#include "suite/providers/mutants/mutant_set.h"
#include "suite/providers/mutants/reports_pending.h"

namespace wsac {
namespace {

// IOCTL-1, IOCTL-2: the provider treats one of the waiting ioctls as a
// blocking call whatever lpOverlapped says: it waits inside the call (until
// closesocket or CancelIoEx ends it; on a non-blocking socket it fails
// WSAEWOULDBLOCK at once).
class WaitingIoctlWaitsInCall : public InterceptingProvider {
 public:
  WaitingIoctlWaitsInCall(std::unique_ptr<Provider> target, DWORD code)
      : InterceptingProvider(std::move(target)), code_(code) {}
  bool BeforeCall(InitiatingCall& call) override {
    if (call.kind == CallKind::Ioctl && call.code == code_ && call.ov != nullptr) {
      call.ov = nullptr;
      call.routine = nullptr;
    }
    return false;
  }

 private:
  DWORD code_;
};

// IOCTL-3: closesocket ends pending sends and receives (the ones the
// closesocket page names) but leaves a pending ioctl alone: it is never
// indicated.
class CloseLeavesWaitingIoctlsPending : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  int closesocket(SOCKET s) override {
    std::vector<LPWSAOVERLAPPED> ioctls;
    for (auto& [ov, op] : PendingOn(s))
      if (op.kind == CallKind::Ioctl) ioctls.push_back(ov);
    int ret = InterceptingProvider::closesocket(s);
    for (LPWSAOVERLAPPED ov : ioctls) Suppress(ov);
    return ret;
  }
};

// IOCTL-5: an ioctl that completes at once is treated as synchronous: its
// event is not signaled and its routine not queued (a port packet, IOCTL-6's
// business, still is).
class ImmediateIoctlNotIndicated : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.kind != CallKind::Ioctl || call.ov == nullptr || call.ret != 0) return;
    if (call.routine == nullptr && Association(call.s, nullptr, nullptr) && !LowBitSet(call.ov->hEvent)) return;
    Suppress(call.ov);
  }
};

// IOCTL-6: an ioctl that completes at once queues no packet to the port.
class ImmediateIoctlQueuesNoPacket : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnPacket(const OperationRecord& op, CompletionReport& r) override {
    if (op.kind == CallKind::Ioctl && op.immediate) r.deliver = false;
  }
};

// IOCTL-7: lpcbBytesReturned is needed only by synchronous calls, so NULL is
// accepted with lpOverlapped (the count goes to a word of the provider's).
class IoctlNullByteCountAccepted : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.kind != CallKind::Ioctl || call.bytes != nullptr) return false;
    std::lock_guard lock(mu_);
    call.bytes = &words_.emplace_back(0);  // outlives a pending ioctl
    return false;
  }

 private:
  std::mutex mu_;
  std::deque<DWORD> words_;
};

// IOCTL-8: a layered provider that intercepts SIO_BASE_HANDLE and refuses
// it, as providers that fail every control code they do not know do. (The
// sample provider suite/providers/samples/base_handle_refused.cc does the
// same in front of Wine's ws2_32.)
class BaseHandleRefused : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  int WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD in_size, LPVOID out, DWORD out_size, LPDWORD returned,
               LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE routine) override {
    if (code != static_cast<DWORD>(SIO_BASE_HANDLE))
      return InterceptingProvider::WSAIoctl(s, code, in, in_size, out, out_size, returned, ov, routine);
    WSASetLastError(WSAEOPNOTSUPP);
    return SOCKET_ERROR;
  }
};

}  // namespace

void AddIoctlMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"address-list-change-waits-in-call", "IOCTL-1",
                  "an overlapped SIO_ADDRESS_LIST_CHANGE waits inside the call"},
                 MakeWith<WaitingIoctlWaitsInCall>(static_cast<DWORD>(SIO_ADDRESS_LIST_CHANGE))});
  out.push_back({{"routing-change-waits-in-call", "IOCTL-2",
                  "an overlapped SIO_ROUTING_INTERFACE_CHANGE waits inside the call"},
                 MakeWith<WaitingIoctlWaitsInCall>(static_cast<DWORD>(SIO_ROUTING_INTERFACE_CHANGE))});
  out.push_back({{"close-leaves-waiting-ioctls-pending", "IOCTL-3",
                  "closesocket ends sends and receives but leaves a pending ioctl never indicated"},
                 Make<CloseLeavesWaitingIoctlsPending>()});
  out.push_back({{"immediate-ioctl-pends", "IOCTL-4",
                  "an ioctl that needs no waiting is reported WSA_IO_PENDING and indicated at the next wait"},
                 [](std::unique_ptr<Provider> t) -> std::unique_ptr<Provider> {
                   return std::make_unique<ReportsImmediateAsPending>(std::move(t), false);
                 }});
  out.push_back({{"immediate-ioctl-not-indicated", "IOCTL-5",
                  "an ioctl that returns 0 signals no event and queues no routine"},
                 Make<ImmediateIoctlNotIndicated>()});
  out.push_back({{"immediate-ioctl-queues-no-packet", "IOCTL-6", "an ioctl that returns 0 queues no port packet"},
                 Make<ImmediateIoctlQueuesNoPacket>()});
  out.push_back({{"ioctl-null-byte-count-accepted", "IOCTL-7",
                  "WSAIoctl accepts lpcbBytesReturned NULL with lpOverlapped"},
                 Make<IoctlNullByteCountAccepted>()});
  out.push_back({{"base-handle-refused", "IOCTL-8", "SIO_BASE_HANDLE is intercepted and refused with WSAEOPNOTSUPP"},
                 Make<BaseHandleRefused>()});
}

}  // namespace wsac
