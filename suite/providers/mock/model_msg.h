// The mock's model of WSARecvMsg, WSASendMsg (model_msg.cc), TransmitFile
// and TransmitPackets (model_transmit.cc): the fault switches it offers,
// each breaking one MSG or XMIT statement the way a provider that gets the
// WSAMSG or the transmit arguments wrong would.
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
inline constexpr const char kFaultTransmitFileRefusalSignalsEvent[] = "transmitfile-refusal-signals-event";  // XMIT-1
inline constexpr const char kFaultTransmitFileTailFirst[] = "transmitfile-tail-first";                      // XMIT-2
inline constexpr const char kFaultTransmitPacketsRefusalSignalsEvent[] =
    "transmitpackets-refusal-signals-event";                                                                 // XMIT-3
inline constexpr const char kFaultTransmitPacketsLastDropped[] = "transmitpackets-last-element-dropped";    // XMIT-4
inline constexpr const char kFaultMsgPeekIgnored[] = "recvmsg-peek-ignored";                                // MSG-10
inline constexpr const char kFaultTransmitFileDatagramSent[] = "transmitfile-datagram-sent";                // XMIT-5

inline constexpr const char* kMsgFaults[] = {
    kFaultMsgRefusedSignalsEvent, kFaultMsgNullMsgEinval,       kFaultMsgNullNameAccepted,
    kFaultMsgNullControlAccepted, kFaultMsgFirstBufferOnly,     kFaultMsgNameUnstored,
    kFaultMsgTruncUnreported,     kFaultSendMsgRefusedSignalsEvent, kFaultSendMsgFirstBufferOnly,
    kFaultTransmitFileRefusalSignalsEvent, kFaultTransmitFileTailFirst, kFaultTransmitPacketsRefusalSignalsEvent,
    kFaultTransmitPacketsLastDropped, kFaultMsgPeekIgnored, kFaultTransmitFileDatagramSent,
};

}  // namespace wsac::mock
