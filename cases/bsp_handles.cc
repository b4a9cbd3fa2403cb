// HANDLE-1..5: the base-service-provider handles. Programs that poll AFD
// (libuv, wepoll, c-ares, mio through wepoll's method) ask for
// SIO_BSP_HANDLE_POLL or SIO_BSP_HANDLE_SELECT when a layered provider
// refuses SIO_BASE_HANDLE (mio #1314, trio #1659), so each must answer with
// the base provider's socket, and each must refuse an output buffer that
// cannot hold one. IOCTL-8 (cases/base_handle.cc) is SIO_BASE_HANDLE's own
// answer; these are the three others and the refusals all four share.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "suite/fixtures/case_dimensions.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

using ::testing::ValuesIn;

constexpr int kBaseProtocol = 1;  // ProtocolChain.ChainLen of a base provider's entry
// No provider answers with this: a value left alone shows.
const SOCKET kSentinel = static_cast<SOCKET>(0x5A5A5A5Au);

const char* CodeName(DWORD code) {
  switch (code) {
    case SIO_BASE_HANDLE: return "SIO_BASE_HANDLE";
    case SIO_BSP_HANDLE: return "SIO_BSP_HANDLE";
    case SIO_BSP_HANDLE_SELECT: return "SIO_BSP_HANDLE_SELECT";
    case SIO_BSP_HANDLE_POLL: return "SIO_BSP_HANDLE_POLL";
    default: return "?";
  }
}

class BspHandle : public PairCase {
 protected:
  // `code` answers with the base provider's socket (statement `id`): the
  // socket itself on a base provider's socket, one of the same endpoint on
  // a layered provider's.
  void AnswersWithBaseSocket(DWORD code, const char* id) {
    WSAPROTOCOL_INFOW info{};
    int info_len = static_cast<int>(sizeof info);
    if (p.getsockopt(pair.a, SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&info), &info_len) != 0)
      throw SetupFailed("getsockopt(SO_PROTOCOL_INFOW) failed with " + std::to_string(p.WSAGetLastError()));
    Observe("protocol.chain_length", info.ProtocolChain.ChainLen);

    SOCKET handle = kSentinel;
    DWORD returned = 0;
    int ret = p.WSAIoctl(pair.a, code, nullptr, 0, &handle, sizeof handle, &returned, nullptr, nullptr);
    ObserveCall("ioctl", ret, ret == 0 ? 0 : p.WSAGetLastError());
    WSAC_ASSERT_EQ(id, ret, 0) << CodeName(code) << " was refused";
    Observe("handle_is_socket", handle == pair.a ? 1 : 0);
    if (info.ProtocolChain.ChainLen == kBaseProtocol) {
      WSAC_EXPECT_EQ(id, handle, pair.a) << "a base provider's socket is its own " << CodeName(code) << " answer";
      return;
    }
    WSAC_ASSERT_NE(id, handle, kSentinel) << CodeName(code) << " returned 0 and stored no handle";
    WSAC_EXPECT_TRUE(id, SameEndpoint(p, pair.a, handle, false))
        << "the " << CodeName(code) << " handle's local address is not the socket's";
    if (pair.stream()) {
      WSAC_EXPECT_TRUE(id, SameEndpoint(p, pair.a, handle, true))
          << "the " << CodeName(code) << " handle's peer is not the socket's";
    }
  }
};

// HANDLE-1: SIO_BSP_HANDLE.
WSAC_CASE_P(BspHandle, BspHandleIsTheBaseSocket, "HANDLE-1") { AnswersWithBaseSocket(SIO_BSP_HANDLE, "HANDLE-1"); }

// HANDLE-2: SIO_BSP_HANDLE_SELECT, the handle select() is given.
WSAC_CASE_P(BspHandle, SelectHandleIsTheBaseSocket, "HANDLE-2") {
  AnswersWithBaseSocket(SIO_BSP_HANDLE_SELECT, "HANDLE-2");
}

// HANDLE-3: SIO_BSP_HANDLE_POLL, the handle WSAPoll() is given.
WSAC_CASE_P(BspHandle, PollHandleIsTheBaseSocket, "HANDLE-3") {
  AnswersWithBaseSocket(SIO_BSP_HANDLE_POLL, "HANDLE-3");
}

INSTANTIATE_TEST_SUITE_P(BspHandles, BspHandle, ValuesIn(Cross({.kinds = AllKinds()})), ParamName);
INSTANTIATE_TEST_SUITE_P(BspHandleModes, BspHandle, ValuesIn(OtherCreationsAndModes(AllKinds())), ParamName);

const std::vector<DWORD> kHandleCodes{SIO_BASE_HANDLE, SIO_BSP_HANDLE, SIO_BSP_HANDLE_SELECT, SIO_BSP_HANDLE_POLL};
std::string ShortName(DWORD code) {
  switch (code) {
    case SIO_BASE_HANDLE: return "Base";
    case SIO_BSP_HANDLE: return "Bsp";
    case SIO_BSP_HANDLE_SELECT: return "Select";
    case SIO_BSP_HANDLE_POLL: return "Poll";
    default: return "Unknown";
  }
}

class HandleOutputBuffer : public ParamWithCase<DWORD> {
 protected:
  DWORD code() const { return GetParam().value; }
};

// HANDLE-4: room for half a SOCKET is refused with WSAEFAULT and the room
// keeps what it held (a provider that stores part of a handle and returns
// 0 gives the caller a handle it never had).
WSAC_CASE_P(HandleOutputBuffer, ShortBufferFaults, "HANDLE-4") {
  SOCKET room = kSentinel;
  DWORD returned = 0;
  const DWORD half = static_cast<DWORD>(sizeof(SOCKET) / 2);
  int ret = p.WSAIoctl(pair.a, code(), nullptr, 0, &room, half, &returned, nullptr, nullptr);
  const int err = ret == 0 ? 0 : p.WSAGetLastError();
  ObserveCall("ioctl", ret, err);
  WSAC_ASSERT_EQ("HANDLE-4", ret, SOCKET_ERROR) << CodeName(code()) << " with " << half << " bytes of room returned 0";
  WSAC_EXPECT_EQ("HANDLE-4", err, WSAEFAULT) << CodeName(code()) << " with a short output buffer";
  WSAC_EXPECT_EQ("HANDLE-4", room, kSentinel) << "the refused call wrote into the output buffer";
}

// HANDLE-4: no output buffer at all is refused with WSAEFAULT.
WSAC_CASE_P(HandleOutputBuffer, NullBufferFaults, "HANDLE-4") {
  DWORD returned = 0;
  int ret = p.WSAIoctl(pair.a, code(), nullptr, 0, nullptr, sizeof(SOCKET), &returned, nullptr, nullptr);
  const int err = ret == 0 ? 0 : p.WSAGetLastError();
  ObserveCall("ioctl", ret, err);
  WSAC_ASSERT_EQ("HANDLE-4", ret, SOCKET_ERROR) << CodeName(code()) << " with lpvOutBuffer NULL returned 0";
  WSAC_EXPECT_EQ("HANDLE-4", err, WSAEFAULT) << CodeName(code()) << " with lpvOutBuffer NULL";
}

INSTANTIATE_TEST_SUITE_P(HandleOutputBuffers, HandleOutputBuffer,
                         ValuesIn(CrossWith(Dimensions{.kinds = AllKinds()}, kHandleCodes, ShortName)),
                         ParamWithName<DWORD>);

class PollHandleOverlapped : public PairCase {};

// HANDLE-5: SIO_BSP_HANDLE_POLL with a WSAOVERLAPPED (and, for the routine
// mechanism, a completion routine) is refused with WSAEFAULT, stores no
// handle, and the refusal is never indicated.
WSAC_CASE_P(PollHandleOverlapped, OverlappedPollHandleFaults, "HANDLE-5") {
  auto& room = LongLived<SOCKET>();
  room = kSentinel;
  Operation& op = observer.NewOperation(pair.a);
  int ret = p.WSAIoctl(pair.a, SIO_BSP_HANDLE_POLL, nullptr, 0, &room, sizeof(SOCKET), LongLivedWord(0), &op.ov,
                       observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  ObserveCall("ioctl", op.call_ret, op.call_error);
  if (op.outcome != Outcome::Failed) {
    WSAC_ADD_FAILURE("HANDLE-5") << "SIO_BSP_HANDLE_POLL with a WSAOVERLAPPED was accepted: " << observer.Describe(op);
    // What the accepted call indicates is for the record only: a quiet
    // window shows it, without waiting out a deadline for an indication a
    // deviating provider may never give.
    if (op.outcome == Outcome::Immediate) {
      ObserveIndication("indication", observer.TakeImmediate(op));
    } else {
      Observe("indication.within_quiet_window", observer.IndicatedWithin(op) ? "yes" : "no");
    }
    return;
  }
  WSAC_EXPECT_EQ("HANDLE-5", op.call_error, WSAEFAULT) << "SIO_BSP_HANDLE_POLL with a WSAOVERLAPPED";
  WSAC_EXPECT_EQ("HANDLE-5", room, kSentinel) << "the refused call wrote into the output buffer";
  WSAC_EXPECT_FALSE("HANDLE-5", observer.IndicatedWithin(op)) << "the refused call was indicated: " << observer.Describe(op);
}

INSTANTIATE_TEST_SUITE_P(PollHandleOverlapped, PollHandleOverlapped,
                         ValuesIn(Cross({.kinds = AllKinds(), .mechanisms = AllMechanisms()})), ParamName);

}  // namespace
}  // namespace wsac
