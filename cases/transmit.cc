// XMIT-1..4: TransmitFile (hFile NULL: the head and tail buffers only) and
// TransmitPackets (memory elements) on stream sockets, the extension
// functions an application obtains per socket.
//   XMIT-1/3  the seed page's indication contract, with BOOL results: TRUE
//             already indicated, FALSE + WSA_IO_PENDING indicated later,
//             FALSE + another error never
//   XMIT-2/4  what goes out: head then tail, the elements in array order,
//             and the total as the bytes transferred
//   XMIT-5    TransmitFile is refused on a datagram socket
// Neither function takes a completion routine, so the mechanisms are the
// event, the port and polling.
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "suite/fixtures/bool_call.h"
#include "suite/fixtures/call_case.h"
#include "suite/fixtures/case_dimensions.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

// What the peer must receive, laid out in a buffer that outlives the case
// (a transfer that pends reads it until its indication).
char* LongLivedPattern(const std::vector<char>& pattern) {
  char* buf = LongLivedBuffer(pattern.size());
  std::memcpy(buf, pattern.data(), pattern.size());
  return buf;
}

class Transmit : public PairCase {
 protected:
  Outcome Track(Operation& op, BOOL ok) { return TrackBool(observer, p, op, ok); }
  std::optional<Indication> Finish(Operation& op) { return FinishOperation(observer, op); }
  Operation& TransmitHeadAndTail(char* head, DWORD head_len, char* tail, DWORD tail_len) {
    auto& buffers = LongLived<TRANSMIT_FILE_BUFFERS>();
    buffers.Head = head;
    buffers.HeadLength = head_len;
    buffers.Tail = tail;
    buffers.TailLength = tail_len;
    Operation& op = observer.NewOperation(pair.a);
    Track(op, p.TransmitFile(pair.a, nullptr, 0, 0, &op.ov, &buffers, 0));
    return op;
  }
  // The indication of an initiated transfer (contract statement `id`),
  // which reports success: the peer receives what was sent.
  std::optional<Indication> IndicationOf(Operation& op, const char* id) {
    std::optional<Indication> ind = ContractIndication(observer, op, id);
    if (ind) {
      WSAC_EXPECT_EQ(id, ind->error, 0u) << "the indication reports a failure for a transfer the peer received";
    }
    return ind;
  }
};

// XMIT-1, XMIT-2: 100 bytes of head and 200 of tail arrive at the peer as
// 300 bytes in that order; the indication counts 300.
WSAC_CASE_P(Transmit, TransmitFileSendsHeadThenTail, "XMIT-1", "XMIT-2") {
  const std::vector<char> data = CounterPattern(0, 300, 31);
  char* all = LongLivedPattern(data);
  Operation& op = TransmitHeadAndTail(all, 100, all + 100, 200);
  ObserveCall("transmitfile", op.call_ret, op.call_error);
  WSAC_ASSERT_NE("XMIT-1", op.outcome, Outcome::Failed) << "TransmitFile of head and tail failed: " << observer.Describe(op);
  std::optional<Indication> ind = IndicationOf(op, "XMIT-1");
  if (ind) {
    WSAC_EXPECT_EQ("XMIT-2", ind->bytes, 300u) << "the bytes transferred are not head plus tail";
  }
  std::vector<char> got = pair.ReceiveOnPeer(300);
  WSAC_EXPECT_EQ("XMIT-2", got.size(), 300u);
  WSAC_EXPECT_EQ("XMIT-2", FirstMismatch(got, 0, 31), -1) << "the peer did not receive the head, then the tail";
}

// XMIT-2: a head of 64 KiB and no tail, more than a loopback segment, so a
// provider that sends it in pieces still sends all of it, once.
WSAC_CASE_P(Transmit, TransmitFileHeadOnly, "XMIT-1", "XMIT-2") {
  const std::vector<char> data = CounterPattern(0, 65536, 32);
  Operation& op = TransmitHeadAndTail(LongLivedPattern(data), 65536, nullptr, 0);
  ObserveCall("transmitfile", op.call_ret, op.call_error);
  WSAC_ASSERT_NE("XMIT-1", op.outcome, Outcome::Failed) << "TransmitFile of a head failed: " << observer.Describe(op);
  std::vector<char> got = pair.ReceiveOnPeer(65536);
  std::optional<Indication> ind = IndicationOf(op, "XMIT-1");
  if (ind) {
    WSAC_EXPECT_EQ("XMIT-2", ind->bytes, 65536u) << "the bytes transferred are not the head's length";
  }
  WSAC_EXPECT_EQ("XMIT-2", FirstMismatch(got, 0, 32), -1) << "the peer did not receive the head as posted";
}

// XMIT-1: TransmitFile with a handle that is no file refuses the call, and
// the refusal is never indicated; a provider that accepts it owes the
// indication instead.
WSAC_CASE_P(Transmit, RefusedTransmitFileNotIndicated, "XMIT-1") {
  auto& buffers = LongLived<TRANSMIT_FILE_BUFFERS>();
  buffers.Head = LongLivedBuffer(16);
  buffers.HeadLength = 16;
  HANDLE bogus = reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(0xDEAD0));
  Operation& op = observer.NewOperation(pair.a);
  Track(op, p.TransmitFile(pair.a, bogus, 16, 0, &op.ov, &buffers, 0));
  ObserveCall("transmitfile", op.call_ret, op.call_error);
  if (op.outcome == Outcome::Failed) {
    Report("XMIT-1", "a bogus hFile: refused with " + std::to_string(op.call_error));
    WSAC_EXPECT_FALSE("XMIT-1", observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
  } else {
    std::optional<Indication> ind = Finish(op);
    ObserveIndication("indication", ind);
    WSAC_EXPECT_TRUE("XMIT-1", ind.has_value()) << "an accepted TransmitFile was not indicated: " << observer.Describe(op);
  }
}

// XMIT-3, XMIT-4: three memory elements of 100, 2000 and 30000 bytes arrive
// at the peer in array order; the indication counts 32100.
WSAC_CASE_P(Transmit, TransmitPacketsSendsMemoryElementsInOrder, "XMIT-3", "XMIT-4") {
  const std::vector<char> data = CounterPattern(0, 32100, 33);
  char* all = LongLivedPattern(data);
  auto& elements = LongLived<std::array<TRANSMIT_PACKETS_ELEMENT, 3>>();
  const ULONG lengths[3] = {100, 2000, 30000};
  ULONG offset = 0;
  for (int i = 0; i < 3; ++i) {
    elements[i] = TRANSMIT_PACKETS_ELEMENT{};
    elements[i].dwElFlags = TP_ELEMENT_MEMORY;
    elements[i].cLength = lengths[i];
    elements[i].pBuffer = all + offset;
    offset += lengths[i];
  }
  Operation& op = observer.NewOperation(pair.a);
  Track(op, p.TransmitPackets(pair.a, elements.data(), 3, 0, &op.ov, 0));
  ObserveCall("transmitpackets", op.call_ret, op.call_error);
  WSAC_ASSERT_NE("XMIT-3", op.outcome, Outcome::Failed)
      << "TransmitPackets of memory elements failed: " << observer.Describe(op);
  // 32100 bytes fit the send buffer, so the transfer completes without the
  // peer reading; the peer then takes what the indication counts.
  std::optional<Indication> ind = IndicationOf(op, "XMIT-3");
  WSAC_ASSERT_TRUE("XMIT-4", ind.has_value()) << "no indication: the bytes transferred are unknown";
  WSAC_EXPECT_EQ("XMIT-4", ind->bytes, 32100u) << "the bytes transferred are not the elements' total";
  if (ind->bytes == 0 || ind->bytes > 32100) return;
  std::vector<char> got = pair.ReceiveOnPeer(ind->bytes);
  WSAC_EXPECT_EQ("XMIT-4", FirstMismatch(got, 0, 33), -1) << "the peer did not receive the elements in array order";
}

// XMIT-3: an element that is neither memory nor file makes TransmitPackets
// refuse the call, and the refusal is never indicated; a provider that
// accepts it owes the indication instead.
WSAC_CASE_P(Transmit, RefusedTransmitPacketsNotIndicated, "XMIT-3") {
  auto& element = LongLived<TRANSMIT_PACKETS_ELEMENT>();
  element.dwElFlags = 0;
  element.cLength = 16;
  element.pBuffer = LongLivedBuffer(16);
  Operation& op = observer.NewOperation(pair.a);
  Track(op, p.TransmitPackets(pair.a, &element, 1, 0, &op.ov, 0));
  ObserveCall("transmitpackets", op.call_ret, op.call_error);
  if (op.outcome == Outcome::Failed) {
    Report("XMIT-3", "an element without TP_ELEMENT_MEMORY or TP_ELEMENT_FILE: refused with " +
                         std::to_string(op.call_error));
    WSAC_EXPECT_FALSE("XMIT-3", observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
  } else {
    std::optional<Indication> ind = Finish(op);
    ObserveIndication("indication", ind);
    WSAC_EXPECT_TRUE("XMIT-3", ind.has_value()) << "an accepted TransmitPackets was not indicated: " << observer.Describe(op);
  }
}

class TransmitOnDatagram : public Transmit {};

// XMIT-5: TransmitFile with a 16-byte head on a connected datagram socket
// fails at once, is never indicated and sends nothing: the peer's first
// datagram is the marker sent right after.
WSAC_CASE_P(TransmitOnDatagram, TransmitFileRefused, "XMIT-5") {
  const std::vector<char> head = CounterPattern(0, 16, 34);
  Operation& op = TransmitHeadAndTail(LongLivedPattern(head), 16, nullptr, 0);
  ObserveCall("transmitfile", op.call_ret, op.call_error);
  if (op.outcome == Outcome::Failed) {
    Report("XMIT-5", "refused with " + std::to_string(op.call_error));
    WSAC_EXPECT_FALSE("XMIT-5", observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
  } else {
    WSAC_ADD_FAILURE("XMIT-5") << "TransmitFile on a datagram socket was accepted: " << observer.Describe(op);
    ObserveIndication("indication", Finish(op));
  }
  const std::vector<char> marker = CounterPattern(0, 20, 35);
  char* marker_buf = LongLivedPattern(marker);
  Operation& send = observer.NewOperation(pair.a);
  WSABUF buf{20, marker_buf};
  DWORD bytes = 0;
  int ret = p.WSASend(pair.a, &buf, 1, &bytes, 0, &send.ov, nullptr);
  if (observer.Track(send, ret, ret == 0 ? 0 : p.WSAGetLastError()) == Outcome::Failed)
    throw SetupFailed("the marker datagram was refused: " + observer.Describe(send));
  ObserveIndication("marker", Finish(send));
  std::vector<char> got = pair.ReceiveOnPeer(100);
  Observe("peer.bytes", static_cast<std::int64_t>(got.size()));
  WSAC_EXPECT_EQ("XMIT-5", got.size(), 20u) << "the peer's first datagram is not the marker: TransmitFile sent something";
  WSAC_EXPECT_EQ("XMIT-5", FirstMismatch(got, 0, 35), -1) << "the peer's first datagram is not the marker";
}

INSTANTIATE_TEST_SUITE_P(Transmit, TransmitOnDatagram,
                         ValuesIn(Cross({.kinds = DatagramKinds(), .mechanisms = {Mechanism::Event, Mechanism::Port,
                                                                                   Mechanism::Polling}})),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(TransmitModes, TransmitOnDatagram, ValuesIn(OtherCreationsAndModes(DatagramKinds())),
                         ParamName);

INSTANTIATE_TEST_SUITE_P(Transmit, Transmit,
                         ValuesIn(Cross({.kinds = StreamKinds(), .mechanisms = {Mechanism::Event, Mechanism::Port,
                                                                                 Mechanism::Polling}})),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(TransmitModes, Transmit, ValuesIn(OtherCreationsAndModes(StreamKinds())), ParamName);

}  // namespace
}  // namespace wsac
