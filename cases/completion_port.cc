// IOCP-1..IOCP-6, IOCP-8..IOCP-10 (with S14, S16): completion ports, the
// positive contract (failed calls queuing nothing, IOCP-7, are in
// failed_call_no_indication.cc).
//   - a packet carries the association's key, the WSAOVERLAPPED and the result
//   - a call that returns 0 still queues a packet, unless
//     FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is set; pending ones always do
//   - hEvent with its low-order bit set: no packet, the event is signaled
//   - a completion routine on a port-associated socket is refused
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "suite/fixtures/call_case.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

bool IsReceive(Call c) { return c == Call::WSARecv || c == Call::WSARecvFrom; }
const std::vector<Call> kAllCalls{Call::WSARecv, Call::WSARecvFrom, Call::WSASend, Call::WSASendTo};

std::vector<CallParam> Port(std::vector<CaseParam> bases, const std::vector<Call>& calls) {
  for (CaseParam& b : bases) b.mechanism = Mechanism::Port;
  return WithCalls(bases, calls);
}
std::vector<CallParam> PortPerKind(const std::vector<Call>& calls) { return Port(Cross({.kinds = AllKinds()}), calls); }

struct Packet {
  BOOL ok = FALSE;
  DWORD error = 0;
  DWORD bytes = 0;
  ULONG_PTR key = 0;
  LPOVERLAPPED ov = nullptr;
};
// One GetQueuedCompletionStatus; nullopt when nothing came within ms.
std::optional<Packet> Dequeue(Provider& p, HANDLE port, DWORD ms) {
  Packet pk;
  pk.ok = p.GetQueuedCompletionStatus(port, &pk.bytes, &pk.key, &pk.ov, ms);
  pk.error = pk.ok ? 0 : p.GetLastError();
  if (pk.ov == nullptr) return std::nullopt;
  return pk;
}
// Packets the case dequeued itself: the observer must not wait for them
// again when it drains at the end of the case.
void MarkIndicated(Operation& op, const Packet& pk) {
  Indication ind;
  ind.error = pk.error;
  ind.bytes = pk.bytes;
  ind.key = pk.key;
  ind.overlapped = pk.ov;
  op.indication = ind;
}
// An operation the case knows will queue no packet (low-bit hEvent).
void MarkIndicatedWithoutPacket(Operation& op, DWORD bytes) {
  Indication ind;
  ind.bytes = bytes;
  ind.overlapped = &op.ov;
  op.indication = ind;
}
void ObservePacket(const std::string& prefix, const std::optional<Packet>& pk) {
  Observe(prefix + ".dequeued", pk ? 1 : 0);
  if (!pk) return;
  Observe(prefix + ".ok", pk->ok);
  Observe(prefix + ".error", pk->error);
  Observe(prefix + ".bytes", pk->bytes);
  Observe(prefix + ".key", static_cast<std::int64_t>(pk->key));
}

// The case's operation, started: receives find data queued or wait for it
// as `data_first` says; sends send `data`.
class PortCase : public CallCase {
 protected:
  int Start(Operation& op, const std::vector<char>& data, bool data_first, char** buf, DWORD* bytes) {
    *bytes = 0xDEAD;
    if (!IsReceive(call()))
      return Initiate(op, const_cast<char*>(data.data()), static_cast<ULONG>(data.size()), bytes, nullptr);
    if (data_first) {
      pair.SendFromPeer(data);
      pair.WaitUntilQueued(pair.a, data.size());
    }
    *buf = LongLivedBuffer(256);
    flags_ = 0;
    return Initiate(op, *buf, 256, bytes, &flags_);
  }
  DWORD flags_ = 0;
};

// ---- IOCP-1..3: what a packet carries -------------------------------------------

class PortPacket : public PortCase {};

// IOCP-1, IOCP-2, IOCP-3: a pending receive (completed by the peer's data) or
// a send queues exactly one packet: TRUE, the byte count, the key given at
// association and the operation's WSAOVERLAPPED.
WSAC_CASE_P(PortPacket, CarriesKeyOverlappedAndResult, "IOCP-1", "IOCP-2", "IOCP-3", "S16") {
  const bool receive = IsReceive(call());
  const std::vector<char> data = CounterPattern(0, 70);
  Operation& op = observer.NewOperation(pair.a);
  char* buf = nullptr;
  DWORD bytes = 0;
  int ret = Start(op, data, false, &buf, &bytes);
  ObserveCall("call", ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  if (receive) {
    ASSERT_EQ(op.outcome, Outcome::Pending) << "a receive with no data queued must pend";
    pair.SendFromPeer(data);
  }
  std::optional<Packet> pk = Dequeue(p, observer.port(), static_cast<DWORD>(IndicationTimeout().count()));
  ObservePacket("packet", pk);
  ASSERT_TRUE(pk.has_value()) << "no packet: " << observer.Describe(op);
  MarkIndicated(op, *pk);
  EXPECT_EQ(pk->ov, &op.ov) << "the packet's lpOverlapped is not the operation's";
  EXPECT_EQ(pk->key, CompletionObserver::kKey) << "the packet's key is not the association's";
  EXPECT_TRUE(pk->ok) << "error " << pk->error;
  if (receive) {
    EXPECT_TRUE(ReceivedCount(pair.stream(), pk->bytes, data.size()));
  } else {
    EXPECT_EQ(pk->bytes, data.size());
  }
  std::optional<Packet> extra = Dequeue(p, observer.port(), static_cast<DWORD>(QuietWindow().count()));
  ObservePacket("extra", extra);
  EXPECT_FALSE(extra.has_value()) << "a second packet for one operation";
  if (receive) { EXPECT_EQ(FirstMismatch(buf, pk->bytes, 0), -1); }
  else { EXPECT_EQ(FirstMismatch(pair.ReceiveOnPeer(data.size()), 0), -1); }
}

INSTANTIATE_TEST_SUITE_P(Ports, PortPacket, ValuesIn(PortPerKind(kAllCalls)), CallParamName);

// ---- IOCP-4: immediate success still queues --------------------------------------

class PortImmediate : public PortCase {};

// IOCP-4, S14: a receive of queued data or a small send that returns 0 has
// already queued its packet when the call returns (dequeued with timeout 0).
WSAC_CASE_P(PortImmediate, ReturnZeroStillQueuesPacket, "IOCP-4", "IOCP-2", "S14") {
  const std::vector<char> data = CounterPattern(0, 33);
  Operation& op = observer.NewOperation(pair.a);
  char* buf = nullptr;
  DWORD bytes = 0;
  int ret = Start(op, data, true, &buf, &bytes);
  ObserveCall("call", ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  Report("IOCP-4", std::string("call ") + OutcomeName(op.outcome));
  std::optional<Packet> pk =
      Dequeue(p, observer.port(), ret == 0 ? 0 : static_cast<DWORD>(IndicationTimeout().count()));
  ObservePacket("packet", pk);
  ASSERT_TRUE(pk.has_value()) << (ret == 0 ? "returned 0 but no packet was queued" : "pended, no packet came");
  MarkIndicated(op, *pk);
  EXPECT_EQ(pk->ov, &op.ov);
  EXPECT_TRUE(pk->ok) << "error " << pk->error;
  if (IsReceive(call())) {
    EXPECT_TRUE(ReceivedCount(pair.stream(), pk->bytes, data.size()));
  } else {
    EXPECT_EQ(pk->bytes, data.size());
  }
  if (ret == 0) { EXPECT_EQ(bytes, pk->bytes); }
  if (IsReceive(call())) { EXPECT_EQ(FirstMismatch(buf, pk->bytes, 0), -1); }
  else { EXPECT_EQ(FirstMismatch(pair.ReceiveOnPeer(data.size()), 0), -1); }
}

INSTANTIATE_TEST_SUITE_P(Ports, PortImmediate, ValuesIn(PortPerKind(kAllCalls)), CallParamName);
INSTANTIATE_TEST_SUITE_P(Modes, PortImmediate,
                         ValuesIn(Port(OtherCreationsAndModes({SocketKind::Tcp4, SocketKind::Udp4}),
                                       {Call::WSARecv, Call::WSASend})),
                         CallParamName);

// ---- IOCP-5, IOCP-6: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS ------------------------

class PortSkipOnSuccess : public PortCase {};

// IOCP-5, IOCP-6: with FILE_SKIP_COMPLETION_PORT_ON_SUCCESS set, a call that
// returns 0 queues no packet (its result is in the call's out-parameters);
// a receive that pends still queues one.
WSAC_CASE_P(PortSkipOnSuccess, NoPacketForReturnZero, "IOCP-5", "IOCP-6") {
  if (!p.SetFileCompletionNotificationModes(AsHandle(pair.a), FILE_SKIP_COMPLETION_PORT_ON_SUCCESS))
    throw NotSupported("SetFileCompletionNotificationModes(FILE_SKIP_COMPLETION_PORT_ON_SUCCESS) failed with " +
                       std::to_string(p.GetLastError()));
  const std::vector<char> data = CounterPattern(0, 45);
  Operation& op = observer.NewOperation(pair.a);
  char* buf = nullptr;
  DWORD bytes = 0;
  int ret = Start(op, data, true, &buf, &bytes);
  ObserveCall("call", ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  Report("IOCP-5", std::string("call with data/space available: ") + OutcomeName(op.outcome));
  std::optional<Packet> pk =
      Dequeue(p, observer.port(), static_cast<DWORD>((ret == 0 ? QuietWindow() : IndicationTimeout()).count()));
  ObservePacket("packet", pk);
  DWORD n = bytes;
  if (ret == 0) {
    EXPECT_FALSE(pk.has_value()) << "returned 0 but queued a packet despite FILE_SKIP_COMPLETION_PORT_ON_SUCCESS";
    Observe("call.bytes", bytes);
    if (IsReceive(call())) {
      EXPECT_TRUE(ReceivedCount(pair.stream(), bytes, data.size()));
    } else {
      EXPECT_EQ(bytes, data.size());
    }
  } else {
    ASSERT_TRUE(pk.has_value()) << "pended, but no packet came";
    MarkIndicated(op, *pk);
    EXPECT_EQ(pk->ov, &op.ov);
    n = pk->bytes;
  }
  if (IsReceive(call())) {
    EXPECT_EQ(FirstMismatch(buf, n, 0), -1);
    // A stream receive may have left part of the data queued; the pending
    // half needs an empty queue.
    if (n != data.size()) return;
    // IOCP-6: a receive with nothing queued pends and is still reported.
    Operation& later = observer.NewOperation(pair.a);
    char* later_buf = nullptr;
    DWORD later_bytes = 0;
    int later_ret = Start(later, data, false, &later_buf, &later_bytes);
    ObserveCall("pending_call", later_ret, later.call_error);
    ASSERT_EQ(later.outcome, Outcome::Pending) << observer.Describe(later);
    pair.SendFromPeer(data);
    std::optional<Packet> later_pk = Dequeue(p, observer.port(), static_cast<DWORD>(IndicationTimeout().count()));
    ObservePacket("pending_packet", later_pk);
    ASSERT_TRUE(later_pk.has_value()) << "a pending receive queued no packet with skip-on-success set";
    MarkIndicated(later, *later_pk);
    EXPECT_EQ(later_pk->ov, &later.ov);
    EXPECT_TRUE(ReceivedCount(pair.stream(), later_pk->bytes, data.size()));
  } else {
    EXPECT_EQ(FirstMismatch(pair.ReceiveOnPeer(data.size()), 0), -1);
  }
}

INSTANTIATE_TEST_SUITE_P(Ports, PortSkipOnSuccess, ValuesIn(PortPerKind(kAllCalls)), CallParamName);

// ---- IOCP-8, IOCP-9: hEvent with the low-order bit set ----------------------------

class PortLowBitEvent : public PortCase {};

// IOCP-8, IOCP-9: hEvent holds an event with its low-order bit set; the
// operation (a receive that pends, or a send) signals the event and queues
// no packet.
WSAC_CASE_P(PortLowBitEvent, SuppressesPacketSignalsEvent, "IOCP-8", "IOCP-9") {
  const bool receive = IsReceive(call());
  WSAEVENT event = p.WSACreateEvent();
  if (event == WSA_INVALID_EVENT) throw SetupFailed("WSACreateEvent failed");
  if ((reinterpret_cast<std::uintptr_t>(event) & 1) != 0) throw SetupFailed("event handle has its low bit set already");
  const std::vector<char> data = CounterPattern(0, 58);
  Operation& op = observer.NewOperation(pair.a);
  op.event = event;  // the observer closes it
  op.ov.hEvent = reinterpret_cast<HANDLE>(reinterpret_cast<std::uintptr_t>(event) | 1);
  char* buf = nullptr;
  DWORD bytes = 0;
  int ret = Start(op, data, false, &buf, &bytes);
  ObserveCall("call", ret, op.call_error);
  ASSERT_NE(op.outcome, Outcome::Failed) << observer.Describe(op);
  if (receive) {
    ASSERT_EQ(op.outcome, Outcome::Pending) << "a receive with no data queued must pend";
    pair.SendFromPeer(data);
  }
  DWORD wait = p.WSAWaitForMultipleEvents(1, &event, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE);
  Observe("wait", wait);
  EXPECT_EQ(wait, WSA_WAIT_EVENT_0) << "the event (low bit cleared) was not signaled";
  DWORD got = 0, flags = 0;
  BOOL ok = p.WSAGetOverlappedResult(pair.a, &op.ov, &got, FALSE, &flags);
  Observe("result.ok", ok);
  Observe("result.bytes", got);
  EXPECT_TRUE(ok) << "error " << p.WSAGetLastError();
  if (receive) {
    EXPECT_TRUE(ReceivedCount(pair.stream(), got, data.size()));
  } else {
    EXPECT_EQ(got, data.size());
  }
  if (ok) MarkIndicatedWithoutPacket(op, got);
  std::optional<Packet> pk = Dequeue(p, observer.port(), static_cast<DWORD>(QuietWindow().count()));
  ObservePacket("packet", pk);
  EXPECT_FALSE(pk.has_value()) << "a packet was queued although hEvent had its low-order bit set";
  if (receive) { EXPECT_EQ(FirstMismatch(buf, got, 0), -1); }
  else { EXPECT_EQ(FirstMismatch(pair.ReceiveOnPeer(data.size()), 0), -1); }
}

INSTANTIATE_TEST_SUITE_P(Ports, PortLowBitEvent, ValuesIn(PortPerKind(kAllCalls)), CallParamName);

// ---- IOCP-10: no completion routine on a port socket --------------------------------

int g_refused_routine_runs = 0;
void WSAC_CALLBACK CountingRoutine(DWORD, DWORD, LPWSAOVERLAPPED, DWORD) { ++g_refused_routine_runs; }

class PortRoutineRefused : public PortCase {};

// IOCP-10: on a socket associated with a port, a call with a completion
// routine fails (Windows: WSAEINVAL) and starts nothing: no routine, no
// packet, no data consumed (receives) or transmitted (sends).
WSAC_CASE_P(PortRoutineRefused, CallFailsStartsNothing, "IOCP-10") {
  const bool receive = IsReceive(call());
  g_refused_routine_runs = 0;
  const std::vector<char> refused = CounterPattern(0, 20, 9);
  Operation& op = observer.NewOperation(pair.a);
  char* buf = LongLivedBuffer(256);
  DWORD bytes = 0, flags = 0;
  WSABUF wsabuf = receive ? WSABUF{256, buf} : WSABUF{static_cast<ULONG>(refused.size()), const_cast<char*>(refused.data())};
  FromSlot& from = NewFromSlot();
  int ret = SOCKET_ERROR;
  switch (call()) {
    case Call::WSARecv: ret = p.WSARecv(pair.a, &wsabuf, 1, &bytes, &flags, &op.ov, &CountingRoutine); break;
    case Call::WSARecvFrom:
      ret = p.WSARecvFrom(pair.a, &wsabuf, 1, &bytes, &flags, reinterpret_cast<sockaddr*>(&from.addr), &from.len,
                          &op.ov, &CountingRoutine);
      break;
    case Call::WSASend: ret = p.WSASend(pair.a, &wsabuf, 1, &bytes, 0, &op.ov, &CountingRoutine); break;
    case Call::WSASendTo:
      ret = p.WSASendTo(pair.a, &wsabuf, 1, &bytes, 0, reinterpret_cast<const sockaddr*>(&pair.b_addr), pair.addr_len,
                        &op.ov, &CountingRoutine);
      break;
  }
  int error = ret == 0 ? 0 : p.WSAGetLastError();
  observer.Track(op, ret, error);
  ObserveCall("call", ret, error);
  EXPECT_EQ(ret, SOCKET_ERROR) << "a completion routine on a port-associated socket was accepted";
  EXPECT_NE(error, WSA_IO_PENDING) << "a completion routine on a port-associated socket was accepted (pending)";
  if (ret == SOCKET_ERROR && error != WSA_IO_PENDING) Report("IOCP-10", "refused with " + std::to_string(error));

  // Watches for anything the refused call might have started.
  Deadline quiet(QuietWindow());
  std::optional<Packet> pk = Dequeue(p, observer.port(), quiet.RemainingMs());
  p.SleepEx(quiet.RemainingMs(), TRUE);
  ObservePacket("packet", pk);
  Observe("routine_runs", g_refused_routine_runs);
  EXPECT_FALSE(pk.has_value()) << "the refused call queued a packet";
  EXPECT_EQ(g_refused_routine_runs, 0) << "the refused call's routine ran";

  // Nothing consumed or transmitted: the next data each side sees is fresh.
  const std::vector<char> data = CounterPattern(0, 30);
  if (receive) {
    pair.SendFromPeer(data);
    pair.WaitUntilQueued(pair.a, data.size());
    char fresh[256];
    WSABUF fb{sizeof fresh, fresh};
    DWORD n = 0, f = 0;
    u_long queued = 0;
    ASSERT_EQ(p.ioctlsocket(pair.a, FIONREAD, &queued), 0);
    Observe("queued_after", queued);
    int r = p.WSARecv(pair.a, &fb, 1, &n, &f, nullptr, nullptr);
    Observe("fresh_recv.ret", r);
    Observe("fresh_recv.bytes", n);
    ASSERT_EQ(r, 0) << "plain receive failed with " << p.WSAGetLastError();
    EXPECT_TRUE(ReceivedCount(pair.stream(), n, data.size())) << "the refused receive consumed data";
    EXPECT_EQ(FirstMismatch(fresh, n, 0), -1);
  } else {
    DWORD n = 0;
    WSABUF sb{static_cast<ULONG>(data.size()), const_cast<char*>(data.data())};
    ASSERT_EQ(p.WSASend(pair.a, &sb, 1, &n, 0, nullptr, nullptr), 0) << "plain send failed with " << p.WSAGetLastError();
    std::vector<char> got = pair.ReceiveOnPeer(data.size());
    EXPECT_EQ(FirstMismatch(got, 0), -1) << "the peer received data of the refused send first";
  }
}

INSTANTIATE_TEST_SUITE_P(Ports, PortRoutineRefused, ValuesIn(PortPerKind(kAllCalls)), CallParamName);

class PortFailedCall : public PortCase {};

// IOCP-7: a call that fails with an error other than WSA_IO_PENDING (here a
// receive after shutdown(SD_RECEIVE), a send after shutdown(SD_SEND): both
// WSAESHUTDOWN) queues no packet to the port the socket is associated with.
WSAC_CASE_P(PortFailedCall, QueuesNoPacket, "IOCP-7") {
  const bool receive = IsReceive(call());
  ASSERT_EQ(p.shutdown(pair.a, receive ? SD_RECEIVE : SD_SEND), 0) << "shutdown failed with " << p.WSAGetLastError();
  const std::vector<char> data = CounterPattern(0, 20, 11);
  Operation& op = observer.NewOperation(pair.a);
  char* buf = nullptr;
  DWORD bytes = 0;
  int ret = Start(op, data, false, &buf, &bytes);
  ObserveCall("call", ret, op.call_error);
  ASSERT_EQ(op.outcome, Outcome::Failed) << "a call on a shut-down direction must fail: " << observer.Describe(op);
  Report("IOCP-7", "refused with " + std::to_string(op.call_error));
  std::optional<Packet> pk = Dequeue(p, observer.port(), static_cast<DWORD>(QuietWindow().count()));
  ObservePacket("packet", pk);
  EXPECT_FALSE(pk.has_value()) << "the failed call queued a packet";
}
INSTANTIATE_TEST_SUITE_P(Ports, PortFailedCall, ValuesIn(PortPerKind({Call::WSARecv, Call::WSASend})),
                         CallParamName);

}  // namespace
}  // namespace wsac
