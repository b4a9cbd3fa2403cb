// The registry's building blocks: each mutant file contributes the entries
// of one group of statements.
#pragma once

#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "suite/providers/mutants/intercepting_provider.h"
#include "suite/providers/mutants/mutants.h"

namespace wsac {

using MutantFactory = std::function<std::unique_ptr<Provider>(std::unique_ptr<Provider>)>;

struct MutantEntry {
  MutantInfo info;
  MutantFactory wrap;  // empty for switches of the mock's model
};

template <class M>
MutantFactory Make() {
  return [](std::unique_ptr<Provider> t) -> std::unique_ptr<Provider> { return std::make_unique<M>(std::move(t)); };
}

void AddSourceStatementMutants(std::vector<MutantEntry>& out);  // S1..S27
void AddArgumentMutants(std::vector<MutantEntry>& out);         // ARG, BAD, ERR
void AddEventMutants(std::vector<MutantEntry>& out);            // EVT
void AddRoutineMutants(std::vector<MutantEntry>& out);          // APC
void AddPortMutants(std::vector<MutantEntry>& out);             // IOCP
void AddCloseMutants(std::vector<MutantEntry>& out);            // CLOSE
void AddDatagramMutants(std::vector<MutantEntry>& out);         // DGRAM
void AddIoctlMutants(std::vector<MutantEntry>& out);            // IOCTL
void AddWindowsReferenceMutants(std::vector<MutantEntry>& out); // WIN
void AddLegalMutants(std::vector<MutantEntry>& out);            // no statement broken

// What a receive's buffers held, to put back: a provider that never copied
// the data leaves them as they were.
class BufferImage {
 public:
  BufferImage() = default;
  BufferImage(const WSABUF* bufs, DWORD count) {
    if (bufs == nullptr) return;
    for (DWORD i = 0; i < count; ++i) {
      bufs_.push_back(bufs[i]);
      bytes_.emplace_back(bufs[i].buf, bufs[i].buf + (bufs[i].buf != nullptr ? bufs[i].len : 0));
    }
  }
  void Restore() const {
    for (size_t i = 0; i < bufs_.size(); ++i)
      if (!bytes_[i].empty()) std::memcpy(bufs_[i].buf, bytes_[i].data(), bytes_[i].size());
  }

 private:
  std::vector<WSABUF> bufs_;
  std::vector<std::vector<char>> bytes_;
};

}  // namespace wsac
