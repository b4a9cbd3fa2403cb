// The winsock provider against the machine's ws2_32: that it starts, says
// which build it is, honours a chosen catalog entry, and that an overlapped
// receive pends and completes through its event.
#include "suite/providers/winsock/winsock_provider.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "suite/api/wsa_types.h"

namespace wsac {
namespace {

std::unique_ptr<Provider> MakeOrFail(const std::string& catalog_entry = {}) {
  WinsockOptions options;
  options.catalog_entry = catalog_entry;
  std::string error;
  auto provider = MakeWinsockProvider(options, &error);
  EXPECT_NE(provider, nullptr) << error;
  return provider;
}

// An accepted loopback TCP pair of overlapped sockets.
struct LoopbackPair {
  SOCKET accepted = INVALID_SOCKET;
  SOCKET connected = INVALID_SOCKET;
};

LoopbackPair ConnectLoopback(Provider& p) {
  LoopbackPair pair;
  SOCKET listener = p.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  EXPECT_NE(listener, INVALID_SOCKET) << p.WSAGetLastError();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int len = sizeof addr;
  EXPECT_EQ(p.bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << p.WSAGetLastError();
  EXPECT_EQ(p.listen(listener, 1), 0) << p.WSAGetLastError();
  EXPECT_EQ(p.getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0) << p.WSAGetLastError();
  pair.connected = p.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  EXPECT_EQ(p.connect(pair.connected, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0)
      << p.WSAGetLastError();
  pair.accepted = p.accept(listener, nullptr, nullptr);
  EXPECT_NE(pair.accepted, INVALID_SOCKET) << p.WSAGetLastError();
  p.closesocket(listener);
  return pair;
}

TEST(WinsockProvider, BuildNamesTheSystem) {
  auto p = MakeOrFail();
  ASSERT_NE(p, nullptr);
  const std::string build = p->Build();
  RecordProperty("build", build);
  std::printf("Build(): %s\n", build.c_str());
  EXPECT_TRUE(build.rfind("Wine ", 0) == 0 || build.rfind("Windows ", 0) == 0) << build;
  EXPECT_NE(build.find("ws2_32"), std::string::npos) << build;
  EXPECT_EQ(p->Name(), "winsock");
}

TEST(WinsockProvider, OverlappedReceivePendsThenCompletesThroughItsEvent) {
  auto p = MakeOrFail();
  ASSERT_NE(p, nullptr);
  LoopbackPair pair = ConnectLoopback(*p);
  ASSERT_FALSE(HasFailure());

  char in[16] = {};
  WSABUF in_buf{sizeof in, in};
  WSAOVERLAPPED ov{};
  ov.hEvent = p->WSACreateEvent();
  ASSERT_NE(ov.hEvent, WSA_INVALID_EVENT);
  DWORD flags = 0;
  ASSERT_EQ(p->WSARecv(pair.accepted, &in_buf, 1, nullptr, &flags, &ov, nullptr), SOCKET_ERROR);
  ASSERT_EQ(p->WSAGetLastError(), WSA_IO_PENDING);

  char out[] = "smoke";
  WSABUF out_buf{sizeof out, out};
  DWORD sent = 0;
  ASSERT_EQ(p->WSASend(pair.connected, &out_buf, 1, &sent, 0, nullptr, nullptr), 0)
      << p->WSAGetLastError();
  EXPECT_EQ(sent, sizeof out);

  // One wait with a deadline; a timeout is reported with what was observed.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  DWORD waited = WSA_WAIT_TIMEOUT;
  while (waited == WSA_WAIT_TIMEOUT && std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    waited = p->WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE,
                                         static_cast<DWORD>(left.count() > 0 ? left.count() : 0), FALSE);
  }
  ASSERT_EQ(waited, WSA_WAIT_EVENT_0) << "event not signaled within 10 s; Internal=0x" << std::hex
                                      << ov.Internal;

  DWORD received = 0;
  ASSERT_TRUE(p->WSAGetOverlappedResult(pair.accepted, &ov, &received, FALSE, &flags))
      << p->WSAGetLastError();
  EXPECT_EQ(received, sizeof out);
  EXPECT_EQ(std::memcmp(in, out, sizeof out), 0);

  p->WSACloseEvent(ov.hEvent);
  p->closesocket(pair.accepted);
  p->closesocket(pair.connected);
}

TEST(WinsockProvider, ArgumentsPassThroughUntouched) {
  auto p = MakeOrFail();
  ASSERT_NE(p, nullptr);
  // ws2_32's own answers, not the provider's: an invalid socket and a NULL
  // byte count each give their Winsock error.
  char c = 0;
  WSABUF buf{1, &c};
  DWORD flags = 0;
  DWORD n = 0;
  EXPECT_EQ(p->WSARecv(INVALID_SOCKET, &buf, 1, &n, &flags, nullptr, nullptr), SOCKET_ERROR);
  EXPECT_EQ(p->WSAGetLastError(), WSAENOTSOCK);
  p->WSASetLastError(12345);
  EXPECT_EQ(p->WSAGetLastError(), 12345);
  EXPECT_EQ(p->GetLastError(), 12345u);
  EXPECT_FALSE(p->CloseHandle(nullptr));
  EXPECT_EQ(p->GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}

TEST(WinsockProvider, ChosenCatalogEntryCreatesTheSockets) {
  // The system's own TCP/IPv4 base entry, found without the provider.
  WSADATA data;
  ASSERT_EQ(::WSAStartup(MAKEWORD(2, 2), &data), 0);
  std::vector<WSAPROTOCOL_INFOW> protocols(64);
  DWORD bytes = static_cast<DWORD>(protocols.size() * sizeof(WSAPROTOCOL_INFOW));
  int count = ::WSAEnumProtocolsW(nullptr, protocols.data(), &bytes);
  ::WSACleanup();
  ASSERT_GT(count, 0);
  const WSAPROTOCOL_INFOW* tcp = nullptr;
  for (int i = 0; i < count; ++i) {
    const auto& info = protocols[static_cast<std::size_t>(i)];
    if (info.iAddressFamily == AF_INET && info.iSocketType == SOCK_STREAM &&
        info.ProtocolChain.ChainLen == BASE_PROTOCOL) {
      tcp = &info;
      break;
    }
  }
  ASSERT_NE(tcp, nullptr) << "no TCP/IPv4 base entry in the catalog";

  auto p = MakeOrFail(std::to_string(tcp->dwCatalogEntryId));
  ASSERT_NE(p, nullptr);
  std::printf("Build(): %s\n", p->Build().c_str());
  EXPECT_NE(p->Build().find("catalog entry " + std::to_string(tcp->dwCatalogEntryId)),
            std::string::npos);

  SOCKET s = p->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_NE(s, INVALID_SOCKET) << p->WSAGetLastError();
  WSAPROTOCOL_INFOW used{};
  int len = sizeof used;
  ASSERT_EQ(p->getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&used), &len), 0)
      << p->WSAGetLastError();
  EXPECT_EQ(used.dwCatalogEntryId, tcp->dwCatalogEntryId);
  p->closesocket(s);
}

TEST(WinsockProvider, UnknownCatalogEntryIsAnError) {
  std::string error;
  WinsockOptions options;
  options.catalog_entry = "4000000000";
  EXPECT_EQ(MakeWinsockProvider(options, &error), nullptr);
  EXPECT_NE(error.find("no catalog entry 4000000000"), std::string::npos) << error;
  options.catalog_entry = "tcp";
  EXPECT_EQ(MakeWinsockProvider(options, &error), nullptr);
  EXPECT_NE(error.find("not a decimal"), std::string::npos) << error;
}

}  // namespace
}  // namespace wsac
