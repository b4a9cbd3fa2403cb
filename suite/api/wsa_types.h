// Winsock-shaped types and constants, in namespace wsac.
//
// On Windows targets these are the SDK's own (winsock2.h, ws2tcpip.h,
// mswsock.h), brought into the namespace, so case code is ordinary Winsock
// code. Elsewhere the project defines them itself with the same layout on
// 64-bit targets and the same constant values, so a case compiled natively
// against the mock sees exactly the numbers it would see on Windows.
//
// Rule for non-Windows translation units: never include a system socket
// header (<sys/socket.h>, <netinet/in.h>, <sys/ioctl.h>) next to this one;
// their macros (AF_INET6 is 10 there, 23 here) would collide with these names.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>

#define WSAC_CALLBACK CALLBACK

namespace wsac {
using ::BOOL;
using ::CHAR;
using ::DWORD;
using ::GUID;
using ::HANDLE;
using ::INT;
using ::LPDWORD;
using ::LPINT;
using ::LPOVERLAPPED;
using ::LPVOID;
using ::LPWSABUF;
using ::LPWSAOVERLAPPED;
using ::LPWSAOVERLAPPED_COMPLETION_ROUTINE;
using ::LPWSAPROTOCOL_INFOW;
using ::OVERLAPPED;
using ::PULONG_PTR;
using ::SOCKET;
using ::UCHAR;
using ::ULONG;
using ::ULONG_PTR;
using ::USHORT;
using ::WCHAR;
using ::WSABUF;
using ::WSAEVENT;
using ::WSAOVERLAPPED;
using ::WSAPROTOCOL_INFOW;
using ::in6_addr;
using ::in_addr;
using ::linger;
using ::sockaddr;
using ::sockaddr_in;
using ::sockaddr_in6;
using ::sockaddr_storage;
using ::u_long;
using ::u_short;
}  // namespace wsac

// NTSTATUS values kept in OVERLAPPED.Internal; ntstatus.h is not part of the
// lean Windows headers, so the ones the suite reads are spelled out.
#ifndef STATUS_SUCCESS
#define STATUS_SUCCESS ((DWORD)0x00000000L)
#endif
#ifndef STATUS_BUFFER_OVERFLOW
#define STATUS_BUFFER_OVERFLOW ((DWORD)0x80000005L)
#endif
#ifndef STATUS_CANCELLED
#define STATUS_CANCELLED ((DWORD)0xC0000120L)
#endif
#ifndef STATUS_LOCAL_DISCONNECT
#define STATUS_LOCAL_DISCONNECT ((DWORD)0xC000013BL)
#endif
#ifndef STATUS_CONNECTION_RESET
#define STATUS_CONNECTION_RESET ((DWORD)0xC000020DL)
#endif
#ifndef STATUS_CONNECTION_ABORTED
#define STATUS_CONNECTION_ABORTED ((DWORD)0xC0000241L)
#endif
#ifndef STATUS_PENDING
#define STATUS_PENDING ((DWORD)0x00000103L)
#endif
#ifndef FILE_SKIP_COMPLETION_PORT_ON_SUCCESS
#define FILE_SKIP_COMPLETION_PORT_ON_SUCCESS 0x1
#endif
#ifndef FILE_SKIP_SET_EVENT_ON_HANDLE
#define FILE_SKIP_SET_EVENT_ON_HANDLE 0x2
#endif
#ifndef XP1_IFS_HANDLES
#define XP1_IFS_HANDLES 0x00020000
#endif
#ifndef ERROR_CONNECTION_ABORTED
#define ERROR_CONNECTION_ABORTED 1236L
#endif

#else  // !_WIN32: the project's own definitions, Windows layout and values.

#define WSAC_CALLBACK

namespace wsac {

using BOOL = int;
using INT = int;
using CHAR = char;
using UCHAR = unsigned char;
using USHORT = std::uint16_t;
using ULONG = std::uint32_t;  // Windows long is 32 bits (LLP64)
using DWORD = std::uint32_t;
using ULONG_PTR = std::uintptr_t;
using PULONG_PTR = ULONG_PTR*;
using HANDLE = void*;
using LPVOID = void*;
using LPCVOID = const void*;
using PVOID = void*;
using LPDWORD = DWORD*;
using LPINT = int*;
using WSAEVENT = HANDLE;
using SOCKET = std::uintptr_t;
using u_long = std::uint32_t;
using u_short = std::uint16_t;
using WCHAR = char16_t;

struct WSABUF {
  ULONG len;
  CHAR* buf;
};
using LPWSABUF = WSABUF*;

// Windows puts Offset/OffsetHigh and Pointer in an anonymous union; both are
// 8 bytes on 64-bit targets, so two DWORDs keep the layout in standard C++.
struct OVERLAPPED {
  ULONG_PTR Internal;
  ULONG_PTR InternalHigh;
  DWORD Offset;
  DWORD OffsetHigh;
  HANDLE hEvent;
};
using WSAOVERLAPPED = OVERLAPPED;
using LPOVERLAPPED = OVERLAPPED*;
// ---- handles and port accounting ----
struct OVERLAPPED_ENTRY {
  ULONG_PTR lpCompletionKey;
  LPOVERLAPPED lpOverlapped;
  ULONG_PTR Internal;
  DWORD dwNumberOfBytesTransferred;
};
using LPOVERLAPPED_ENTRY = OVERLAPPED_ENTRY*;
using PULONG = ULONG*;
using LPWSAOVERLAPPED = WSAOVERLAPPED*;

using LPWSAOVERLAPPED_COMPLETION_ROUTINE = void (*)(DWORD dwError, DWORD cbTransferred,
                                                   LPWSAOVERLAPPED lpOverlapped, DWORD dwFlags);

struct sockaddr {
  USHORT sa_family;
  CHAR sa_data[14];
};

struct in_addr {
  ULONG s_addr;  // network byte order
};

struct sockaddr_in {
  USHORT sin_family;
  USHORT sin_port;  // network byte order
  in_addr sin_addr;
  CHAR sin_zero[8];
};

struct in6_addr {
  UCHAR s6_addr[16];
};

struct sockaddr_in6 {
  USHORT sin6_family;
  USHORT sin6_port;  // network byte order
  ULONG sin6_flowinfo;
  in6_addr sin6_addr;
  ULONG sin6_scope_id;
};

struct sockaddr_storage {
  USHORT ss_family;
  CHAR ss_pad1[6];
  std::int64_t ss_align;
  CHAR ss_pad2[112];
};

struct linger {
  u_short l_onoff;
  u_short l_linger;
};

struct GUID {
  std::uint32_t Data1;
  std::uint16_t Data2;
  std::uint16_t Data3;
  std::uint8_t Data4[8];
};

struct WSAPROTOCOLCHAIN {
  int ChainLen;
  DWORD ChainEntries[7];
};

struct WSAPROTOCOL_INFOW {
  DWORD dwServiceFlags1;
  DWORD dwServiceFlags2;
  DWORD dwServiceFlags3;
  DWORD dwServiceFlags4;
  DWORD dwProviderFlags;
  GUID ProviderId;
  DWORD dwCatalogEntryId;
  WSAPROTOCOLCHAIN ProtocolChain;
  int iVersion;
  int iAddressFamily;
  int iMaxSockAddr;
  int iMinSockAddr;
  int iSocketType;
  int iProtocol;
  int iProtocolMaxOffset;
  int iNetworkByteOrder;
  int iSecurityScheme;
  DWORD dwMessageSize;
  DWORD dwProviderReserved;
  WCHAR szProtocol[256];
};
using LPWSAPROTOCOL_INFOW = WSAPROTOCOL_INFOW*;

static_assert(sizeof(void*) != 8 || sizeof(OVERLAPPED) == 32, "OVERLAPPED layout");
static_assert(sizeof(sockaddr_in) == 16, "sockaddr_in layout");
static_assert(sizeof(sockaddr_in6) == 28, "sockaddr_in6 layout");
static_assert(sizeof(sockaddr_storage) == 128, "sockaddr_storage layout");

constexpr std::uint16_t htons(std::uint16_t v) { return static_cast<std::uint16_t>((v << 8) | (v >> 8)); }
constexpr std::uint16_t ntohs(std::uint16_t v) { return htons(v); }
constexpr std::uint32_t htonl(std::uint32_t v) {
  return ((v & 0xffu) << 24) | ((v & 0xff00u) << 8) | ((v >> 8) & 0xff00u) | (v >> 24);
}
constexpr std::uint32_t ntohl(std::uint32_t v) { return htonl(v); }

// Results and sentinels.
constexpr BOOL FALSE = 0;
constexpr BOOL TRUE = 1;
constexpr int SOCKET_ERROR = -1;
constexpr SOCKET INVALID_SOCKET = ~static_cast<SOCKET>(0);
constexpr DWORD INFINITE = 0xFFFFFFFFu;
inline HANDLE const INVALID_HANDLE_VALUE = reinterpret_cast<HANDLE>(~static_cast<std::uintptr_t>(0));

// Address families, types, protocols.
constexpr int AF_UNSPEC = 0;
constexpr int AF_INET = 2;
constexpr int AF_INET6 = 23;
constexpr int SOCK_STREAM = 1;
constexpr int SOCK_DGRAM = 2;
constexpr int IPPROTO_IP = 0;
constexpr int IPPROTO_TCP = 6;
constexpr int IPPROTO_UDP = 17;
constexpr int IPPROTO_IPV6 = 41;
constexpr ULONG INADDR_ANY = 0x00000000u;
constexpr ULONG INADDR_LOOPBACK = 0x7f000001u;
constexpr int SOMAXCONN = 0x7fffffff;

// Socket options.
constexpr int SOL_SOCKET = 0xffff;
constexpr int SO_REUSEADDR = 0x0004;
constexpr int SO_KEEPALIVE = 0x0008;
constexpr int SO_LINGER = 0x0080;
constexpr int SO_SNDBUF = 0x1001;
constexpr int SO_RCVBUF = 0x1002;
constexpr int SO_SNDTIMEO = 0x1005;
constexpr int SO_RCVTIMEO = 0x1006;
constexpr int SO_ERROR = 0x1007;
constexpr int SO_TYPE = 0x1008;
constexpr int SO_PROTOCOL_INFOW = 0x2005;
constexpr int SO_UPDATE_CONNECT_CONTEXT = 0x7010;
constexpr int SO_UPDATE_ACCEPT_CONTEXT = 0x700B;
constexpr int TCP_NODELAY = 0x0001;

// Flags.
constexpr DWORD WSA_FLAG_OVERLAPPED = 0x01;
constexpr DWORD MSG_OOB = 0x1;
constexpr DWORD MSG_PEEK = 0x2;
constexpr DWORD MSG_DONTROUTE = 0x4;
constexpr DWORD MSG_WAITALL = 0x8;
constexpr DWORD MSG_PUSH_IMMEDIATE = 0x20;
constexpr DWORD MSG_PARTIAL = 0x8000;
constexpr int SD_RECEIVE = 0;
constexpr int SD_SEND = 1;
constexpr int SD_BOTH = 2;
constexpr UCHAR FILE_SKIP_COMPLETION_PORT_ON_SUCCESS = 0x1;
constexpr UCHAR FILE_SKIP_SET_EVENT_ON_HANDLE = 0x2;
constexpr DWORD XP1_IFS_HANDLES = 0x00020000;

// ioctl codes: _IOW/_IOR('f', ...) and _WSAIO(IOC_WS2, ...) as winsock2.h builds them.
constexpr long FIONBIO = static_cast<long>(0x8004667Eu);
constexpr long FIONREAD = 0x4004667F;
constexpr DWORD SIO_GET_EXTENSION_FUNCTION_POINTER = 0xC8000006u;
constexpr DWORD SIO_ROUTING_INTERFACE_CHANGE = 0x88000015u;
constexpr DWORD SIO_ADDRESS_LIST_QUERY = 0x48000016u;
constexpr DWORD SIO_ADDRESS_LIST_CHANGE = 0x28000017u;
constexpr DWORD SIO_BASE_HANDLE = 0x48000022u;
// ---- handles ----
constexpr DWORD FILE_TYPE_UNKNOWN = 0x0000;
constexpr DWORD FILE_TYPE_DISK = 0x0001;
constexpr DWORD FILE_TYPE_CHAR = 0x0002;
constexpr DWORD FILE_TYPE_PIPE = 0x0003;
constexpr DWORD SIO_BSP_HANDLE = 0x4800001Bu;
constexpr DWORD SIO_BSP_HANDLE_SELECT = 0x4800001Cu;
constexpr DWORD SIO_BSP_HANDLE_POLL = 0x4800001Du;

// Wait results.
constexpr DWORD WAIT_OBJECT_0 = 0;
constexpr DWORD WAIT_IO_COMPLETION = 0xC0;
constexpr DWORD WAIT_TIMEOUT = 258;
constexpr DWORD WAIT_FAILED = 0xFFFFFFFFu;
constexpr DWORD WSA_WAIT_EVENT_0 = WAIT_OBJECT_0;
constexpr DWORD WSA_WAIT_IO_COMPLETION = WAIT_IO_COMPLETION;
constexpr DWORD WSA_WAIT_TIMEOUT = WAIT_TIMEOUT;
constexpr DWORD WSA_WAIT_FAILED = WAIT_FAILED;
constexpr DWORD WSA_INFINITE = INFINITE;
constexpr DWORD WSA_MAXIMUM_WAIT_EVENTS = 64;
inline WSAEVENT const WSA_INVALID_EVENT = nullptr;

// Win32 errors (also the WSA_* aliases Winsock uses for overlapped I/O).
constexpr int ERROR_SUCCESS = 0;
constexpr int ERROR_INVALID_HANDLE = 6;
constexpr int ERROR_NOT_ENOUGH_MEMORY = 8;
constexpr int ERROR_NETNAME_DELETED = 64;
constexpr int ERROR_INVALID_PARAMETER = 87;
constexpr int ERROR_MORE_DATA = 234;
constexpr int ERROR_OPERATION_ABORTED = 995;
constexpr int ERROR_IO_INCOMPLETE = 996;
constexpr int ERROR_IO_PENDING = 997;
constexpr int ERROR_NOT_FOUND = 1168;
constexpr int ERROR_CONNECTION_ABORTED = 1236;
constexpr int WSA_INVALID_HANDLE = ERROR_INVALID_HANDLE;
constexpr int WSA_NOT_ENOUGH_MEMORY = ERROR_NOT_ENOUGH_MEMORY;
constexpr int WSA_INVALID_PARAMETER = ERROR_INVALID_PARAMETER;
constexpr int WSA_OPERATION_ABORTED = ERROR_OPERATION_ABORTED;
constexpr int WSA_IO_INCOMPLETE = ERROR_IO_INCOMPLETE;
constexpr int WSA_IO_PENDING = ERROR_IO_PENDING;

// Winsock errors.
constexpr int WSAEINTR = 10004;
constexpr int WSAEBADF = 10009;
constexpr int WSAEACCES = 10013;
constexpr int WSAEFAULT = 10014;
constexpr int WSAEINVAL = 10022;
constexpr int WSAEMFILE = 10024;
constexpr int WSAEWOULDBLOCK = 10035;
constexpr int WSAEINPROGRESS = 10036;
constexpr int WSAEALREADY = 10037;
constexpr int WSAENOTSOCK = 10038;
constexpr int WSAEDESTADDRREQ = 10039;
constexpr int WSAEMSGSIZE = 10040;
constexpr int WSAEPROTOTYPE = 10041;
constexpr int WSAENOPROTOOPT = 10042;
constexpr int WSAEPROTONOSUPPORT = 10043;
constexpr int WSAESOCKTNOSUPPORT = 10044;
constexpr int WSAEOPNOTSUPP = 10045;
constexpr int WSAEAFNOSUPPORT = 10047;
constexpr int WSAEADDRINUSE = 10048;
constexpr int WSAEADDRNOTAVAIL = 10049;
constexpr int WSAENETDOWN = 10050;
constexpr int WSAENETRESET = 10052;
constexpr int WSAECONNABORTED = 10053;
constexpr int WSAECONNRESET = 10054;
constexpr int WSAENOBUFS = 10055;
constexpr int WSAEISCONN = 10056;
constexpr int WSAENOTCONN = 10057;
constexpr int WSAESHUTDOWN = 10058;
constexpr int WSAETIMEDOUT = 10060;
constexpr int WSAECONNREFUSED = 10061;
constexpr int WSANOTINITIALISED = 10093;
constexpr int WSAEDISCON = 10101;

// NTSTATUS values kept in OVERLAPPED.Internal.
constexpr DWORD STATUS_SUCCESS = 0x00000000u;
constexpr DWORD STATUS_PENDING = 0x00000103u;
constexpr DWORD STATUS_BUFFER_OVERFLOW = 0x80000005u;
constexpr DWORD STATUS_CANCELLED = 0xC0000120u;
constexpr DWORD STATUS_LOCAL_DISCONNECT = 0xC000013Bu;
constexpr DWORD STATUS_CONNECTION_RESET = 0xC000020Du;
constexpr DWORD STATUS_CONNECTION_ABORTED = 0xC0000241u;

}  // namespace wsac

#endif  // _WIN32

namespace wsac {
// A SOCKET passed where Win32 wants a HANDLE (ports, CancelIoEx), as Windows
// code writes (HANDLE)s.
inline HANDLE AsHandle(SOCKET s) { return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(s)); }
}  // namespace wsac

// ---- extension functions: messages and transmit ----
// WSAMSG and the extension function GUIDs of WSARecvMsg and WSASendMsg; the
// Windows headers have them (ws2def.h, mswsock.h), the native build spells
// them out in Windows layout.
namespace wsac {
#if defined(_WIN32)
using ::LPWSAMSG;
using ::WSAMSG;
inline const GUID kWsaIdWSARecvMsg = WSAID_WSARECVMSG;
inline const GUID kWsaIdWSASendMsg = WSAID_WSASENDMSG;
inline const GUID kWsaIdTransmitFile = WSAID_TRANSMITFILE;
inline const GUID kWsaIdTransmitPackets = WSAID_TRANSMITPACKETS;
inline const GUID kWsaIdConnectEx = WSAID_CONNECTEX;
inline const GUID kWsaIdDisconnectEx = WSAID_DISCONNECTEX;
inline const GUID kWsaIdAcceptEx = WSAID_ACCEPTEX;
inline const GUID kWsaIdGetAcceptExSockaddrs = WSAID_GETACCEPTEXSOCKADDRS;
using ::LPTRANSMIT_FILE_BUFFERS;
using ::LPTRANSMIT_PACKETS_ELEMENT;
using ::TRANSMIT_FILE_BUFFERS;
using ::TRANSMIT_PACKETS_ELEMENT;
#else
struct WSAMSG {
  sockaddr* name;
  INT namelen;
  LPWSABUF lpBuffers;
  DWORD dwBufferCount;
  WSABUF Control;
  DWORD dwFlags;
};
using LPWSAMSG = WSAMSG*;
constexpr DWORD MSG_TRUNC = 0x0100;
constexpr DWORD MSG_CTRUNC = 0x0200;
inline constexpr GUID kWsaIdWSARecvMsg{0xf689d7c8, 0x6f1f, 0x436b, {0x8a, 0x53, 0xe5, 0x4f, 0xe3, 0x51, 0xc3, 0x22}};
inline constexpr GUID kWsaIdWSASendMsg{0xa441e712, 0x754f, 0x43ca, {0x84, 0xa7, 0x0d, 0xee, 0x44, 0xcf, 0x60, 0x6d}};
inline constexpr GUID kWsaIdTransmitFile{0xb5367df0, 0xcbac, 0x11cf, {0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92}};
inline constexpr GUID kWsaIdTransmitPackets{0xd9689da0, 0x1f90, 0x11d3, {0x99, 0x71, 0x00, 0xc0, 0x4f, 0x68, 0xc8, 0x76}};
inline constexpr GUID kWsaIdConnectEx{0x25a207b9, 0xddf3, 0x4660, {0x8e, 0xe9, 0x76, 0xe5, 0x8c, 0x74, 0x06, 0x3e}};
inline constexpr GUID kWsaIdDisconnectEx{0x7fda2e11, 0x8630, 0x436f, {0xa0, 0x31, 0xf5, 0x36, 0xa6, 0xee, 0xc1, 0x57}};
inline constexpr GUID kWsaIdAcceptEx{0xb5367df1, 0xcbac, 0x11cf, {0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92}};
inline constexpr GUID kWsaIdGetAcceptExSockaddrs{0xb5367df2, 0xcbac, 0x11cf, {0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92}};
constexpr DWORD TF_DISCONNECT = 0x01;
constexpr DWORD TF_REUSE_SOCKET = 0x02;
struct TRANSMIT_FILE_BUFFERS {
  LPVOID Head;
  DWORD HeadLength;
  LPVOID Tail;
  DWORD TailLength;
};
using LPTRANSMIT_FILE_BUFFERS = TRANSMIT_FILE_BUFFERS*;
// Windows' nameless struct inside the union holds nFileOffset and hFile;
// the suite sends memory elements only, so it is spelled as a named member.
struct TRANSMIT_PACKETS_ELEMENT {
  ULONG dwElFlags;
  ULONG cLength;
  union {
    struct {
      std::int64_t nFileOffset;
      HANDLE hFile;
    } file;
    LPVOID pBuffer;
  };
};
using LPTRANSMIT_PACKETS_ELEMENT = TRANSMIT_PACKETS_ELEMENT*;
constexpr ULONG TP_ELEMENT_MEMORY = 1;
constexpr ULONG TP_ELEMENT_FILE = 2;
constexpr ULONG TP_ELEMENT_EOP = 4;
#endif
}  // namespace wsac
