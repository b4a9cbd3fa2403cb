// Mutants of part B's datagram statements (DGRAM). DGRAM-2 (the rest of a
// truncated datagram is discarded) needs the rest, which only the model
// has: it is the mock switch "datagram-truncation-keeps-rest" (mutants.cc).
#include <algorithm>
#include <deque>
#include <optional>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

constexpr ULONG kMaxDatagram = 65507;  // IPv4's; below IPv6's too

bool Truncated(DWORD error) { return error == WSAEMSGSIZE || error == ERROR_MORE_DATA; }

// DGRAM-1: a datagram larger than the buffers is dropped before anything is
// copied: the truncation is reported, the buffers keep what they held.
class TruncatedDatagramNotCopied : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (IsReceive(call.kind) && call.ov != nullptr && !IsStream(call.s))
      images_.Put(call.ov, BufferImage(call.buffers, call.buffer_count));
    return false;
  }
  void AfterCall(InitiatingCall& call) override {
    if (call.ov == nullptr || (call.ret != 0 && call.error == WSA_IO_PENDING)) return;
    std::optional<BufferImage> image = images_.Take(call.ov);
    if (image && call.ret != 0 && Truncated(static_cast<DWORD>(call.error))) image->Restore();
  }
  void OnCompletion(const OperationRecord&, CompletionReport& r) override {
    std::optional<BufferImage> image = images_.Take(r.ov);
    if (image && Truncated(r.error)) image->Restore();
  }

 private:
  PerOperation<BufferImage> images_;
};

// DGRAM-3: a truncated datagram is reported as message protocols report a
// partial message: success, with MSG_PARTIAL in the flags.
class TruncationReportedAsPartialSuccess : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (IsReceive(op.kind) && Truncated(r.error)) {
      r.error = 0;
      r.flags |= MSG_PARTIAL;
    }
  }
  void AfterCall(InitiatingCall& call) override {
    if (IsReceive(call.kind) && call.ret != 0 && call.error == WSAEMSGSIZE) {
      call.ret = 0;
      call.error = 0;
      if (call.flags != nullptr) *call.flags |= MSG_PARTIAL;
    }
  }
};

// DGRAM-4, DGRAM-5: a WSARecvFrom that pends writes the sender's address
// and its length into a copy of its own, and at completion copies back only
// one of the two (the length for DGRAM-4, the address for DGRAM-5). One that
// completes at once copies both.
class PendingRecvFromHalfStored : public InterceptingProvider {
 public:
  PendingRecvFromHalfStored(std::unique_ptr<Provider> target, bool address)
      : InterceptingProvider(std::move(target)), copies_address_(address) {}
  bool BeforeCall(InitiatingCall& call) override {
    if (call.kind != CallKind::RecvFrom || call.ov == nullptr || call.from == nullptr || call.fromlen == nullptr)
      return false;
    Slot* slot;
    {
      std::lock_guard lock(mu_);
      slot = &slots_.emplace_back();  // the target writes it at completion: kept for the run
    }
    slot->app_from = call.from;
    slot->app_fromlen = call.fromlen;
    slot->len = *call.fromlen;
    call.from = reinterpret_cast<sockaddr*>(&slot->addr);
    call.fromlen = &slot->len;
    by_ov_.Put(call.ov, slot);
    return false;
  }
  void AfterCall(InitiatingCall& call) override {
    if (call.ov == nullptr || (call.ret != 0 && call.error == WSA_IO_PENDING)) return;
    if (std::optional<Slot*> slot = by_ov_.Take(call.ov)) CopyBack(**slot, true, true);
  }
  void OnCompletion(const OperationRecord&, CompletionReport& r) override {
    if (std::optional<Slot*> slot = by_ov_.Take(r.ov)) CopyBack(**slot, copies_address_, !copies_address_);
  }

 private:
  struct Slot {
    sockaddr_storage addr{};
    int len = 0;
    sockaddr* app_from = nullptr;
    LPINT app_fromlen = nullptr;
  };
  static void CopyBack(const Slot& slot, bool address, bool length) {
    if (address) std::memcpy(slot.app_from, &slot.addr, static_cast<size_t>(std::min<int>(slot.len, *slot.app_fromlen)));
    if (length) *slot.app_fromlen = slot.len;
  }
  bool copies_address_;
  std::mutex mu_;
  std::deque<Slot> slots_;
  PerOperation<Slot*> by_ov_;
};

// DGRAM-6: a datagram send above the maximum is cut to the maximum and
// reported as sent in full.
class OversizeDatagramCutToMaximum : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    original_total_ = 0;
    if (!IsSend(call.kind) || IsStream(call.s) || call.buffers == nullptr) return false;
    ULONG total = 0;
    for (DWORD i = 0; i < call.buffer_count; ++i) total += call.buffers[i].len;
    if (total <= kMaxDatagram) return false;
    ULONG left = kMaxDatagram;
    for (DWORD i = 0; i < call.buffer_count && left > 0; ++i) {
      ULONG n = std::min(left, call.buffers[i].len);
      call.scratch.push_back(WSABUF{n, call.buffers[i].buf});
      left -= n;
    }
    original_total_ = total;
    call.buffers = call.scratch.data();
    call.buffer_count = static_cast<DWORD>(call.scratch.size());
    return false;
  }
  void AfterCall(InitiatingCall& call) override {
    if (call.ret == 0 && original_total_ != 0 && call.bytes != nullptr) *call.bytes = original_total_;
    if (call.ov != nullptr && original_total_ != 0) totals_.Put(call.ov, original_total_);
  }
  void OnCompletion(const OperationRecord&, CompletionReport& r) override {
    std::optional<ULONG> total = totals_.Take(r.ov);
    if (total && r.error == 0) r.bytes = *total;
  }

 private:
  static thread_local ULONG original_total_;
  PerOperation<ULONG> totals_;
};
thread_local ULONG OversizeDatagramCutToMaximum::original_total_ = 0;

// DGRAM-7: a datagram send above the maximum goes out cut to the maximum,
// and only then does the provider notice the size and refuse the call with
// WSAEMSGSIZE.
class OversizeDatagramPrefixSent : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (!IsSend(call.kind) || IsStream(call.s) || call.buffers == nullptr) return false;
    ULONG total = 0;
    for (DWORD i = 0; i < call.buffer_count; ++i) total += call.buffers[i].len;
    if (total <= kMaxDatagram) return false;
    std::vector<WSABUF> prefix;
    ULONG left = kMaxDatagram;
    for (DWORD i = 0; i < call.buffer_count && left > 0; ++i) {
      ULONG n = std::min(left, call.buffers[i].len);
      prefix.push_back(WSABUF{n, call.buffers[i].buf});
      left -= n;
    }
    DWORD sent = 0;
    const DWORD count = static_cast<DWORD>(prefix.size());
    if (call.kind == CallKind::SendTo)
      target().WSASendTo(call.s, prefix.data(), count, &sent, call.send_flags, call.to, call.tolen, nullptr, nullptr);
    else
      target().WSASend(call.s, prefix.data(), count, &sent, call.send_flags, nullptr, nullptr);
    return false;  // the target refuses the whole datagram
  }
};

// DGRAM-8: a datagram receive with room to spare takes the datagrams queued
// behind the first too, as a stream receive would.
class DatagramReceiveTakesEveryQueued : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || IsStream(call.s) || call.ov == nullptr || call.ret != 0 || call.buffers == nullptr)
      return;
    DWORD got = static_cast<DWORD>(call.ov->InternalHigh);
    DWORD extra = 0;
    for (;;) {
      u_long queued = 0;
      if (target().ioctlsocket(call.s, FIONREAD, &queued) != 0 || queued == 0) break;
      std::vector<WSABUF> rest = After(call.buffers, call.buffer_count, got + extra);
      if (rest.empty()) break;
      DWORD n = 0, flags = 0;
      if (target().WSARecv(call.s, rest.data(), static_cast<DWORD>(rest.size()), &n, &flags, nullptr, nullptr) != 0)
        break;
      extra += n;
    }
    if (extra == 0) return;
    if (call.bytes != nullptr) *call.bytes += extra;
    extra_.Put(call.ov, extra);
  }
  void OnCompletion(const OperationRecord&, CompletionReport& r) override {
    if (std::optional<DWORD> extra = extra_.Take(r.ov)) r.bytes += *extra;
  }

 private:
  // The part of the buffers after the first `used` bytes.
  static std::vector<WSABUF> After(const WSABUF* bufs, DWORD count, DWORD used) {
    std::vector<WSABUF> out;
    for (DWORD i = 0; i < count; ++i) {
      if (used >= bufs[i].len) {
        used -= bufs[i].len;
        continue;
      }
      out.push_back(WSABUF{bufs[i].len - used, bufs[i].buf + used});
      used = 0;
    }
    return out;
  }
  PerOperation<DWORD> extra_;
};

// DGRAM-10: a receive that finds an oversize datagram queued fails at once
// with WSAEMSGSIZE (a choice DGRAM-9 permits) and the provider, taking the
// warning for a refusal, never indicates it.
class ImmediateTruncationNotIndicated : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || IsStream(call.s) || call.ov == nullptr || call.ret == 0) return;
    // The target finished the receive inside the call and reported it pending.
    if (call.error == WSA_IO_PENDING && call.ov->Internal == STATUS_BUFFER_OVERFLOW) call.error = WSAEMSGSIZE;
    if (call.error == WSAEMSGSIZE) Suppress(call.ov);
  }
};

// DGRAM-11: the error path zeroes the count: a truncated receive reports 0
// bytes with WSAEMSGSIZE instead of the bytes placed.
class TruncationReportsZeroBytes : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void OnCompletion(const OperationRecord& op, CompletionReport& r) override {
    if (IsReceive(op.kind) && Truncated(r.error)) r.bytes = 0;
  }
};

}  // namespace

void AddDatagramMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"truncated-datagram-not-copied", "DGRAM-1",
                  "a datagram larger than the buffers is dropped before copying: the buffers keep what they held"},
                 Make<TruncatedDatagramNotCopied>()});
  out.push_back({{"truncation-reported-as-partial-success", "DGRAM-3",
                  "a truncated datagram receive reports success with MSG_PARTIAL instead of WSAEMSGSIZE"},
                 Make<TruncationReportedAsPartialSuccess>()});
  out.push_back({{"pending-recvfrom-address-not-stored", "DGRAM-4",
                  "a WSARecvFrom that pends stores the sender's address length but not the address"},
                 MakeWith<PendingRecvFromHalfStored>(false)});
  out.push_back({{"pending-recvfrom-length-not-stored", "DGRAM-5",
                  "a WSARecvFrom that pends stores the sender's address but leaves *lpFromlen as passed"},
                 MakeWith<PendingRecvFromHalfStored>(true)});
  out.push_back({{"oversize-datagram-cut-to-maximum", "DGRAM-6",
                  "a datagram send above the maximum is cut to 65507 bytes and reported sent in full"},
                 Make<OversizeDatagramCutToMaximum>()});
  out.push_back({{"oversize-datagram-prefix-sent", "DGRAM-7",
                  "a datagram send above the maximum transmits its first 65507 bytes, then fails WSAEMSGSIZE"},
                 Make<OversizeDatagramPrefixSent>()});
  out.push_back({{"datagram-receive-takes-every-queued", "DGRAM-8",
                  "a datagram receive with room to spare also takes the datagrams queued behind the first"},
                 Make<DatagramReceiveTakesEveryQueued>()});
  out.push_back({{"immediate-truncation-not-indicated", "DGRAM-10",
                  "a receive failing at once with WSAEMSGSIZE is taken for refused: no indication follows"},
                 Make<ImmediateTruncationNotIndicated>()});
  out.push_back({{"truncation-reports-zero-bytes", "DGRAM-11",
                  "a truncated datagram receive reports 0 bytes with WSAEMSGSIZE instead of the bytes placed"},
                 Make<TruncationReportsZeroBytes>()});
}

}  // namespace wsac
