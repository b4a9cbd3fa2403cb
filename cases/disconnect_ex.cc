// DISC-1..4: DisconnectEx, which servers use to end a connection without
// closing the handle (and, with TF_REUSE_SOCKET, to recycle it). Its page:
//   DISC-1  the seed page's indication contract, with BOOL results
//   DISC-2  the connection ends gracefully: the peer reads what was sent,
//           then the end of the stream
//   DISC-3  dwReserved other than 0 is refused with WSAEINVAL
//   DISC-4  a socket that is not connected is refused with WSAENOTCONN
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
