// Mutants of part B's completion ports (IOCP).

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

// IOCP-1: packets carry the socket handle as their key (the provider keys
// its own table by handle and hands that out).
class PacketKeyIsSocketHandle : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnPacket(const OperationRecord& op, CompletionReport& r) override { r.key = static_cast<ULONG_PTR>(op.s); }
};

// IOCP-2: a layered provider's packet carries its own per-operation context
// (a copy of the WSAOVERLAPPED at the head of a block of its own) instead
// of the application's WSAOVERLAPPED.
class PacketCarriesProviderOverlapped : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnPacket(const OperationRecord&, CompletionReport& r) override { r.ov = contexts_.CopyOf(r.ov); }

 private:
  ContextBlocks contexts_;
};

// IOCP-3: a successful operation's packet carries the length it asked for
// (its buffers' total) instead of the bytes transferred.
class PacketCountIsRequested : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnPacket(const OperationRecord& op, CompletionReport& r) override {
    if (r.error == 0 && op.kind != CallKind::Ioctl) r.bytes = op.capacity;
  }
};

// IOCP-4: association turns FILE_SKIP_COMPLETION_PORT_ON_SUCCESS on by
// default, so a call that returns 0 queues no packet.
class SkipOnSuccessSetByDefault : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  HANDLE CreateIoCompletionPort(HANDLE file, HANDLE port, ULONG_PTR key, DWORD threads) override {
    HANDLE h = InterceptingProvider::CreateIoCompletionPort(file, port, key, threads);
    if (h != nullptr && file != INVALID_HANDLE_VALUE)
      target().SetFileCompletionNotificationModes(file, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS);
    return h;
  }
};

// IOCP-5: SetFileCompletionNotificationModes succeeds but the provider
// never looks at FILE_SKIP_COMPLETION_PORT_ON_SUCCESS (a layered provider
// that is not IFS): a call that returns 0 still queues a packet.
class SkipOnSuccessIgnored : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL SetFileCompletionNotificationModes(HANDLE file, UCHAR flags) override {
    return target().SetFileCompletionNotificationModes(file, flags & ~FILE_SKIP_COMPLETION_PORT_ON_SUCCESS);
  }
};

// IOCP-6: with FILE_SKIP_COMPLETION_PORT_ON_SUCCESS set the provider skips
// the packet of every successful operation, the ones that pended too (it
// tests the status instead of how the call returned).
class SkipOnSuccessDropsPendingPackets : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnPacket(const OperationRecord& op, CompletionReport& r) override {
    if (op.pending && r.error == 0 && SkipsPortOnSuccess(op.s)) r.deliver = false;
  }
};

// IOCP-7: the port path does not look at how the call ended: a call on a
// port-associated socket that is refused still queues a packet with its
// error.
class RefusedCallQueuesPacket : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ov == nullptr || call.ret == 0 || call.error == WSA_IO_PENDING || call.routine != nullptr) return;
    if (LowBitSet(call.ov->hEvent) || !Association(call.s, nullptr, nullptr)) return;
    // A truncated datagram receive is indicated anyway (DGRAM-10).
    if (IsReceive(call.kind) && call.error == WSAEMSGSIZE) return;
    Synthesize(call.ov, OpResult{static_cast<DWORD>(call.error), 0, 0}, true);
  }
};

// IOCP-8: the provider masks the low-order bit off hEvent when it stores
// it, so it never sees the request to skip the port: a packet is queued.
class EventLowBitMasked : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.ov != nullptr && LowBitSet(call.ov->hEvent)) call.ov->hEvent = EventOf(call.ov->hEvent);
    return false;
  }
};

// IOCP-9: the provider reads a set low-order bit as "no notification at
// all": no packet, and no event signal either.
class LowBitEventNotSignaled : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.ov == nullptr || call.routine != nullptr || !LowBitSet(call.ov->hEvent)) return false;
    // The target signals an event nobody waits for, in place of the application's.
    std::lock_guard lock(mu_);
    if (decoy_ == nullptr) decoy_ = target().WSACreateEvent();
    call.ov->hEvent = reinterpret_cast<HANDLE>(reinterpret_cast<std::uintptr_t>(decoy_) | 1);
    return false;
  }

 private:
  std::mutex mu_;
  WSAEVENT decoy_ = nullptr;
};

// IOCP-10: the port takes precedence: a completion routine given on a
// port-associated socket is ignored and the call goes ahead.
class RoutineOnPortSocketIgnored : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.routine != nullptr && Association(call.s, nullptr, nullptr)) call.routine = nullptr;
    return false;
  }
};

}  // namespace

void AddPortMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"packet-key-is-socket-handle", "IOCP-1", "packets carry the socket handle as their completion key"},
                 Make<PacketKeyIsSocketHandle>()});
  out.push_back({{"packet-carries-provider-overlapped", "IOCP-2",
                  "packets carry the provider's copy of the WSAOVERLAPPED, not the application's"},
                 Make<PacketCarriesProviderOverlapped>()});
  out.push_back({{"packet-count-is-requested", "IOCP-3",
                  "a successful operation's packet carries the length asked for, not the bytes transferred"},
                 Make<PacketCountIsRequested>()});
  out.push_back({{"skip-on-success-set-by-default", "IOCP-4",
                  "association turns FILE_SKIP_COMPLETION_PORT_ON_SUCCESS on: a call returning 0 queues no packet"},
                 Make<SkipOnSuccessSetByDefault>()});
  out.push_back({{"skip-on-success-ignored", "IOCP-5",
                  "FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is accepted and ignored: a call returning 0 still queues one"},
                 Make<SkipOnSuccessIgnored>()});
  out.push_back({{"skip-on-success-drops-pending-packets", "IOCP-6",
                  "with FILE_SKIP_COMPLETION_PORT_ON_SUCCESS set, pending operations' packets are skipped too"},
                 Make<SkipOnSuccessDropsPendingPackets>()});
  out.push_back({{"refused-call-queues-packet", "IOCP-7",
                  "a refused call on a port-associated socket queues a packet with its error"},
                 Make<RefusedCallQueuesPacket>()});
  out.push_back({{"event-low-bit-masked", "IOCP-8",
                  "the low-order bit of hEvent is masked off when stored, so a packet is queued"},
                 Make<EventLowBitMasked>()});
  out.push_back({{"low-bit-event-not-signaled", "IOCP-9",
                  "with hEvent's low-order bit set, neither a packet nor the event signal is given"},
                 Make<LowBitEventNotSignaled>()});
  out.push_back({{"routine-on-port-socket-ignored", "IOCP-10",
                  "a completion routine given on a port-associated socket is ignored; the call goes ahead"},
                 Make<RoutineOnPortSocketIgnored>()});
}

}  // namespace wsac
