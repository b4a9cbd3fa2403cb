// IOCP-1..IOCP-10 (with S14, S16 and the checks of what was transferred):
// completion ports, the positive contract.
//   - a packet carries the association's key, the WSAOVERLAPPED and the result
//   - a call that returns 0 still queues a packet (IOCP-4), unless
//     FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is set (IOCP-5); a call that
//     pends always does (S16, IOCP-6)
//   - hEvent with its low-order bit set: no packet, the event is signaled
//   - a completion routine on a port-associated socket is refused (IOCP-10;
//     WIN-14: with WSAEINVAL, as Windows does)
//   - a call that fails queues no packet (IOCP-7)
// Whether a call returns 0 or pends is the provider's choice wherever data
// or buffer space is at hand: each instance checks the branch it saw and
// names the other's statements as not exercised.
#include <cstdint>
#include <cstring>
#include <vector>

#include "suite/fixtures/call_case.h"
#include "suite/harness/check.h"

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

// The bytes a send reads until it is indicated, copied where they outlive the case.
char* LongLivedCopy(const std::vector<char>& data) {
  char* copy = LongLivedBuffer(data.size());
  std::memcpy(copy, data.data(), data.size());
  return copy;
}

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

constexpr DWORD kUnwritten = 0xDEAD;

// The case's operation, started: a receive finds data queued or waits for
// it as `data_first` says; a send sends `data`. Buffers and out-words live
// beyond the case.
struct Started {
  int ret = SOCKET_ERROR;
  char* buf = nullptr;    // receives: where the data goes
  DWORD* bytes = nullptr; // *lpNumberOfBytes*, kUnwritten before the call
};

class PortCase : public CallCase {
 protected:
  Started Start(Operation& op, const std::vector<char>& data, bool data_first) {
    Started s;
    s.bytes = LongLivedWord(kUnwritten);
    if (!IsReceive(call())) {
      s.ret = Initiate(op, LongLivedCopy(data), static_cast<ULONG>(data.size()), s.bytes, nullptr);
      return s;
    }
    if (data_first) {
      pair.SendFromPeer(data);
      pair.WaitUntilQueued(pair.a, data.size());
    }
    s.buf = LongLivedBuffer(256);
    s.ret = Initiate(op, s.buf, 256, s.bytes, LongLivedWord(0));
    return s;
  }
  // S8 or S7 (receives: whether the data was there before the receive) or
  // S12 (sends): the bytes moved are the bytes sent. The statement of the
  // other direction is not exercised.
  void ExpectTransferred(const char* receive_statement, const char* buf, DWORD n, const std::vector<char>& data) {
    if (IsReceive(call())) {
      NotExercised("S12", "a receive");
      WSAC_EXPECT_EQ(receive_statement, FirstMismatch(buf, n, 0), -1) << "the receive buffer does not hold the data sent";
    } else {
      NotExercised(receive_statement, "a send");
      WSAC_EXPECT_EQ("S12", FirstMismatch(pair.ReceiveOnPeer(data.size()), 0), -1)
          << "the peer did not receive the bytes as posted";
    }
  }
  // The byte count a successful packet or call reports for `data`.
  ::testing::AssertionResult CountFor(DWORD n, const std::vector<char>& data) {
    if (IsReceive(call())) return ReceivedCount(pair.stream(), n, data.size());
    if (n == data.size()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "sent " << n << " bytes of " << data.size();
  }
  const char* CountStatementForReturnZero() const { return IsReceive(call()) ? "ARG-13" : "ARG-14"; }
  const char* OtherCountStatement() const { return IsReceive(call()) ? "ARG-14" : "ARG-13"; }
};

// ---- IOCP-1..3: what a packet carries -------------------------------------------

class PortPacket : public PortCase {};

// IOCP-1, IOCP-2, IOCP-3: a pending receive (completed by the peer's data) or
// a send queues one packet: TRUE, the byte count, the key given at
// association and the operation's WSAOVERLAPPED. The packet is S16's when
// the call pended and IOCP-4's when it returned 0 (sends may do either).
WSAC_CASE_P(PortPacket, CarriesKeyOverlappedAndResult, "IOCP-1", "IOCP-2", "IOCP-3", "S16", "IOCP-4", "S7", "S12") {
  const bool receive = IsReceive(call());
  const std::vector<char> data = CounterPattern(0, 70);
  Operation& op = observer.NewOperation(pair.a);
  Started st = Start(op, data, false);
  ObserveCall("call", st.ret, op.call_error);
  if (op.outcome == Outcome::Failed) throw SetupFailed(std::string(CallName(call())) + " failed: " + observer.Describe(op));
  if (receive) {
    if (op.outcome != Outcome::Pending)
      throw SetupFailed("a receive posted with no data queued did not pend: " + observer.Describe(op));
    pair.SendFromPeer(data);
  }
  const char* queued_by = op.outcome == Outcome::Pending ? "S16" : "IOCP-4";
  NotExercised(op.outcome == Outcome::Pending ? "IOCP-4" : "S16",
               op.outcome == Outcome::Pending ? "the call pended" : "the call returned 0");
  std::optional<Packet> pk = Dequeue(p, observer.port(), static_cast<DWORD>(IndicationTimeout().count()));
  ObservePacket("packet", pk);
  WSAC_ASSERT_TRUE(queued_by, pk.has_value()) << "no packet: " << observer.Describe(op);
  MarkIndicated(op, *pk);
  WSAC_EXPECT_EQ("IOCP-2", pk->ov, &op.ov) << "the packet's lpOverlapped is not the operation's";
  WSAC_EXPECT_EQ("IOCP-1", pk->key, CompletionObserver::kKey) << "the packet's key is not the association's";
  WSAC_EXPECT_TRUE("IOCP-3", pk->ok) << "a successful operation's packet reports error " << pk->error;
  WSAC_EXPECT_TRUE("IOCP-3", CountFor(pk->bytes, data));
  std::optional<Packet> extra = Dequeue(p, observer.port(), static_cast<DWORD>(QuietWindow().count()));
  ObservePacket("extra", extra);
  WSAC_EXPECT_FALSE(queued_by, extra.has_value()) << "a second packet for one operation";
  ExpectTransferred("S7", st.buf, pk->bytes, data);
}

INSTANTIATE_TEST_SUITE_P(Ports, PortPacket, ValuesIn(PortPerKind(kAllCalls)), CallParamName);

// ---- IOCP-4: immediate success still queues --------------------------------------

class PortImmediate : public PortCase {};

// IOCP-4, S14: a receive of queued data or a small send that returns 0 has
// queued its packet (IOCP-4) by the time the call returns (S14: dequeued
// with timeout 0), and the call stored the byte count (ARG-13/14). A call
// that pends instead must be reported by a later packet (S16).
WSAC_CASE_P(PortImmediate, ReturnZeroStillQueuesPacket, "IOCP-4", "IOCP-2", "IOCP-3", "S14", "S16", "ARG-13",
            "ARG-14", "S8", "S12") {
  const std::vector<char> data = CounterPattern(0, 33);
  Operation& op = observer.NewOperation(pair.a);
  Started st = Start(op, data, true);
  ObserveCall("call", st.ret, op.call_error);
  Observe("call.outcome", OutcomeName(op.outcome));
  if (op.outcome == Outcome::Failed)
    throw SetupFailed(std::string(CallName(call())) + " with data or buffer space at hand failed: " +
                      observer.Describe(op));
  NotExercised(OtherCountStatement(), IsReceive(call()) ? "a receive" : "a send");
  std::optional<Packet> pk;
  if (st.ret == 0) {
    NotExercised("S16", "the call returned 0");
    pk = Dequeue(p, observer.port(), 0);
    const bool at_return = pk.has_value();
    Observe("packet.at_return", at_return ? 1 : 0);
    if (!at_return) pk = Dequeue(p, observer.port(), static_cast<DWORD>(IndicationTimeout().count()));
    ObservePacket("packet", pk);
    WSAC_ASSERT_TRUE("IOCP-4", pk.has_value()) << "returned 0 but no packet was queued: " << observer.Describe(op);
    WSAC_EXPECT_TRUE("S14", at_return) << "returned 0 but its packet was queued only after the call had returned";
    Observe("call.bytes", *st.bytes);
    WSAC_EXPECT_EQ(CountStatementForReturnZero(), *st.bytes, pk->bytes)
        << "the count the call stored differs from its packet's";
  } else {
    NotExercised("IOCP-4", "the call pended");
    NotExercised("S14", "the call pended");
    NotExercised(CountStatementForReturnZero(), "the call pended");
    pk = Dequeue(p, observer.port(), static_cast<DWORD>(IndicationTimeout().count()));
    ObservePacket("packet", pk);
    WSAC_ASSERT_TRUE("S16", pk.has_value()) << "pended, no packet came: " << observer.Describe(op);
  }
  MarkIndicated(op, *pk);
  WSAC_EXPECT_EQ("IOCP-2", pk->ov, &op.ov) << "the packet's lpOverlapped is not the operation's";
  WSAC_EXPECT_TRUE("IOCP-3", pk->ok) << "a successful operation's packet reports error " << pk->error;
  WSAC_EXPECT_TRUE("IOCP-3", CountFor(pk->bytes, data));
  ExpectTransferred("S8", st.buf, pk->bytes, data);
}

INSTANTIATE_TEST_SUITE_P(Ports, PortImmediate, ValuesIn(PortPerKind(kAllCalls)), CallParamName);
INSTANTIATE_TEST_SUITE_P(Modes, PortImmediate,
                         ValuesIn(Port(OtherCreationsAndModes({SocketKind::Tcp4, SocketKind::Udp4}),
                                       {Call::WSARecv, Call::WSASend})),
                         CallParamName);

// ---- IOCP-5, IOCP-6: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS ------------------------

class PortSkipOnSuccess : public PortCase {};

// IOCP-5, IOCP-6: with FILE_SKIP_COMPLETION_PORT_ON_SUCCESS set, a call that
// returns 0 queues no packet (its result is in the call's out-parameters,
// ARG-13/14); a call that pends still queues one. Receives then post a
// second receive with nothing queued, which pends, for IOCP-6.
WSAC_CASE_P(PortSkipOnSuccess, NoPacketForReturnZero, "IOCP-5", "IOCP-6", "IOCP-2", "IOCP-3", "ARG-13", "ARG-14",
            "S8", "S12") {
  if (!p.SetFileCompletionNotificationModes(AsHandle(pair.a), FILE_SKIP_COMPLETION_PORT_ON_SUCCESS))
    throw NotSupported("SetFileCompletionNotificationModes(FILE_SKIP_COMPLETION_PORT_ON_SUCCESS) failed with " +
                       std::to_string(p.GetLastError()));
  const bool receive = IsReceive(call());
  const std::vector<char> data = CounterPattern(0, 45);
  Operation& op = observer.NewOperation(pair.a);
  Started st = Start(op, data, true);
  ObserveCall("call", st.ret, op.call_error);
  Observe("call.outcome", OutcomeName(op.outcome));
  if (op.outcome == Outcome::Failed)
    throw SetupFailed(std::string(CallName(call())) + " with data or buffer space at hand failed: " +
                      observer.Describe(op));
  NotExercised(OtherCountStatement(), receive ? "a receive" : "a send");
  bool pending_checked = false;
  DWORD n = 0;
  if (st.ret == 0) {
    std::optional<Packet> pk = Dequeue(p, observer.port(), static_cast<DWORD>(QuietWindow().count()));
    ObservePacket("packet", pk);
    if (pk) MarkIndicated(op, *pk);
    WSAC_EXPECT_FALSE("IOCP-5", pk.has_value())
        << "returned 0 but queued a packet despite FILE_SKIP_COMPLETION_PORT_ON_SUCCESS";
    n = *st.bytes;
    Observe("call.bytes", n);
    WSAC_EXPECT_TRUE(CountStatementForReturnZero(), CountFor(n, data)) << "the count the call stored";
  } else {
    NotExercised("IOCP-5", "the call pended");
    NotExercised(CountStatementForReturnZero(), "the call pended");
    std::optional<Packet> pk = Dequeue(p, observer.port(), static_cast<DWORD>(IndicationTimeout().count()));
    ObservePacket("packet", pk);
    WSAC_ASSERT_TRUE("IOCP-6", pk.has_value()) << "pended with skip-on-success set, but no packet came";
    MarkIndicated(op, *pk);
    pending_checked = true;
    WSAC_EXPECT_EQ("IOCP-2", pk->ov, &op.ov) << "the packet's lpOverlapped is not the operation's";
    WSAC_EXPECT_TRUE("IOCP-3", CountFor(pk->bytes, data));
    n = pk->bytes;
  }
  ExpectTransferred("S8", st.buf, n, data);
  // A second receive, posted with nothing queued, pends. Sends are not made
  // to pend here, and a stream receive may have left part of the data
  // queued, so a second one would not pend.
  const char* no_pending = !receive ? "the send completed at once; only receives are made to pend here"
                           : n != data.size() ? "the first receive left part of the data queued"
                                              : nullptr;
  if (no_pending != nullptr) {
    if (!pending_checked) {
      NotExercised("IOCP-6", no_pending);
      NotExercised("IOCP-2", "no packet was queued");
      NotExercised("IOCP-3", "no packet was queued");
    }
    return;
  }
  Operation& later = observer.NewOperation(pair.a);
  Started later_st = Start(later, data, false);
  ObserveCall("pending_call", later_st.ret, later.call_error);
  if (later.outcome != Outcome::Pending)
    throw SetupFailed("a receive posted with no data queued did not pend: " + observer.Describe(later));
  pair.SendFromPeer(data);
  std::optional<Packet> later_pk = Dequeue(p, observer.port(), static_cast<DWORD>(IndicationTimeout().count()));
  ObservePacket("pending_packet", later_pk);
  WSAC_ASSERT_TRUE("IOCP-6", later_pk.has_value()) << "a pending receive queued no packet with skip-on-success set";
  MarkIndicated(later, *later_pk);
  WSAC_EXPECT_EQ("IOCP-2", later_pk->ov, &later.ov) << "the packet's lpOverlapped is not the operation's";
  WSAC_EXPECT_TRUE("IOCP-3", CountFor(later_pk->bytes, data));
}

INSTANTIATE_TEST_SUITE_P(Ports, PortSkipOnSuccess, ValuesIn(PortPerKind(kAllCalls)), CallParamName);

// ---- IOCP-8, IOCP-9: hEvent with the low-order bit set ----------------------------

class PortLowBitEvent : public PortCase {};

// IOCP-8, IOCP-9: hEvent holds an event with its low-order bit set; the
// operation (a receive that pends, or a send) signals the event and queues
// no packet. WSAGetOverlappedResult reads the result (EVT-4).
WSAC_CASE_P(PortLowBitEvent, SuppressesPacketSignalsEvent, "IOCP-8", "IOCP-9", "EVT-4", "S7", "S12") {
  const bool receive = IsReceive(call());
  WSAEVENT event = p.WSACreateEvent();
  if (event == WSA_INVALID_EVENT) throw SetupFailed("WSACreateEvent failed");
  if ((reinterpret_cast<std::uintptr_t>(event) & 1) != 0) throw SetupFailed("event handle has its low bit set already");
  const std::vector<char> data = CounterPattern(0, 58);
  Operation& op = observer.NewOperation(pair.a);
  op.event = event;  // the observer closes it
  op.ov.hEvent = reinterpret_cast<HANDLE>(reinterpret_cast<std::uintptr_t>(event) | 1);
  Started st = Start(op, data, false);
  ObserveCall("call", st.ret, op.call_error);
  if (op.outcome == Outcome::Failed) throw SetupFailed(std::string(CallName(call())) + " failed: " + observer.Describe(op));
  if (receive) {
    if (op.outcome != Outcome::Pending)
      throw SetupFailed("a receive posted with no data queued did not pend: " + observer.Describe(op));
    pair.SendFromPeer(data);
  }
  DWORD wait = p.WSAWaitForMultipleEvents(1, &event, TRUE, static_cast<DWORD>(IndicationTimeout().count()), FALSE);
  Observe("wait", wait);
  WSAC_EXPECT_EQ("IOCP-9", wait, WSA_WAIT_EVENT_0) << "the event (low bit cleared) was not signaled";
  DWORD got = 0, flags = 0;
  BOOL ok = p.WSAGetOverlappedResult(pair.a, &op.ov, &got, FALSE, &flags);
  Observe("result.ok", ok);
  Observe("result.bytes", got);
  WSAC_EXPECT_TRUE("EVT-4", ok) << "error " << p.WSAGetLastError();
  WSAC_EXPECT_TRUE("EVT-4", CountFor(got, data));
  if (ok) MarkIndicatedWithoutPacket(op, got);
  std::optional<Packet> pk = Dequeue(p, observer.port(), static_cast<DWORD>(QuietWindow().count()));
  ObservePacket("packet", pk);
  WSAC_EXPECT_FALSE("IOCP-8", pk.has_value()) << "a packet was queued although hEvent had its low-order bit set";
  ExpectTransferred("S7", st.buf, got, data);
}

INSTANTIATE_TEST_SUITE_P(Ports, PortLowBitEvent, ValuesIn(PortPerKind(kAllCalls)), CallParamName);

// ---- IOCP-10: no completion routine on a port socket --------------------------------

int g_refused_routine_runs = 0;
void WSAC_CALLBACK CountingRoutine(DWORD, DWORD, LPWSAOVERLAPPED, DWORD) { ++g_refused_routine_runs; }

class PortRoutineRefused : public PortCase {};

// IOCP-10: on a socket associated with a port, a call with a completion
// routine is refused (any error but WSA_IO_PENDING) and starts nothing: no
// routine, no packet, no data consumed (receives) or transmitted (sends).
// WIN-14: the refusal is WSAEINVAL, as on Windows.
WSAC_CASE_P(PortRoutineRefused, CallFailsStartsNothing, "IOCP-10", "WIN-14") {
  const bool receive = IsReceive(call());
  g_refused_routine_runs = 0;
  const std::vector<char> refused = CounterPattern(0, 20, 9);
  Operation& op = observer.NewOperation(pair.a);
  WSABUF wsabuf = receive ? WSABUF{256, LongLivedBuffer(256)}
                          : WSABUF{static_cast<ULONG>(refused.size()), LongLivedCopy(refused)};
  DWORD* bytes = LongLivedWord(kUnwritten);
  DWORD* flags = LongLivedWord(0);
  FromSlot& from = NewFromSlot();
  int ret = SOCKET_ERROR;
  switch (call()) {
    case Call::WSARecv: ret = p.WSARecv(pair.a, &wsabuf, 1, bytes, flags, &op.ov, &CountingRoutine); break;
    case Call::WSARecvFrom:
      ret = p.WSARecvFrom(pair.a, &wsabuf, 1, bytes, flags, reinterpret_cast<sockaddr*>(&from.addr), &from.len,
                          &op.ov, &CountingRoutine);
      break;
    case Call::WSASend: ret = p.WSASend(pair.a, &wsabuf, 1, bytes, 0, &op.ov, &CountingRoutine); break;
    case Call::WSASendTo:
      ret = p.WSASendTo(pair.a, &wsabuf, 1, bytes, 0, reinterpret_cast<const sockaddr*>(&pair.b_addr), pair.addr_len,
                        &op.ov, &CountingRoutine);
      break;
  }
  int error = ret == 0 ? 0 : p.WSAGetLastError();
  observer.Track(op, ret, error);
  ObserveCall("call", ret, error);
  const bool refused_call = ret == SOCKET_ERROR && error != WSA_IO_PENDING;
  WSAC_EXPECT_TRUE("IOCP-10", refused_call)
      << "a completion routine on a port-associated socket was accepted (ret " << ret << ", error " << error << ")";
  if (refused_call) {
    WSAC_EXPECT_EQ("WIN-14", error, WSAEINVAL) << "Windows refuses a routine on a port socket with WSAEINVAL";
  } else {
    NotExercised("WIN-14", "the call was not refused");
  }

  // Watches for anything the refused call might have started.
  Deadline quiet(QuietWindow());
  std::optional<Packet> pk = Dequeue(p, observer.port(), quiet.RemainingMs());
  p.SleepEx(quiet.RemainingMs(), TRUE);
  ObservePacket("packet", pk);
  Observe("routine_runs", g_refused_routine_runs);
  if (pk) MarkIndicated(op, *pk);
  WSAC_EXPECT_FALSE("IOCP-10", pk.has_value()) << "the refused call queued a packet";
  WSAC_EXPECT_EQ("IOCP-10", g_refused_routine_runs, 0) << "the refused call's routine ran";
  // An accepted call has failed the case already; what it then does with
  // the data says nothing more.
  if (!refused_call) return;

  // Nothing consumed or transmitted: the next data each side sees is fresh.
  const std::vector<char> data = CounterPattern(0, 30);
  if (receive) {
    pair.SendFromPeer(data);
    u_long queued = 0;
    WSAC_ASSERT_TRUE("IOCP-10", pair.QueuedWithin(pair.a, data.size(), &queued))
        << "data sent after the refused receive never became queued (" << queued << " bytes)";
    Observe("queued_after", queued);
    char fresh[256];
    WSABUF fb{sizeof fresh, fresh};
    DWORD n = 0, f = 0;
    int r = p.WSARecv(pair.a, &fb, 1, &n, &f, nullptr, nullptr);
    Observe("fresh_recv.ret", r);
    Observe("fresh_recv.bytes", n);
    if (r != 0) throw SetupFailed("a plain receive of queued data failed with " + std::to_string(p.WSAGetLastError()));
    WSAC_EXPECT_TRUE("IOCP-10", ReceivedCount(pair.stream(), n, data.size())) << "the refused receive consumed data";
    WSAC_EXPECT_EQ("IOCP-10", FirstMismatch(fresh, n, 0), -1) << "the refused receive consumed data";
  } else {
    DWORD n = 0;
    WSABUF sb{static_cast<ULONG>(data.size()), const_cast<char*>(data.data())};
    if (p.WSASend(pair.a, &sb, 1, &n, 0, nullptr, nullptr) != 0)
      throw SetupFailed("a plain send failed with " + std::to_string(p.WSAGetLastError()));
    std::vector<char> got = pair.ReceiveOnPeer(data.size());
    WSAC_EXPECT_EQ("IOCP-10", FirstMismatch(got, 0), -1) << "the peer received data of the refused send first";
  }
}

INSTANTIATE_TEST_SUITE_P(Ports, PortRoutineRefused, ValuesIn(PortPerKind(kAllCalls)), CallParamName);

// ---- IOCP-7: a failed call queues nothing ------------------------------------------

class PortFailedCall : public PortCase {};

// IOCP-7: a call that fails with an error other than WSA_IO_PENDING (here a
// receive after shutdown(SD_RECEIVE), a send after shutdown(SD_SEND)) queues
// no packet to the port the socket is associated with. That the call fails,
// with WSAESHUTDOWN, is CLOSE-10's (receives) and ERR-3's (WSASend).
WSAC_CASE_P(PortFailedCall, QueuesNoPacket, "IOCP-7", "CLOSE-10", "ERR-3") {
  const bool receive = IsReceive(call());
  if (p.shutdown(pair.a, receive ? SD_RECEIVE : SD_SEND) != 0)
    throw SetupFailed("shutdown failed with " + std::to_string(p.WSAGetLastError()));
  const char* refusal = receive ? "CLOSE-10" : "ERR-3";
  NotExercised(receive ? "ERR-3" : "CLOSE-10", receive ? "a receive" : "a send");
  const std::vector<char> data = CounterPattern(0, 20, 11);
  Operation& op = observer.NewOperation(pair.a);
  Started st = Start(op, data, false);
  ObserveCall("call", st.ret, op.call_error);
  WSAC_ASSERT_EQ(refusal, op.outcome, Outcome::Failed)
      << "a call on a shut-down direction must fail: " << observer.Describe(op);
  WSAC_EXPECT_EQ(refusal, op.call_error, WSAESHUTDOWN);
  std::optional<Packet> pk = Dequeue(p, observer.port(), static_cast<DWORD>(QuietWindow().count()));
  ObservePacket("packet", pk);
  if (pk) MarkIndicated(op, *pk);
  WSAC_EXPECT_FALSE("IOCP-7", pk.has_value()) << "the failed call queued a packet";
}
INSTANTIATE_TEST_SUITE_P(Ports, PortFailedCall, ValuesIn(PortPerKind({Call::WSARecv, Call::WSASend})),
                         CallParamName);

}  // namespace
}  // namespace wsac
