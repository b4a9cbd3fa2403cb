#include "suite/providers/winsock/winsock_identity.h"

#include <ws2spi.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace wsac {
namespace {

// FIPS 180-4 SHA-256. The hash of a provider DLL is written by the runner
// and compared by Python's hashlib, so no CryptoAPI provider (which Wine
// may lack) stands between the file and the certificate.
class Sha256 {
 public:
  void Update(const unsigned char* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      block_[fill_++] = data[i];
      if (fill_ == 64) {
        Compress();
        fill_ = 0;
      }
    }
    length_ += size;
  }
  std::string HexDigest() {
    const std::uint64_t bits = length_ * 8;
    const unsigned char one = 0x80, zero = 0;
    Update(&one, 1);
    while (fill_ != 56) Update(&zero, 1);
    for (int i = 7; i >= 0; --i) {
      auto byte = static_cast<unsigned char>(bits >> (8 * i));
      Update(&byte, 1);
    }
    std::string out;
    char hex[9];
    for (std::uint32_t word : state_) {
      std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(word));
      out += hex;
    }
    return out;
  }

 private:
  static std::uint32_t Rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
  void Compress() {
    static constexpr std::uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = (std::uint32_t{block_[4 * i]} << 24) | (std::uint32_t{block_[4 * i + 1]} << 16) |
             (std::uint32_t{block_[4 * i + 2]} << 8) | std::uint32_t{block_[4 * i + 3]};
    for (int i = 16; i < 64; ++i) {
      std::uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      std::uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4], f = state_[5],
                  g = state_[6], h = state_[7];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t t1 = h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      std::uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
    state_[5] += f;
    state_[6] += g;
    state_[7] += h;
  }

  std::array<std::uint32_t, 8> state_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> block_{};
  std::size_t fill_ = 0;
  std::uint64_t length_ = 0;
};

// Empty when the file cannot be opened.
std::string FileSha256(const std::wstring& path) {
  HANDLE file = ::CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                              nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return {};
  Sha256 hash;
  std::vector<unsigned char> buffer(1 << 16);
  DWORD got = 0;
  while (::ReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got, nullptr) && got > 0)
    hash.Update(buffer.data(), got);
  ::CloseHandle(file);
  return hash.HexDigest();
}

std::string FileVersion(const std::wstring& path) {
  DWORD ignored = 0;
  DWORD size = ::GetFileVersionInfoSizeW(path.c_str(), &ignored);
  if (size == 0) return {};
  std::vector<unsigned char> data(size);
  if (!::GetFileVersionInfoW(path.c_str(), 0, size, data.data())) return {};
  VS_FIXEDFILEINFO* info = nullptr;
  UINT len = 0;
  if (!::VerQueryValueW(data.data(), L"\\", reinterpret_cast<void**>(&info), &len) || info == nullptr ||
      len < sizeof(VS_FIXEDFILEINFO)) {
    return {};
  }
  return std::to_string(HIWORD(info->dwFileVersionMS)) + "." + std::to_string(LOWORD(info->dwFileVersionMS)) +
         "." + std::to_string(HIWORD(info->dwFileVersionLS)) + "." + std::to_string(LOWORD(info->dwFileVersionLS));
}

ModuleFile DescribeFile(const std::wstring& path) {
  ModuleFile out;
  out.path = WideToUtf8(path.c_str());
  out.file_version = FileVersion(path);
  out.sha256 = FileSha256(path);
  if (out.sha256.empty()) out.error = "cannot read the file (error " + std::to_string(::GetLastError()) + ")";
  return out;
}

// Wine's builtin PE images carry this text in their DOS stub, which stays
// mapped with the headers; native images never do.
bool IsWineBuiltin(HMODULE module) {
  static const char kMarker[] = "Wine builtin DLL";
  return module != nullptr && std::memcmp(reinterpret_cast<const char*>(module) + 0x40, kMarker, sizeof kMarker - 1) == 0;
}

// GetProcAddress gives a FARPROC; going through a generic function pointer
// keeps the cast to the real signature free of -Wcast-function-type noise.
template <typename Fn>
Fn NtdllExport(const char* name) {
  HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  if (ntdll == nullptr) return nullptr;
  return reinterpret_cast<Fn>(reinterpret_cast<void (*)()>(::GetProcAddress(ntdll, name)));
}

}  // namespace

std::string WideToUtf8(const wchar_t* text) {
  int size = ::WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
  if (size <= 1) return {};
  std::string out(static_cast<std::size_t>(size), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, text, -1, out.data(), size, nullptr, nullptr);
  out.resize(static_cast<std::size_t>(size - 1));
  return out;
}

bool WinsockCatalog(std::vector<WSAPROTOCOL_INFOW>* entries, int* error) {
  DWORD bytes = 0;
  if (::WSAEnumProtocolsW(nullptr, nullptr, &bytes) != SOCKET_ERROR || ::WSAGetLastError() != WSAENOBUFS) {
    *error = ::WSAGetLastError();
    return false;
  }
  entries->resize(bytes / sizeof(WSAPROTOCOL_INFOW) + 1);
  bytes = static_cast<DWORD>(entries->size() * sizeof(WSAPROTOCOL_INFOW));
  int count = ::WSAEnumProtocolsW(nullptr, entries->data(), &bytes);
  if (count == SOCKET_ERROR) {
    *error = ::WSAGetLastError();
    return false;
  }
  entries->resize(static_cast<std::size_t>(count));
  return true;
}

ModuleFile ProviderDll(const GUID& provider) {
  // A provider that does not implement it (Wine 8.0's is a stub returning 0)
  // leaves the buffer as it was: an empty string says so.
  WCHAR path[MAX_PATH + 1] = L"";
  int len = MAX_PATH;
  int error = 0;
  GUID id = provider;
  if (::WSCGetProviderPath(&id, path, &len, &error) != 0) {
    ModuleFile out;
    out.error = "WSCGetProviderPath failed with " + std::to_string(error);
    return out;
  }
  if (path[0] == L'\0') {
    ModuleFile out;
    out.error = "WSCGetProviderPath returned no path";
    return out;
  }
  WCHAR expanded[MAX_PATH + 1];
  DWORD n = ::ExpandEnvironmentStringsW(path, expanded, MAX_PATH);
  return DescribeFile(n > 0 && n <= MAX_PATH ? expanded : path);
}

ModuleFile Ws2_32Module() {
  // The module that holds WSAIoctl as this process calls it: the import was
  // bound to whichever ws2_32.dll the loader chose.
  HMODULE module = nullptr;
  auto address = reinterpret_cast<LPCWSTR>(reinterpret_cast<void (*)()>(&::WSAIoctl));
  if (!::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            address, &module)) {
    ModuleFile out;
    out.error = "GetModuleHandleExW failed with " + std::to_string(::GetLastError());
    return out;
  }
  WCHAR path[MAX_PATH + 1];
  DWORD n = ::GetModuleFileNameW(module, path, MAX_PATH);
  if (n == 0 || n >= MAX_PATH) {
    ModuleFile out;
    out.error = "GetModuleFileNameW failed with " + std::to_string(::GetLastError());
    return out;
  }
  path[n] = L'\0';
  ModuleFile out = DescribeFile(path);
  out.wine_builtin = IsWineBuiltin(module);
  if (out.wine_builtin)
    out.error = "a Wine builtin: its code is Wine's own, whatever the file at this path holds";
  return out;
}

std::string WineVersion() {
  using WineGetVersion = const char*(CDECL*)();
  auto wine_get_version = NtdllExport<WineGetVersion>("wine_get_version");
  return wine_get_version != nullptr ? wine_get_version() : "";
}

std::string WindowsVersion() {
  using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
  if (auto rtl_get_version = NtdllExport<RtlGetVersionFn>("RtlGetVersion")) {
    OSVERSIONINFOW info{};
    info.dwOSVersionInfoSize = sizeof info;
    if (rtl_get_version(&info) == 0)
      return "Windows " + std::to_string(info.dwMajorVersion) + "." + std::to_string(info.dwMinorVersion) + "." +
             std::to_string(info.dwBuildNumber);
  }
  return "Windows (unknown version)";
}

std::string OperatingSystem() {
  std::string wine = WineVersion();
  return wine.empty() ? WindowsVersion() : "Wine " + wine + " (" + WindowsVersion() + ")";
}

}  // namespace wsac
