// DISC-1..5: DisconnectEx, which servers use to end a connection without
// closing the handle (and, with TF_REUSE_SOCKET, to recycle it). Its page:
//   DISC-1  the seed page's indication contract, with BOOL results
//   DISC-2  the connection ends gracefully: the peer reads what was sent,
//           then the end of the stream
//   DISC-3  dwReserved other than 0 is refused with WSAEINVAL
//   DISC-4  a socket that is not connected is refused with WSAENOTCONN
//   DISC-5  with TF_REUSE_SOCKET the socket can then accept with AcceptEx
// No completion routine: the event, the port and polling.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "suite/fixtures/bool_call.h"
#include "suite/fixtures/call_case.h"
#include "suite/fixtures/case_dimensions.h"
#include "suite/fixtures/deadline.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

class Disconnect : public PairCase {
 protected:
  Outcome Track(Operation& op, BOOL ok) { return TrackBool(observer, p, op, ok); }
  std::optional<Indication> Finish(Operation& op) { return FinishOperation(observer, op); }
  Operation& DisconnectOn(SOCKET s, DWORD flags, DWORD reserved) {
    Operation& op = observer.NewOperation(s);
    Track(op, p.DisconnectEx(s, &op.ov, flags, reserved));
    ObserveCall("disconnectex", op.call_ret, op.call_error);
    return op;
  }
  // One receive on the peer of up to len bytes: its byte count (0 at the
  // end of the stream), or nothing when it neither completed nor failed
  // before the deadline.
  std::optional<DWORD> PeerRead(char* buf, DWORD len) {
    WSAEVENT ev = p.WSACreateEvent();
    auto& ov = LongLived<WSAOVERLAPPED>();
    ov = WSAOVERLAPPED{};
    ov.hEvent = ev;
    WSABUF wsabuf{len, buf};
    DWORD n = 0, flags = 0;
    std::optional<DWORD> result;
    int ret = p.WSARecv(pair.b, &wsabuf, 1, &n, &flags, &ov, nullptr);
    if (ret == 0 || p.WSAGetLastError() == WSA_IO_PENDING) {
      if (p.WSAWaitForMultipleEvents(1, &ev, FALSE, static_cast<DWORD>(IndicationTimeout().count()), FALSE) ==
          WSA_WAIT_EVENT_0) {
        if (p.WSAGetOverlappedResult(pair.b, &ov, &n, FALSE, &flags)) result = n;
      } else {
        p.CancelIoEx(AsHandle(pair.b), &ov);
      }
    }
    p.WSACloseEvent(ev);
    return result;
  }
};

// DISC-1, DISC-2: 50 bytes sent, then DisconnectEx: it is indicated (at once
// after TRUE, later after ERROR_IO_PENDING) with success, and the peer reads
// the 50 bytes, then the end of the stream.
WSAC_CASE_P(Disconnect, PeerReadsDataThenEnd, "DISC-1", "DISC-2") {
  const std::vector<char> data = CounterPattern(0, 50, 71);
  char* buf = LongLivedBuffer(50);
  std::memcpy(buf, data.data(), 50);
  Operation& send = observer.NewOperation(pair.a);
  WSABUF wsabuf{50, buf};
  DWORD sent = 0;
  int ret = p.WSASend(pair.a, &wsabuf, 1, &sent, 0, &send.ov, nullptr);
  if (observer.Track(send, ret, ret == 0 ? 0 : p.WSAGetLastError()) == Outcome::Failed)
    throw SetupFailed("the send before the disconnect was refused: " + observer.Describe(send));
  ObserveIndication("send", Finish(send));

  Operation& op = DisconnectOn(pair.a, 0, 0);
  WSAC_ASSERT_NE("DISC-1", op.outcome, Outcome::Failed) << "DisconnectEx of a connected socket failed: "
                                                        << observer.Describe(op);
  std::optional<Indication> ind = ContractIndication(observer, op, "DISC-1");
  if (ind) {
    WSAC_EXPECT_EQ("DISC-1", ind->error, 0u) << "the disconnect was indicated as failed";
  }

  std::vector<char> got = pair.ReceiveOnPeer(50);
  WSAC_EXPECT_EQ("DISC-2", FirstMismatch(got, 0, 71), -1) << "the peer did not read what was sent before the disconnect";
  char* rest = LongLivedBuffer(16);
  std::optional<DWORD> end = PeerRead(rest, 16);
  Observe("peer.after_disconnect", end ? std::to_string(*end) : std::string("nothing before the deadline"));
  WSAC_ASSERT_TRUE("DISC-2", end.has_value()) << "the peer's receive did not end after the disconnect";
  WSAC_EXPECT_EQ("DISC-2", *end, 0u) << "the peer read more bytes instead of the end of the stream";
}

// DISC-3: dwReserved 1 is refused with WSAEINVAL and never indicated; the
// refusal is the whole of it.
WSAC_CASE_P(Disconnect, ReservedNonzeroRefused, "DISC-3") {
  Operation& op = DisconnectOn(pair.a, 0, 1);
  WSAC_ASSERT_EQ("DISC-3", op.outcome, Outcome::Failed) << "DisconnectEx with dwReserved 1 was accepted: "
                                                        << observer.Describe(op);
  WSAC_EXPECT_EQ("DISC-3", op.call_error, WSAEINVAL) << "DisconnectEx with dwReserved 1";
  WSAC_EXPECT_FALSE("DISC-3", observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
}

// DISC-1, DISC-5: the peer ends its side first (so this side, closing
// second, has no TIME_WAIT to sit out); DisconnectEx with TF_REUSE_SOCKET
// then leaves a socket that AcceptEx takes as its accept socket, and a new
// client's bytes reach it.
WSAC_CASE_P(Disconnect, ReusedSocketAccepts, "DISC-1", "DISC-5") {
  if (p.shutdown(pair.b, SD_SEND) != 0) throw SetupFailed("shutdown on the peer failed");
  char* end_buf = LongLivedBuffer(16);
  Operation& end = observer.NewOperation(pair.a);
  WSABUF end_wsabuf{16, end_buf};
  DWORD n = 0, flags = 0;
  int ret = p.WSARecv(pair.a, &end_wsabuf, 1, &n, &flags, &end.ov, nullptr);
  if (observer.Track(end, ret, ret == 0 ? 0 : p.WSAGetLastError()) == Outcome::Failed)
    throw SetupFailed("the receive of the peer's end was refused: " + observer.Describe(end));
  std::optional<Indication> end_ind = Finish(end);
  ObserveIndication("peer_end", end_ind);
  if (!end_ind || end_ind->error != 0 || end_ind->bytes != 0) throw SetupFailed("the peer's end of stream did not arrive");

  Operation& op = DisconnectOn(pair.a, TF_REUSE_SOCKET, 0);
  WSAC_ASSERT_NE("DISC-1", op.outcome, Outcome::Failed) << "DisconnectEx(TF_REUSE_SOCKET) of a connected socket failed: "
                                                        << observer.Describe(op);
  std::optional<Indication> ind = ContractIndication(observer, op, "DISC-1");
  WSAC_ASSERT_TRUE("DISC-5", ind.has_value()) << "no indication: when the socket can be reused is unknown";
  WSAC_ASSERT_EQ("DISC-5", ind->error, 0u) << "the disconnect for reuse was indicated as failed";

  struct Closer {
    Provider& p;
    std::vector<SOCKET> sockets;
    ~Closer() {
      for (SOCKET s : sockets) p.closesocket(s);
    }
  } closer{p, {}};
  auto make = [&] {
    SOCKET s = CreateSocket(p, pair.kind(), Creation::WSASocketOverlapped);
    if (s == INVALID_SOCKET) throw SetupFailed("creating a socket failed with " + std::to_string(p.WSAGetLastError()));
    closer.sockets.push_back(s);
    return s;
  };
  SOCKET listener = make();
  int len = 0;
  sockaddr_storage addr = LoopbackAddress(pair.kind(), 0, &len);
  if (p.bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 || p.listen(listener, 4) != 0)
    throw SetupFailed("a listener could not be set up: " + std::to_string(p.WSAGetLastError()));
  len = AddressOf(p, listener, &addr, false);
  observer.Attach(listener);
  const DWORD part = static_cast<DWORD>(sizeof(sockaddr_in6)) + 16;
  Operation& accept = observer.NewOperation(listener);
  TrackBool(observer, p, accept,
            p.AcceptEx(listener, pair.a, LongLivedBuffer(2 * part), 0, part, part, LongLivedWord(0), &accept.ov));
  ObserveCall("acceptex", accept.call_ret, accept.call_error);
  WSAC_ASSERT_NE("DISC-5", accept.outcome, Outcome::Failed) << "AcceptEx refused the socket DisconnectEx prepared "
                                                            << "for reuse: " << observer.Describe(accept);
  SOCKET client = make();
  if (p.connect(client, reinterpret_cast<sockaddr*>(&addr), len) != 0)
    throw SetupFailed("connect failed with " + std::to_string(p.WSAGetLastError()));
  std::optional<Indication> accepted = FinishOperation(observer, accept);
  ObserveIndication("accept", accepted);
  WSAC_ASSERT_TRUE("DISC-5", accepted.has_value()) << "the AcceptEx into the reused socket was not indicated: "
                                                   << observer.Describe(accept);
  WSAC_ASSERT_EQ("DISC-5", accepted->error, 0u) << "the AcceptEx into the reused socket failed";

  const std::vector<char> data = CounterPattern(0, 10, 97);
  WSABUF out{10, LongLivedBuffer(10)};
  std::memcpy(out.buf, data.data(), 10);
  DWORD sent = 0;
  if (p.WSASend(client, &out, 1, &sent, 0, nullptr, nullptr) != 0 || sent != 10)
    throw SetupFailed("the new client's send failed");
  char* got = LongLivedBuffer(10);
  Operation& recv = observer.NewOperation(pair.a);
  WSABUF in{10, got};
  n = 0;
  flags = 0;
  ret = p.WSARecv(pair.a, &in, 1, &n, &flags, &recv.ov, nullptr);
  observer.Track(recv, ret, ret == 0 ? 0 : p.WSAGetLastError());
  std::optional<Indication> got_ind = Finish(recv);
  ObserveIndication("receive", got_ind);
  WSAC_ASSERT_TRUE("DISC-5", got_ind.has_value() && got_ind->error == 0)
      << "the reused socket could not receive from its new client: " << observer.Describe(recv);
  WSAC_EXPECT_GT("DISC-5", got_ind->bytes, 0u) << "the reused socket received nothing from its new client";
  WSAC_EXPECT_EQ("DISC-5", FirstMismatch(got, got_ind->bytes, 0, 97), -1) << "the reused socket received other bytes";
}

INSTANTIATE_TEST_SUITE_P(Disconnect, Disconnect,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = {Mechanism::Event, Mechanism::Port,
                                                                                 Mechanism::Polling}})),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(DisconnectModes, Disconnect, ValuesIn(OtherCreationsAndModes(StreamKinds())), ParamName);

class DisconnectUnconnected : public PairCase {};

// DISC-4: a bound stream socket that never connected is refused with
// WSAENOTCONN and never indicated.
WSAC_CASE_P(DisconnectUnconnected, UnconnectedRefused, "DISC-4") {
  SOCKET s = CreateSocket(p, pair.kind(), GetParam().creation);
  if (s == INVALID_SOCKET) throw SetupFailed("creating a socket failed with " + std::to_string(p.WSAGetLastError()));
  struct Closer {
    Provider& p;
    SOCKET s;
    ~Closer() { p.closesocket(s); }
  } closer{p, s};
  int len = 0;
  sockaddr_storage addr = LoopbackAddress(pair.kind(), 0, &len);
  if (p.bind(s, reinterpret_cast<sockaddr*>(&addr), len) != 0)
    throw SetupFailed("bind failed with " + std::to_string(p.WSAGetLastError()));
  observer.Attach(s);
  Operation& op = observer.NewOperation(s);
  TrackBool(observer, p, op, p.DisconnectEx(s, &op.ov, 0, 0));
  ObserveCall("disconnectex", op.call_ret, op.call_error);
  WSAC_ASSERT_EQ("DISC-4", op.outcome, Outcome::Failed) << "DisconnectEx of an unconnected socket was accepted: "
                                                        << observer.Describe(op);
  WSAC_EXPECT_EQ("DISC-4", op.call_error, WSAENOTCONN) << "DisconnectEx of an unconnected socket";
  WSAC_EXPECT_FALSE("DISC-4", observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
}

INSTANTIATE_TEST_SUITE_P(Disconnect, DisconnectUnconnected,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = {Mechanism::Event, Mechanism::Port,
                                                                                 Mechanism::Polling}})),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(DisconnectModes, DisconnectUnconnected, ValuesIn(OtherCreationsAndModes(StreamKinds())),
                         ParamName);

}  // namespace
}  // namespace wsac
