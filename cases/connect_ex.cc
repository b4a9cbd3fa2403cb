// CONNECT-1..7: ConnectEx, the extension function servers and clients built
// on completion ports connect with (libuv, .NET, Go, Asio). What its page
// promises:
//   CONNECT-1  the seed page's indication contract, with BOOL results
//   CONNECT-2  an unbound socket is refused with WSAEINVAL
//   CONNECT-3  a connected socket is refused with WSAEISCONN
//   CONNECT-4  lpSendBuffer goes out once the connection is made, counted
//   CONNECT-5  SO_UPDATE_CONNECT_CONTEXT then makes getpeername work
//   CONNECT-6  a datagram socket is refused (connection-oriented only)
//   CONNECT-7  a refused connection never reads as success
//   CONNECT-8  a connection to a listener is made
// ConnectEx takes no completion routine: the mechanisms are the event, the
// port and polling. Each case makes its own sockets: the connected pair the
// other cases start from is what ConnectEx builds.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "suite/fixtures/bool_call.h"
#include "suite/fixtures/call_case.h"
#include "suite/fixtures/case_dimensions.h"
#include "suite/fixtures/deadline.h"
#include "suite/fixtures/listener_case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

class ConnectExCase : public ListenerCase {
 protected:
  // A socket of the case's kind and creation, FIONBIO as the mode says,
  // bound to the loopback address when `bound`, watched by the observer.
  SOCKET Client(bool bound) {
    SOCKET s = NewSocket(GetParam().creation);
    if (bound) Bind(s, 0);
    ApplyMode(s);
    observer.Attach(s);
    return s;
  }
  Outcome Track(Operation& op, BOOL ok) { return TrackBool(observer, p, op, ok); }
  Operation& Connect(SOCKET s, const sockaddr_storage& to, int to_len, char* data = nullptr, DWORD data_len = 0) {
    Operation& op = observer.NewOperation(s);
    Track(op, p.ConnectEx(s, reinterpret_cast<const sockaddr*>(&to), to_len, data, data_len, LongLivedWord(0), &op.ov));
    ObserveCall("connectex", op.call_ret, op.call_error);
    return op;
  }
  std::optional<Indication> Finish(Operation& op) { return FinishOperation(observer, op); }
  // The indication of an initiated ConnectEx (CONNECT-1), the branch named.
  std::optional<Indication> IndicationOf(Operation& op) { return ContractIndication(observer, op, "CONNECT-1"); }
  // A refused call: the code it gave, and no indication (statement `id`).
  void RefusedWithoutIndication(Operation& op, const char* id, int want) {
    WSAC_ASSERT_EQ(id, op.outcome, Outcome::Failed) << "ConnectEx was accepted: " << observer.Describe(op);
    WSAC_EXPECT_EQ(id, op.call_error, want) << "ConnectEx's refusal";
    WSAC_EXPECT_FALSE(id, observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
  }
};

// CONNECT-1, CONNECT-8, CONNECT-5: a bound socket connects to a listener;
// the indication reports success, the listener has the connection, and
// after SO_UPDATE_CONNECT_CONTEXT getpeername names the listener's address.
WSAC_CASE_P(ConnectExCase, ConnectsAndUpdatesContext, "CONNECT-1", "CONNECT-8", "CONNECT-5") {
  sockaddr_storage to{};
  int to_len = 0;
  SOCKET listener = Listener(&to, &to_len);
  SOCKET s = Client(true);
  Operation& op = Connect(s, to, to_len);
  WSAC_ASSERT_NE("CONNECT-8", op.outcome, Outcome::Failed) << "ConnectEx to a listener failed: " << observer.Describe(op);
  std::optional<Indication> ind = IndicationOf(op);
  if (!ind) {
    NotExercised("CONNECT-8", "no indication (CONNECT-1): how the connect ended is unknown");
    NotExercised("CONNECT-5", "no indication (CONNECT-1): the connect may not have completed");
    return;
  }
  WSAC_EXPECT_EQ("CONNECT-8", ind->error, 0u) << "the connection to a listener was indicated as failed";
  WSAC_EXPECT_NE("CONNECT-8", Accepted(listener), INVALID_SOCKET) << "ConnectEx succeeded but the listener got no connection";
  if (ind->error != 0) {
    NotExercised("CONNECT-5", "the connect failed (CONNECT-8): there is no connect context to update");
    return;
  }

  int ret = p.setsockopt(s, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0);
  ObserveCall("update_connect_context", ret, ret == 0 ? 0 : p.WSAGetLastError());
  WSAC_ASSERT_EQ("CONNECT-5", ret, 0) << "SO_UPDATE_CONNECT_CONTEXT after a completed ConnectEx";
  sockaddr_storage peer{};
  int peer_len = static_cast<int>(sizeof peer);
  ret = p.getpeername(s, reinterpret_cast<sockaddr*>(&peer), &peer_len);
  ObserveCall("getpeername", ret, ret == 0 ? 0 : p.WSAGetLastError());
  WSAC_ASSERT_EQ("CONNECT-5", ret, 0) << "getpeername after SO_UPDATE_CONNECT_CONTEXT";
  WSAC_EXPECT_EQ("CONNECT-5", peer_len, to_len) << "getpeername's address length";
  WSAC_EXPECT_EQ("CONNECT-5", std::memcmp(&peer, &to, static_cast<size_t>(to_len)), 0)
      << "getpeername does not name the address connected to";
}

// CONNECT-1, CONNECT-8, CONNECT-4: 100 bytes of lpSendBuffer reach the
// accepted socket, in order, and the indication counts them.
WSAC_CASE_P(ConnectExCase, SendsBufferAfterConnecting, "CONNECT-1", "CONNECT-8", "CONNECT-4") {
  sockaddr_storage to{};
  int to_len = 0;
  SOCKET listener = Listener(&to, &to_len);
  SOCKET s = Client(true);
  const std::vector<char> data = CounterPattern(0, 100, 61);
  char* buf = LongLivedBuffer(data.size());
  std::memcpy(buf, data.data(), data.size());
  Operation& op = Connect(s, to, to_len, buf, 100);
  WSAC_ASSERT_NE("CONNECT-8", op.outcome, Outcome::Failed) << "ConnectEx with data failed: " << observer.Describe(op);
  std::optional<Indication> ind = IndicationOf(op);
  if (!ind) {
    NotExercised("CONNECT-8", "no indication (CONNECT-1): how the connect ended is unknown");
    NotExercised("CONNECT-4", "no indication (CONNECT-1): what was sent is unknown");
    return;
  }
  WSAC_EXPECT_EQ("CONNECT-8", ind->error, 0u) << "the connect with data to a listener was indicated as failed";
  if (ind->error != 0) {
    NotExercised("CONNECT-4", "the connect failed (CONNECT-8): nothing was to be sent");
    return;
  }
  WSAC_EXPECT_EQ("CONNECT-4", ind->bytes, 100u) << "the bytes sent are not lpSendBuffer's 100";
  SOCKET server = Accepted(listener);
  WSAC_ASSERT_NE("CONNECT-8", server, INVALID_SOCKET) << "ConnectEx succeeded but the listener got no connection";
  // What the indication counted must have arrived, in order; reading that
  // many (not 100) keeps a short count from costing a deadline.
  const size_t counted = ind->bytes <= 100 ? ind->bytes : 100;
  std::vector<char> got = ReceiveOn(server, counted);
  WSAC_EXPECT_EQ("CONNECT-4", got.size(), counted) << "the accepted socket did not receive the bytes counted";
  WSAC_EXPECT_EQ("CONNECT-4", FirstMismatch(got, 0, 61), -1) << "the accepted socket did not receive lpSendBuffer in order";
}

// CONNECT-2: an unbound socket is refused with WSAEINVAL, never indicated.
WSAC_CASE_P(ConnectExCase, UnboundSocketRefused, "CONNECT-2") {
  sockaddr_storage to{};
  int to_len = 0;
  Listener(&to, &to_len);
  SOCKET s = Client(false);
  Operation& op = Connect(s, to, to_len);
  RefusedWithoutIndication(op, "CONNECT-2", WSAEINVAL);
}

// CONNECT-3: a socket connect() already connected is refused with
// WSAEISCONN, never indicated.
WSAC_CASE_P(ConnectExCase, ConnectedSocketRefused, "CONNECT-3") {
  sockaddr_storage to{};
  int to_len = 0;
  SOCKET listener = Listener(&to, &to_len);
  SOCKET s = Client(true);
  if (GetParam().nonblocking) {
    u_long off = 0;
    p.ioctlsocket(s, FIONBIO, &off);
  }
  if (p.connect(s, reinterpret_cast<const sockaddr*>(&to), to_len) != 0)
    throw SetupFailed("connect failed with " + std::to_string(p.WSAGetLastError()));
  if (Accepted(listener) == INVALID_SOCKET) throw SetupFailed("the listener accepted no connection");
  Operation& op = Connect(s, to, to_len);
  RefusedWithoutIndication(op, "CONNECT-3", WSAEISCONN);
}

// CONNECT-1, CONNECT-7: a loopback port bound but not listening refuses the
// connection; ConnectEx may fail at once (no indication) or pend and be
// indicated with a failure, never report success.
WSAC_CASE_P(ConnectExCase, RefusedConnectionNeverSucceeds, "CONNECT-1", "CONNECT-7") {
  SOCKET closed = NewSocket(Creation::WSASocketOverlapped);
  Bind(closed, 0);
  int to_len = 0;
  const sockaddr_storage to = AddressOf(closed, &to_len);
  SOCKET s = Client(true);
  Operation& op = Connect(s, to, to_len);
  if (op.outcome == Outcome::Failed) {
    Report("CONNECT-7", "refused at once with " + std::to_string(op.call_error));
    WSAC_EXPECT_FALSE("CONNECT-1", observer.IndicatedWithin(op)) << "the refused call was indicated: "
                                                                 << observer.Describe(op);
    WSAC_EXPECT_FALSE("CONNECT-7", HasPeer(s)) << "ConnectEx failed, yet the socket has a peer";
    return;
  }
  if (op.outcome == Outcome::Immediate) {
    WSAC_ADD_FAILURE("CONNECT-7") << "ConnectEx to a port nobody listens on returned TRUE: " << observer.Describe(op);
    ObserveIndication("indication", Finish(op));
    return;
  }
  std::optional<Indication> ind = IndicationOf(op);
  WSAC_ASSERT_TRUE("CONNECT-7", ind.has_value()) << "no indication: how the connection ended is unknown";
  Report("CONNECT-7", "indicated with " + std::to_string(ind->error));
  WSAC_EXPECT_NE("CONNECT-7", ind->error, 0u) << "a refused connection was indicated as a success";
  WSAC_EXPECT_FALSE("CONNECT-7", HasPeer(s)) << "the connection failed, yet the socket has a peer";
}

INSTANTIATE_TEST_SUITE_P(ConnectEx, ConnectExCase,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = {Mechanism::Event, Mechanism::Port,
                                                                                 Mechanism::Polling}})),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(ConnectExModes, ConnectExCase, ValuesIn(OtherCreationsAndModes(StreamKinds())), ParamName);

class ConnectExOnDatagram : public ConnectExCase {};

// CONNECT-6: ConnectEx is for connection-oriented sockets; on a bound
// datagram socket it is refused and never indicated.
WSAC_CASE_P(ConnectExOnDatagram, DatagramSocketRefused, "CONNECT-6") {
  SOCKET other = NewSocket(Creation::WSASocketOverlapped);
  Bind(other, 0);
  int to_len = 0;
  const sockaddr_storage to = AddressOf(other, &to_len);
  SOCKET s = Client(true);
  Operation& op = Connect(s, to, to_len);
  if (op.outcome != Outcome::Failed) {
    WSAC_ADD_FAILURE("CONNECT-6") << "ConnectEx on a datagram socket was accepted: " << observer.Describe(op);
    if (op.outcome == Outcome::Immediate) {
      ObserveIndication("indication", Finish(op));
    } else {
      Observe("indication.within_quiet_window", observer.IndicatedWithin(op) ? "yes" : "no");
    }
    return;
  }
  Report("CONNECT-6", "refused with " + std::to_string(op.call_error));
  WSAC_EXPECT_FALSE("CONNECT-6", observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
}

INSTANTIATE_TEST_SUITE_P(ConnectEx, ConnectExOnDatagram,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = {Mechanism::Event, Mechanism::Port,
                                                                                   Mechanism::Polling}})),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(ConnectExModes, ConnectExOnDatagram, ValuesIn(OtherCreationsAndModes(DatagramKinds())),
                         ParamName);

}  // namespace
}  // namespace wsac
