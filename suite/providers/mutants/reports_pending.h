// ReportsImmediateAsPending: the behaviour of a layered provider that is
// not IFS (Microsoft's sample non-IFS LSP): every call the target completes
// at once is reported to the application as WSA_IO_PENDING, and its
// indication is given later through the mechanism the application chose,
// with the target's Internal/InternalHigh. For sends and receives that is
// a choice the statements permit (the legal mutant "always-pends"); for
// the ioctls that need no waiting IOCTL-4 forbids it.
#pragma once

#include <deque>
#include <mutex>

#include "suite/providers/mutants/intercepting_provider.h"

namespace wsac {

class ReportsImmediateAsPending : public InterceptingProvider {
 public:
  // transfers: sends and receives; otherwise ioctls.
  ReportsImmediateAsPending(std::unique_ptr<Provider> target, bool transfers)
      : InterceptingProvider(std::move(target)), transfers_(transfers) {}

  int closesocket(SOCKET s) override;

 protected:
  bool BeforeCall(InitiatingCall& call) override;
  void AfterCall(InitiatingCall& call) override;
  // The held indications are given at the next wait of any thread.
  void BeforeWait(DWORD timeout_ms) override;

 private:
  bool Mine(const InitiatingCall& call);
  // A word of the provider's the target gets in place of an out-word of the
  // application's. Kept for the run: a target may write it when an
  // operation that pended completes (Wine writes *lpFlags then).
  LPDWORD Word(DWORD initial);
  bool transfers_;
  std::mutex mu_;
  std::deque<DWORD> words_;
};

}  // namespace wsac
