// Mutants of part B's arguments and results (ARG), bad input (BAD) and the
// reference pages' error codes (ERR).
#include <algorithm>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

// ARG-1: a receive that pends stores the bytes received so far (none) in
// *lpNumberOfBytesRecvd.
class PendingReceiveWritesCountSoFar : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (IsReceive(call.kind) && call.ret != 0 && call.error == WSA_IO_PENDING && call.bytes != nullptr) *call.bytes = 0;
  }
};

// ARG-2: a send that pends stores the length it was asked to send in
// *lpNumberOfBytesSent, as if it had gone out already.
class PendingSendWritesRequestedCount : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (IsSend(call.kind) && call.ret != 0 && call.error == WSA_IO_PENDING && call.bytes != nullptr)
      *call.bytes = TotalLength(call.buffers, call.buffer_count);
  }
};

// ARG-3: a receive that pends stores its result flags (a plain receive's:
// none) in *lpFlags, overwriting the caller's input flags.
class PendingReceiveWritesResultFlags : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (IsReceive(call.kind) && call.ret != 0 && call.error == WSA_IO_PENDING && call.flags != nullptr) *call.flags = 0;
  }
};

// ARG-4, ARG-5: the byte-count pointer is validated as for a call without
// lpOverlapped: NULL is refused with WSAEFAULT.
class NullCountRefused : public InterceptingProvider {
 public:
  NullCountRefused(std::unique_ptr<Provider> target, bool receives)
      : InterceptingProvider(std::move(target)), receives_(receives) {}
  bool BeforeCall(InitiatingCall& call) override {
    if (call.kind == CallKind::Ioctl || IsReceive(call.kind) != receives_ || call.ov == nullptr || call.bytes != nullptr)
      return false;
    call.ret = SOCKET_ERROR;
    call.error = WSAEFAULT;
    return true;
  }

 private:
  bool receives_;
};

// ARG-8: the buffers of one receive are filled last to first.
class ReceiveBuffersFilledLastToFirst : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || call.buffers == nullptr || call.buffer_count < 2) return false;
    call.scratch.assign(call.buffers, call.buffers + call.buffer_count);
    std::reverse(call.scratch.begin(), call.scratch.end());
    call.buffers = call.scratch.data();
    return false;
  }
};

// ARG-9: the provider copies whole 4-byte words into each buffer but the
// last, so an earlier buffer whose length is no multiple of 4 keeps an
// unfilled tail while the next one gets bytes.
class ReceiveBuffersFilledInWords : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (!IsReceive(call.kind) || call.buffers == nullptr || call.buffer_count < 2) return false;
    call.scratch.assign(call.buffers, call.buffers + call.buffer_count);
    for (size_t i = 0; i + 1 < call.scratch.size(); ++i) call.scratch[i].len &= ~ULONG{3};
    call.buffers = call.scratch.data();
    return false;
  }
};

// ARG-10: the buffers of one send are gathered last to first.
class SendBuffersSentLastToFirst : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (!IsSend(call.kind) || call.buffers == nullptr || call.buffer_count < 2) return false;
    call.scratch.assign(call.buffers, call.buffers + call.buffer_count);
    std::reverse(call.scratch.begin(), call.scratch.end());
    call.buffers = call.scratch.data();
    return false;
  }
};

// ARG-11, ARG-12: a call without lpOverlapped and routine runs, but its byte
// count is stored only on the overlapped completion path: the out-parameter
// stays as the caller left it.
class PlainCallCountNotStored : public InterceptingProvider {
 public:
  PlainCallCountNotStored(std::unique_ptr<Provider> target, bool receives)
      : InterceptingProvider(std::move(target)), receives_(receives) {}
  bool BeforeCall(InitiatingCall& call) override {
    if (call.kind == CallKind::Ioctl || IsReceive(call.kind) != receives_ || call.ov != nullptr ||
        call.routine != nullptr || call.bytes == nullptr)
      return false;
    call.scratch_bytes = *call.bytes;
    call.bytes = &call.scratch_bytes;
    return false;
  }

 private:
  bool receives_;
};

// ARG-13: a receive that completes at once stores the length of its buffers
// in *lpNumberOfBytesRecvd instead of the bytes received.
class ImmediateReceiveCountIsBufferLength : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (IsReceive(call.kind) && call.ov != nullptr && call.ret == 0 && call.bytes != nullptr)
      *call.bytes = TotalLength(call.buffers, call.buffer_count);
  }
};

// ARG-14: a send that completes at once stores the bytes it still has to
// send (none) in *lpNumberOfBytesSent instead of the bytes sent.
class ImmediateSendCountIsBytesLeft : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (IsSend(call.kind) && call.ov != nullptr && call.ret == 0 && call.bytes != nullptr) *call.bytes = 0;
  }
};

// ARG-15: the synchronous receive path ignores FIONBIO: on a non-blocking
// socket with nothing queued it waits for data, as a blocking socket's
// receive does, instead of failing with WSAEWOULDBLOCK. The target is made
// to do the waiting (the socket is blocking for the call and non-blocking
// again after it), so the wait is one provider wait: a poll loop of short
// sleeps would cost the mock's virtual clock a step per sleep, and under
// load its real time would outrun the case's deadline.
class SynchronousReceiveIgnoresNonBlocking : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (!Applies(call)) return false;
    u_long off = 0;
    target().ioctlsocket(call.s, FIONBIO, &off);
    return false;
  }
  void AfterCall(InitiatingCall& call) override {
    if (!Applies(call)) return;
    u_long on = 1;
    target().ioctlsocket(call.s, FIONBIO, &on);
  }

 private:
  // A synchronous receive the application made non-blocking.
  bool Applies(const InitiatingCall& call) {
    return IsReceive(call.kind) && IsNonBlocking(call.s) && !(call.ov != nullptr && Overlapped(call.s));
  }
};

// BAD-1: dwBufferCount 0 is taken as one empty buffer.
class ZeroBufferCountAccepted : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  bool BeforeCall(InitiatingCall& call) override {
    if (call.kind == CallKind::Ioctl || call.buffer_count != 0) return false;
    static char byte;
    call.scratch.assign(1, WSABUF{0, &byte});
    call.buffers = call.scratch.data();
    call.buffer_count = 1;
    return false;
  }
};

// BAD-2: a handle that is no socket is reported as a bad descriptor,
// WSAEBADF, as a POSIX-backed provider's file-descriptor check says.
class BadHandleReportedAsWsaebadf : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ret != 0 && call.error == WSAENOTSOCK) call.error = WSAEBADF;
  }
};

// BAD-3: a NULL buffer array or lpFlags is refused with WSAEINVAL, the code
// of the argument check it shares with dwBufferCount.
class NullPointerReportedAsEinval : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.kind == CallKind::Ioctl || call.ret == 0 || call.error != WSAEFAULT) return;
    if (call.buffers == nullptr || (IsReceive(call.kind) && call.flags == nullptr)) call.error = WSAEINVAL;
  }
};

// BAD-4: a call refused for bad input still goes through the completion
// path: its event is signaled, its routine queued, its packet queued, each
// with the refusal's error.
class BadInputRefusalIndicated : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.ov == nullptr || call.ret == 0) return;
    if (call.error != WSAEFAULT && call.error != WSAEINVAL && call.error != WSAENOTSOCK) return;
    // A routine on a port socket is refused for the port, not for bad input (IOCP-10).
    if (call.routine != nullptr && Association(call.s, nullptr, nullptr)) return;
    Synthesize(call.ov, OpResult{static_cast<DWORD>(call.error), 0, 0}, true);
  }
};

// ERR-1, ERR-2: a receive on a stream socket that never connected checks
// for a local address first and fails with WSAEINVAL (the code for an
// unbound socket) instead of WSAENOTCONN; WSARecv (ERR-1) and WSARecvFrom
// (ERR-2) have their own copies of the check.
class UnconnectedReceiveReportedAsEinval : public InterceptingProvider {
 public:
  UnconnectedReceiveReportedAsEinval(std::unique_ptr<Provider> target, CallKind kind)
      : InterceptingProvider(std::move(target)), kind_(kind) {}
  void AfterCall(InitiatingCall& call) override {
    if (call.kind == kind_ && call.ret != 0 && call.error == WSAENOTCONN) call.error = WSAEINVAL;
  }

 private:
  CallKind kind_;
};

// ERR-3, ERR-4: after shutdown(SD_SEND) the provider counts the socket as no
// longer connected: a send fails with WSAENOTCONN instead of WSAESHUTDOWN.
class SendAfterShutdownReportedAsNotConnected : public InterceptingProvider {
 public:
  SendAfterShutdownReportedAsNotConnected(std::unique_ptr<Provider> target, CallKind kind)
      : InterceptingProvider(std::move(target)), kind_(kind) {}
  void AfterCall(InitiatingCall& call) override {
    if (call.kind == kind_ && call.ret != 0 && call.error == WSAESHUTDOWN) call.error = WSAENOTCONN;
  }

 private:
  CallKind kind_;
};

// ERR-5: an ioctl whose input or output buffer is too small fails with
// WSAENOBUFS ("no buffer space") instead of WSAEFAULT.
class SmallIoctlBufferReportedAsNoBuffers : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  void AfterCall(InitiatingCall& call) override {
    if (call.kind != CallKind::Ioctl || call.ret == 0 || call.error != WSAEFAULT || call.bytes == nullptr) return;
    const bool small_in = call.in != nullptr && call.in_len < sizeof(u_long);
    const bool small_out = call.out != nullptr && call.out_len < sizeof(u_long);
    if (small_in || small_out) call.error = WSAENOBUFS;
  }
};

}  // namespace

void AddArgumentMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"pending-receive-writes-count-so-far", "ARG-1",
                  "a receive that pends stores the bytes received so far (0) in *lpNumberOfBytesRecvd"},
                 Make<PendingReceiveWritesCountSoFar>()});
  out.push_back({{"pending-send-writes-requested-count", "ARG-2",
                  "a send that pends stores the length asked for in *lpNumberOfBytesSent"},
                 Make<PendingSendWritesRequestedCount>()});
  out.push_back({{"pending-receive-writes-result-flags", "ARG-3",
                  "a receive that pends stores its result flags (0) in *lpFlags over the input flags"},
                 Make<PendingReceiveWritesResultFlags>()});
  out.push_back({{"null-receive-count-refused", "ARG-4",
                  "an overlapped receive with lpNumberOfBytesRecvd NULL fails WSAEFAULT"},
                 MakeWith<NullCountRefused>(true)});
  out.push_back({{"null-send-count-refused", "ARG-5", "an overlapped send with lpNumberOfBytesSent NULL fails WSAEFAULT"},
                 MakeWith<NullCountRefused>(false)});
  out.push_back({{"receive-buffers-filled-last-to-first", "ARG-8", "the buffers of one receive are filled last to first"},
                 Make<ReceiveBuffersFilledLastToFirst>()});
  out.push_back({{"receive-buffers-filled-in-words", "ARG-9",
                  "whole 4-byte words go into each buffer but the last, leaving holes at their tails"},
                 Make<ReceiveBuffersFilledInWords>()});
  out.push_back({{"send-buffers-sent-last-to-first", "ARG-10", "the buffers of one send are transmitted last to first"},
                 Make<SendBuffersSentLastToFirst>()});
  out.push_back({{"plain-receive-count-not-stored", "ARG-11",
                  "a receive without lpOverlapped leaves *lpNumberOfBytesRecvd as the caller set it"},
                 MakeWith<PlainCallCountNotStored>(true)});
  out.push_back({{"plain-send-count-not-stored", "ARG-12",
                  "a send without lpOverlapped leaves *lpNumberOfBytesSent as the caller set it"},
                 MakeWith<PlainCallCountNotStored>(false)});
  out.push_back({{"immediate-receive-count-is-buffer-length", "ARG-13",
                  "a receive that returns 0 stores its buffers' length instead of the bytes received"},
                 Make<ImmediateReceiveCountIsBufferLength>()});
  out.push_back({{"immediate-send-count-is-bytes-left", "ARG-14",
                  "a send that returns 0 stores the bytes left to send (0) instead of the bytes sent"},
                 Make<ImmediateSendCountIsBytesLeft>()});
  out.push_back({{"synchronous-receive-ignores-nonblocking", "ARG-15",
                  "a synchronous receive on a non-blocking socket waits for data instead of failing WSAEWOULDBLOCK"},
                 Make<SynchronousReceiveIgnoresNonBlocking>()});
  out.push_back({{"zero-buffer-count-accepted", "BAD-1", "dwBufferCount 0 is taken as one empty buffer"},
                 Make<ZeroBufferCountAccepted>()});
  out.push_back({{"bad-handle-reported-as-wsaebadf", "BAD-2", "a handle that is no socket is refused with WSAEBADF"},
                 Make<BadHandleReportedAsWsaebadf>()});
  out.push_back({{"null-pointer-reported-as-einval", "BAD-3",
                  "a NULL buffer array or lpFlags is refused with WSAEINVAL instead of WSAEFAULT"},
                 Make<NullPointerReportedAsEinval>()});
  out.push_back({{"bad-input-refusal-indicated", "BAD-4",
                  "a call refused for bad input is indicated with its error (event, routine, packet)"},
                 Make<BadInputRefusalIndicated>()});
  out.push_back({{"unconnected-receive-reported-as-einval", "ERR-1",
                  "WSARecv on a stream socket that never connected fails WSAEINVAL instead of WSAENOTCONN"},
                 MakeWith<UnconnectedReceiveReportedAsEinval>(CallKind::Recv)});
  out.push_back({{"unconnected-recvfrom-reported-as-einval", "ERR-2",
                  "WSARecvFrom on a stream socket that never connected fails WSAEINVAL instead of WSAENOTCONN"},
                 MakeWith<UnconnectedReceiveReportedAsEinval>(CallKind::RecvFrom)});
  out.push_back({{"send-after-shutdown-reported-as-not-connected", "ERR-3",
                  "WSASend after shutdown(SD_SEND) fails WSAENOTCONN instead of WSAESHUTDOWN"},
                 MakeWith<SendAfterShutdownReportedAsNotConnected>(CallKind::Send)});
  out.push_back({{"sendto-after-shutdown-reported-as-not-connected", "ERR-4",
                  "WSASendTo after shutdown(SD_SEND) fails WSAENOTCONN instead of WSAESHUTDOWN"},
                 MakeWith<SendAfterShutdownReportedAsNotConnected>(CallKind::SendTo)});
  out.push_back({{"small-ioctl-buffer-reported-as-no-buffers", "ERR-5",
                  "an ioctl whose buffer is too small fails WSAENOBUFS instead of WSAEFAULT"},
                 Make<SmallIoctlBufferReportedAsNoBuffers>()});
}

}  // namespace wsac
