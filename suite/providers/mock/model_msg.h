// The mock's model of WSARecvMsg and WSASendMsg (model_msg.cc): the fault
// switches it offers, each breaking one MSG statement the way a provider
// that gets the WSAMSG wrong would.
#pragma once

namespace wsac::mock {

inline constexpr const char kFaultMsgRefusedSignalsEvent[] = "recvmsg-refusal-signals-event";      // MSG-1
inline constexpr const char kFaultMsgNullMsgEinval[] = "recvmsg-null-msg-einval";                  // MSG-2
inline constexpr const char kFaultMsgNullNameAccepted[] = "recvmsg-null-name-accepted";            // MSG-3
inline constexpr const char kFaultMsgNullControlAccepted[] = "recvmsg-null-control-accepted";      // MSG-4
inline constexpr const char kFaultMsgFirstBufferOnly[] = "recvmsg-first-buffer-only";              // MSG-5
inline constexpr const char kFaultMsgNameUnstored[] = "recvmsg-name-unstored";                     // MSG-6
inline constexpr const char kFaultMsgTruncUnreported[] = "recvmsg-trunc-unreported";               // MSG-7
inline constexpr const char kFaultSendMsgRefusedSignalsEvent[] = "sendmsg-refusal-signals-event";  // MSG-8
inline constexpr const char kFaultSendMsgFirstBufferOnly[] = "sendmsg-first-buffer-only";          // MSG-9

inline constexpr const char* kMsgFaults[] = {
    kFaultMsgRefusedSignalsEvent, kFaultMsgNullMsgEinval,       kFaultMsgNullNameAccepted,
    kFaultMsgNullControlAccepted, kFaultMsgFirstBufferOnly,     kFaultMsgNameUnstored,
    kFaultMsgTruncUnreported,     kFaultSendMsgRefusedSignalsEvent, kFaultSendMsgFirstBufferOnly,
};

}  // namespace wsac::mock
