// Helpers for the mock's unit tests: a fresh provider per test, connected
// pairs, addresses, and waits with deadlines (no fixed sleeps).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "suite/providers/mock/mock_provider.h"

namespace wsac::mocktest {

constexpr DWORD kWaitMs = 5000;  // for indications that must come

sockaddr_storage Loopback(int af, std::uint16_t port);
sockaddr_storage AnyAddr(int af, std::uint16_t port);
int AddrLen(int af);
std::uint16_t PortOf(const sockaddr_storage& ss);
sockaddr* Sa(sockaddr_storage& ss);

struct Pair {
  SOCKET a = INVALID_SOCKET;  // client
  SOCKET b = INVALID_SOCKET;  // accepted
};
// A connected TCP pair on loopback; flags as WSASocketW's for the listener
// and client (the accepted socket inherits the listener's).
Pair TcpPair(Provider& p, int af = AF_INET, DWORD flags = WSA_FLAG_OVERLAPPED);
// A UDP socket bound to loopback port 0.
SOCKET BoundUdp(Provider& p, int af = AF_INET, DWORD flags = WSA_FLAG_OVERLAPPED);

// A WSAOVERLAPPED with a fresh event.
struct Ov {
  explicit Ov(Provider& p) : p_(p) {
    ov = WSAOVERLAPPED{};
    ov.hEvent = p.WSACreateEvent();
  }
  ~Ov() { p_.WSACloseEvent(ov.hEvent); }
  bool Signaled(DWORD ms = 0) { return p_.WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, ms, FALSE) == WSA_WAIT_EVENT_0; }
  Provider& p_;
  WSAOVERLAPPED ov;
};

int SendBytes(Provider& p, SOCKET s, const std::string& data);  // plain blocking send
std::string RecvBytes(Provider& p, SOCKET s, std::size_t max);   // plain recv; "" on error/EOF
std::string Pattern(std::size_t n, int seed = 0);

class MockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    provider_ = MakeMockProvider(MockOptions{});
    ASSERT_NE(provider_, nullptr);
  }
  Provider& P() { return *provider_; }
  std::unique_ptr<Provider> provider_;
};

}  // namespace wsac::mocktest
