// ACCEPT-1..14: AcceptEx and GetAcceptExSockaddrs, how servers on
// completion ports accept (IIS, .NET, libuv, Asio). What their pages
// promise:
//   ACCEPT-1   the seed page's indication contract, with BOOL results
//   ACCEPT-2   without a receive length it completes on the connection
//   ACCEPT-3   with one, the client's first data lands at the buffer's start
//   ACCEPT-4   ... and the connection alone does not complete it
//   ACCEPT-5/6 GetAcceptExSockaddrs gives the local and remote addresses
//   ACCEPT-7   SO_UPDATE_ACCEPT_CONTEXT then makes getpeername work
//   ACCEPT-8   a bound accept socket is refused
//   ACCEPT-9   a socket that is not listening is refused
//   ACCEPT-10  lpdwBytesReceived is written only on synchronous completion
//   ACCEPT-11  closing the listener ends a pending AcceptEx
//   ACCEPT-12  the accepted socket is a connected socket, both ways
//   ACCEPT-13  a connection already queued is accepted
//   ACCEPT-14  a connection reset before its first data is no success
// and, for AcceptEx, CLOSE-4 and CLOSE-7: CancelIoEx from another thread
// ends the AcceptEx it names (995) and leaves the other pending.
// AcceptEx is issued on the listening socket, so the listener is the socket
// of the case's creation and mode, watched by the observer; it takes no
// completion routine: the mechanisms are the event, the port and polling.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "suite/fixtures/bool_call.h"
#include "suite/fixtures/call_case.h"
#include "suite/fixtures/case_dimensions.h"
#include "suite/fixtures/deadline.h"
#include "suite/fixtures/listener_case.h"
#include "suite/fixtures/worker.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

// Each address part: the largest address of either family and the 16
// bytes the page asks for.
constexpr DWORD kAddressPart = static_cast<DWORD>(sizeof(sockaddr_in6)) + 16;
// What lpdwBytesReceived holds before the call; a provider that writes it
// on the pending path shows by changing it.
constexpr DWORD kUntouched = 0xA5A5A5A5u;

// Family, address and port of x equal those of y (sin_zero, flow info and
// the like are not part of an endpoint).
bool SameAddress(const sockaddr* x, int x_len, const sockaddr_storage& y, int y_len) {
  if (x == nullptr || x_len != y_len || x->sa_family != y.ss_family) return false;
  if (x->sa_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(x);
    const auto* b = reinterpret_cast<const sockaddr_in*>(&y);
    return a->sin_port == b->sin_port && std::memcmp(&a->sin_addr, &b->sin_addr, sizeof a->sin_addr) == 0;
  }
  const auto* a = reinterpret_cast<const sockaddr_in6*>(x);
  const auto* b = reinterpret_cast<const sockaddr_in6*>(&y);
  return a->sin6_port == b->sin6_port && std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
}

class AcceptExCase : public ListenerCase {
 protected:
  // The listening socket of the case's creation and mode, watched.
  SOCKET WatchedListener(sockaddr_storage* to, int* to_len) {
    SOCKET l = Listener(to, to_len, GetParam().creation);
    ApplyMode(l);
    observer.Attach(l);
    return l;
  }
  SOCKET AcceptSocket() { return NewSocket(Creation::WSASocketOverlapped); }
  static char* OutputBuffer(DWORD recv_len) { return LongLivedBuffer(recv_len + 2 * kAddressPart); }
  Operation& Accept(SOCKET l, SOCKET a, char* buf, DWORD recv_len, DWORD* received) {
    Operation& op = observer.NewOperation(l);
    TrackBool(observer, p, op, p.AcceptEx(l, a, buf, recv_len, kAddressPart, kAddressPart, received, &op.ov));
    ObserveCall("acceptex", op.call_ret, op.call_error);
    return op;
  }
  // ACCEPT-10 at one moment: after ERROR_IO_PENDING the caller's value stays.
  void ExpectCountUntouched(const Operation& op, const DWORD* received, const char* when) {
    if (op.outcome != Outcome::Pending) {
      NotExercised("ACCEPT-10", "AcceptEx returned TRUE: the count is written then");
      return;
    }
    WSAC_EXPECT_EQ("ACCEPT-10", *received, kUntouched) << "lpdwBytesReceived was written after ERROR_IO_PENDING ("
                                                       << when << ")";
  }
  // ACCEPT-5, ACCEPT-6: the addresses GetAcceptExSockaddrs reads from the
  // buffer of a completed AcceptEx.
  void ExpectAddresses(SOCKET l, char* buf, DWORD recv_len, const sockaddr_storage& to, int to_len, SOCKET client) {
    sockaddr* local = nullptr;
    sockaddr* remote = nullptr;
    INT local_len = 0, remote_len = 0;
    p.GetAcceptExSockaddrs(l, buf, recv_len, kAddressPart, kAddressPart, &local, &local_len, &remote, &remote_len);
    Observe("sockaddrs.local_len", local_len);
    Observe("sockaddrs.remote_len", remote_len);
    WSAC_EXPECT_TRUE("ACCEPT-5", SameAddress(local, local_len, to, to_len))
        << "the local address is not the one the client connected to (length " << local_len << ", want " << to_len
        << ")";
    int client_len = 0;
    const sockaddr_storage client_addr = AddressOf(client, &client_len);
    WSAC_EXPECT_TRUE("ACCEPT-6", SameAddress(remote, remote_len, client_addr, client_len))
        << "the remote address is not the client's (length " << remote_len << ", want " << client_len << ")";
  }
  // A call that must be refused (statement `id`): refused, and never
  // indicated. The code is reported; the page names none.
  void Refused(Operation& op, const char* id) {
    if (op.outcome != Outcome::Failed) {
      WSAC_ADD_FAILURE(id) << "AcceptEx was accepted: " << observer.Describe(op);
      return;
    }
    Report(id, "refused with " + std::to_string(op.call_error));
    WSAC_EXPECT_FALSE(id, observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
  }
};

// ACCEPT-1, ACCEPT-2, ACCEPT-10, ACCEPT-5, ACCEPT-6, ACCEPT-12, ACCEPT-7: an
// AcceptEx without a receive length, then a client: the indication reports
// success with 0 bytes; the addresses, the connection both ways and the
// updated context are the client's.
WSAC_CASE_P(AcceptExCase, AcceptsConnection, "ACCEPT-1", "ACCEPT-2", "ACCEPT-10", "ACCEPT-5", "ACCEPT-6",
            "ACCEPT-12", "ACCEPT-7") {
  sockaddr_storage to{};
  int to_len = 0;
  SOCKET l = WatchedListener(&to, &to_len);
  SOCKET a = AcceptSocket();
  char* buf = OutputBuffer(0);
  DWORD* received = LongLivedWord(kUntouched);
  Operation& op = Accept(l, a, buf, 0, received);
  WSAC_ASSERT_NE("ACCEPT-2", op.outcome, Outcome::Failed) << "AcceptEx on a listening socket was refused: "
                                                          << observer.Describe(op);
  ExpectCountUntouched(op, received, "at return");
  SOCKET c = ConnectedClient(to, to_len);
  std::optional<Indication> ind = ContractIndication(observer, op, "ACCEPT-1");
  const char* const later[] = {"ACCEPT-2", "ACCEPT-5", "ACCEPT-6", "ACCEPT-12", "ACCEPT-7"};
  if (!ind) {
    for (const char* id : later) NotExercised(id, "no indication (ACCEPT-1): how the accept ended is unknown");
    return;
  }
  WSAC_EXPECT_EQ("ACCEPT-2", ind->error, 0u) << "the accept was indicated as failed";
  WSAC_EXPECT_EQ("ACCEPT-2", ind->bytes, 0u) << "an accept without a receive length counted bytes";
  ExpectCountUntouched(op, received, "once indicated");
  if (ind->error != 0) {
    for (const char* id : later) NotExercised(id, "the accept failed (ACCEPT-2): there is no connection");
    return;
  }
  ExpectAddresses(l, buf, 0, to, to_len, c);

  const std::vector<char> out = CounterPattern(0, 64, 81);
  const size_t sent = SendOn(a, out);
  WSAC_EXPECT_EQ("ACCEPT-12", sent, out.size()) << "a send on the accepted socket did not complete";
  const std::vector<char> got_out = ReceiveOn(c, sent);
  WSAC_EXPECT_EQ("ACCEPT-12", got_out.size(), sent) << "the client did not receive what the accepted socket sent";
  WSAC_EXPECT_EQ("ACCEPT-12", FirstMismatch(got_out, 0, 81), -1) << "the client received other bytes";
  const std::vector<char> in = CounterPattern(0, 64, 83);
  if (SendOn(c, in) != in.size()) throw SetupFailed("the client's send did not complete");
  const std::vector<char> got_in = ReceiveOn(a, in.size());
  WSAC_EXPECT_EQ("ACCEPT-12", got_in.size(), in.size()) << "the accepted socket did not receive the client's data";
  WSAC_EXPECT_EQ("ACCEPT-12", FirstMismatch(got_in, 0, 83), -1) << "the accepted socket received other bytes";

  int ret = p.setsockopt(a, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, reinterpret_cast<const char*>(&l),
                         static_cast<int>(sizeof l));
  ObserveCall("update_accept_context", ret, ret == 0 ? 0 : p.WSAGetLastError());
  WSAC_ASSERT_EQ("ACCEPT-7", ret, 0) << "SO_UPDATE_ACCEPT_CONTEXT after a completed AcceptEx";
  sockaddr_storage peer{};
  const int peer_len = wsac::AddressOf(p, a, &peer, true);
  Observe("getpeername.len", peer_len);
  int client_len = 0;
  const sockaddr_storage client_addr = AddressOf(c, &client_len);
  WSAC_EXPECT_TRUE("ACCEPT-7", SameAddress(reinterpret_cast<const sockaddr*>(&peer), peer_len, client_addr, client_len))
      << "getpeername on the accepted socket does not name the client";
}

// ACCEPT-1, ACCEPT-4, ACCEPT-3, ACCEPT-10, ACCEPT-5, ACCEPT-6: with a
// receive length of 256 the connection alone completes nothing; the
// client's 100 bytes then do, at the buffer's start, with the addresses
// after the data.
WSAC_CASE_P(AcceptExCase, ReceivesFirstData, "ACCEPT-1", "ACCEPT-4", "ACCEPT-3", "ACCEPT-10", "ACCEPT-5",
            "ACCEPT-6") {
  sockaddr_storage to{};
  int to_len = 0;
  SOCKET l = WatchedListener(&to, &to_len);
  SOCKET a = AcceptSocket();
  char* buf = OutputBuffer(256);
  DWORD* received = LongLivedWord(kUntouched);
  Operation& op = Accept(l, a, buf, 256, received);
  WSAC_ASSERT_NE("ACCEPT-3", op.outcome, Outcome::Failed) << "AcceptEx on a listening socket was refused: "
                                                          << observer.Describe(op);
  ExpectCountUntouched(op, received, "at return");
  SOCKET c = ConnectedClient(to, to_len);
  if (op.outcome == Outcome::Immediate) {
    WSAC_ADD_FAILURE("ACCEPT-4") << "AcceptEx with a receive length returned TRUE before any client had sent data";
  } else {
    WSAC_EXPECT_FALSE("ACCEPT-4", observer.IndicatedWithin(op))
        << "AcceptEx with a receive length completed on the connection alone: " << observer.Describe(op);
  }
  const std::vector<char> data = CounterPattern(0, 100, 91);
  if (SendOn(c, data) != data.size()) throw SetupFailed("the client's send did not complete");
  std::optional<Indication> ind = ContractIndication(observer, op, "ACCEPT-1");
  if (!ind) {
    for (const char* id : {"ACCEPT-3", "ACCEPT-5", "ACCEPT-6"})
      NotExercised(id, "no indication (ACCEPT-1): what was received is unknown");
    return;
  }
  WSAC_EXPECT_EQ("ACCEPT-3", ind->error, 0u) << "the accept with data was indicated as failed";
  ExpectCountUntouched(op, received, "once indicated");
  if (ind->error != 0) {
    for (const char* id : {"ACCEPT-3", "ACCEPT-5", "ACCEPT-6"})
      NotExercised(id, "the accept failed: there is no connection");
    return;
  }
  // The first block is whatever arrived first: at least a byte, at most
  // what was sent, and the start of it.
  WSAC_EXPECT_GT("ACCEPT-3", ind->bytes, 0u) << "the first data was not counted";
  WSAC_EXPECT_LE("ACCEPT-3", ind->bytes, 100u) << "more bytes counted than the client sent";
  const size_t counted = ind->bytes <= 100 ? ind->bytes : 100;
  WSAC_EXPECT_EQ("ACCEPT-3", FirstMismatch(buf, counted, 0, 91), -1)
      << "the buffer's start does not hold the client's first bytes";
  ExpectAddresses(l, buf, 256, to, to_len, c);
}

// ACCEPT-8: an accept socket bound beforehand is refused, never indicated.
WSAC_CASE_P(AcceptExCase, BoundAcceptSocketRefused, "ACCEPT-8") {
  sockaddr_storage to{};
  int to_len = 0;
  SOCKET l = WatchedListener(&to, &to_len);
  SOCKET a = AcceptSocket();
  Bind(a, 0);
  Operation& op = Accept(l, a, OutputBuffer(0), 0, LongLivedWord(kUntouched));
  Refused(op, "ACCEPT-8");
}

// ACCEPT-9: a bound socket on which listen was never called is refused as
// the listening socket, never indicated.
WSAC_CASE_P(AcceptExCase, NotListeningRefused, "ACCEPT-9") {
  SOCKET l = NewSocket(GetParam().creation);
  Bind(l, 0);
  ApplyMode(l);
  observer.Attach(l);
  SOCKET a = AcceptSocket();
  Operation& op = Accept(l, a, OutputBuffer(0), 0, LongLivedWord(kUntouched));
  Refused(op, "ACCEPT-9");
}

// ACCEPT-11: closing the listener ends a pending AcceptEx with one
// indication that reports a failure (the code is reported).
WSAC_CASE_P(AcceptExCase, ListenerCloseEndsPending, "ACCEPT-11") {
  sockaddr_storage to{};
  int to_len = 0;
  SOCKET l = WatchedListener(&to, &to_len);
  SOCKET a = AcceptSocket();
  Operation& op = Accept(l, a, OutputBuffer(0), 0, LongLivedWord(kUntouched));
  if (op.outcome != Outcome::Pending) {
    NotExercised("ACCEPT-11", "AcceptEx did not pend: nothing was left for the close to end");
    if (op.outcome == Outcome::Immediate) ObserveIndication("indication", observer.TakeImmediate(op));
    return;
  }
  if (Close(l) != 0) throw SetupFailed("closing the listener failed with " + std::to_string(p.WSAGetLastError()));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("indication", ind);
  WSAC_ASSERT_TRUE("ACCEPT-11", ind.has_value()) << "closing the listener did not end the pending AcceptEx: "
                                                 << observer.Describe(op);
  Report("ACCEPT-11", "indicated with " + std::to_string(ind->error));
  WSAC_EXPECT_NE("ACCEPT-11", ind->error, 0u) << "the AcceptEx ended by the close was indicated as a success";
}

// ACCEPT-1, ACCEPT-13: a client connects first; the AcceptEx called then
// takes that connection: success, and the client's bytes reach the accept
// socket.
WSAC_CASE_P(AcceptExCase, QueuedConnectionAccepted, "ACCEPT-1", "ACCEPT-13") {
  sockaddr_storage to{};
  int to_len = 0;
  SOCKET l = WatchedListener(&to, &to_len);
  SOCKET c = ConnectedClient(to, to_len);
  SOCKET a = AcceptSocket();
  Operation& op = Accept(l, a, OutputBuffer(0), 0, LongLivedWord(kUntouched));
  WSAC_ASSERT_NE("ACCEPT-13", op.outcome, Outcome::Failed) << "AcceptEx with a connection queued was refused: "
                                                           << observer.Describe(op);
  std::optional<Indication> ind = ContractIndication(observer, op, "ACCEPT-1");
  WSAC_ASSERT_TRUE("ACCEPT-13", ind.has_value()) << "no indication: whether the queued connection was taken is unknown";
  WSAC_ASSERT_EQ("ACCEPT-13", ind->error, 0u) << "the queued connection's accept was indicated as failed";
  const std::vector<char> data = CounterPattern(0, 10, 93);
  if (SendOn(c, data) != data.size()) throw SetupFailed("the client's send did not complete");
  const std::vector<char> got = ReceiveOn(a, data.size());
  WSAC_EXPECT_EQ("ACCEPT-13", got.size(), data.size()) << "the accept socket did not receive the queued client's data";
  WSAC_EXPECT_EQ("ACCEPT-13", FirstMismatch(got, 0, 93), -1) << "the accept socket received other bytes";
}

// ACCEPT-14: a client connects and resets before sending anything while an
// AcceptEx with a receive length waits; whatever ends it is no success.
// Staying pending is no success either: the connection was then never taken.
WSAC_CASE_P(AcceptExCase, ResetBeforeDataIsNoSuccess, "ACCEPT-14") {
  sockaddr_storage to{};
  int to_len = 0;
  SOCKET l = WatchedListener(&to, &to_len);
  SOCKET a = AcceptSocket();
  Operation& op = Accept(l, a, OutputBuffer(64), 64, LongLivedWord(kUntouched));
  if (op.outcome != Outcome::Pending) {
    NotExercised("ACCEPT-14", "AcceptEx did not pend before the client came");
    if (op.outcome == Outcome::Immediate) ObserveIndication("indication", observer.TakeImmediate(op));
    return;
  }
  SOCKET c = ConnectedClient(to, to_len);
  const linger abortive{1, 0};
  if (p.setsockopt(c, SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&abortive), sizeof abortive) != 0)
    throw SetupFailed("SO_LINGER failed with " + std::to_string(p.WSAGetLastError()));
  if (Close(c) != 0) throw SetupFailed("closing the client failed with " + std::to_string(p.WSAGetLastError()));
  std::optional<Indication> ind = observer.Wait(op);
  ObserveIndication("indication", ind);
  if (!ind) {
    Report("ACCEPT-14", "still pending after the reset");
    NotExercised("ACCEPT-14", "AcceptEx stayed pending: the reset connection was never taken");
    return;
  }
  Report("ACCEPT-14", "indicated with " + std::to_string(ind->error));
  WSAC_EXPECT_NE("ACCEPT-14", ind->error, 0u) << "a connection reset before any data was indicated as accepted with "
                                              << ind->bytes << " bytes";
}

// CLOSE-4, CLOSE-7 for AcceptEx: two AcceptEx calls wait; CancelIoEx from
// another thread names the first, which ends with 995, while the second
// stays pending and then accepts a client.
WSAC_CASE_P(AcceptExCase, CancelIoExFromAnotherThreadEndsOne, "CLOSE-4", "CLOSE-7") {
  sockaddr_storage to{};
  int to_len = 0;
  SOCKET l = WatchedListener(&to, &to_len);
  Operation& first = Accept(l, AcceptSocket(), OutputBuffer(0), 0, LongLivedWord(kUntouched));
  Operation& second = Accept(l, AcceptSocket(), OutputBuffer(0), 0, LongLivedWord(kUntouched));
  if (first.outcome != Outcome::Pending || second.outcome != Outcome::Pending) {
    for (const char* id : {"CLOSE-4", "CLOSE-7"}) NotExercised(id, "the AcceptEx calls did not both pend");
    return;
  }
  BOOL ok = FALSE;
  DWORD error = 0;
  WorkerCall canceller(p, [&] {
    ok = p.CancelIoEx(AsHandle(l), &first.ov);
    error = ok ? 0 : p.GetLastError();
  });
  WSAC_ASSERT_TRUE("CLOSE-4", canceller.Returned(ReturnWatchdog())) << "CancelIoEx on another thread did not return";
  Observe("cancelioex.ret", ok);
  Observe("cancelioex.error", error);
  WSAC_ASSERT_TRUE("CLOSE-4", ok) << "CancelIoEx from another thread on a pending AcceptEx failed with " << error;
  std::optional<Indication> cancelled = observer.Wait(first);
  ObserveIndication("cancelled", cancelled);
  WSAC_ASSERT_TRUE("CLOSE-4", cancelled.has_value()) << "the AcceptEx CancelIoEx named did not end: "
                                                     << observer.Describe(first);
  WSAC_EXPECT_EQ("CLOSE-7", cancelled->error, static_cast<DWORD>(ERROR_OPERATION_ABORTED));
  WSAC_EXPECT_FALSE("CLOSE-4", observer.IndicatedWithin(second)) << "the other AcceptEx was ended too: "
                                                                 << observer.Describe(second);
  ConnectedClient(to, to_len);
  std::optional<Indication> other = observer.Wait(second);
  ObserveIndication("other", other);
  WSAC_ASSERT_TRUE("CLOSE-4", other.has_value()) << "the AcceptEx left pending did not accept the client: "
                                                 << observer.Describe(second);
  WSAC_EXPECT_EQ("CLOSE-4", other->error, 0u) << "the AcceptEx left pending did not accept the client";
}

INSTANTIATE_TEST_SUITE_P(AcceptEx, AcceptExCase,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = {Mechanism::Event, Mechanism::Port,
                                                                                 Mechanism::Polling}})),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(AcceptExModes, AcceptExCase, ValuesIn(OtherCreationsAndModes(StreamKinds())), ParamName);

}  // namespace
}  // namespace wsac
