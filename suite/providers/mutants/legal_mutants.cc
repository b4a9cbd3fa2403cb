// Legal mutants: providers that take a choice the statements permit. The
// suite must pass them, with the statements of the branch they never take
// reported as not exercised.
#include "suite/providers/mutants/mutant_set.h"
#include "suite/providers/mutants/reports_pending.h"

namespace wsac {

bool ReportsImmediateAsPending::Mine(const InitiatingCall& call) {
  // Without the overlapped attribute nothing may pend (S3).
  if (call.ov == nullptr || !Overlapped(call.s)) return false;
  return transfers_ ? call.kind != CallKind::Ioctl : call.kind == CallKind::Ioctl;
}

bool ReportsImmediateAsPending::BeforeCall(InitiatingCall& call) {
  if (!Mine(call)) return false;
  // A call told WSA_IO_PENDING leaves the out-words as the application set
  // them (ARG-1..3): the target writes its immediate answer into copies.
  call.app_bytes = call.bytes;
  call.app_flags = call.flags;
  if (call.bytes != nullptr) call.bytes = Word(*call.bytes);
  if (call.flags != nullptr) call.flags = Word(*call.flags);
  return false;
}

LPDWORD ReportsImmediateAsPending::Word(DWORD initial) {
  std::lock_guard lock(mu_);
  return &words_.emplace_back(initial);
}

void ReportsImmediateAsPending::AfterCall(InitiatingCall& call) {
  if (!Mine(call)) return;
  if (call.ret != 0) {
    // Pending or refused: the target's own answer, out-words included.
    if (call.app_bytes != nullptr) *call.app_bytes = *call.bytes;
    if (call.app_flags != nullptr) *call.app_flags = *call.flags;
    return;
  }
  Hide(call.ov, false, true);
  call.ret = SOCKET_ERROR;
  call.error = WSA_IO_PENDING;
}

void ReportsImmediateAsPending::BeforeWait(DWORD) {
  for (LPWSAOVERLAPPED ov : HiddenOperations()) Reveal(ov);
}

int ReportsImmediateAsPending::closesocket(SOCKET s) {
  // Still pending as far as the application knows: closesocket ends them
  // as it ends every pending operation (S26), with a failure.
  for (LPWSAOVERLAPPED ov : HiddenOperations()) {
    OperationRecord op;
    if (Lookup(ov, &op) && op.s == s) Reveal(ov, OpResult{WSA_OPERATION_ABORTED, 0, 0});
  }
  return InterceptingProvider::closesocket(s);
}

void AddLegalMutants(std::vector<MutantEntry>& out) {
  MutantInfo info{"always-pends", "",
                  "every send and receive the provider completes at once is reported WSA_IO_PENDING and indicated at "
                  "the next wait (a layered provider that is not IFS)"};
  info.legal = true;
  // Each is about calls that return 0 (S15, WIN-9: with a routine; IOCP-4,
  // IOCP-5: on a port socket; ARG-13, ARG-14: the count such a call stores).
  info.unexercised = {"S14", "S15", "IOCP-4", "IOCP-5", "ARG-13", "ARG-14", "WIN-9"};
  out.push_back({info, [](std::unique_ptr<Provider> t) -> std::unique_ptr<Provider> {
                   return std::make_unique<ReportsImmediateAsPending>(std::move(t), true);
                 }});
}

}  // namespace wsac
