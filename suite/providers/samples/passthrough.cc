// Sample (a): a faithful pass-through. It installs itself as an IFS layered
// provider (its sockets are the base provider's handles) and changes no
// call, so its certificate must name exactly the statements the base
// provider itself deviates from.
#include "suite/providers/samples/proxy.h"

namespace wsac::sample {

const Description kSample = {
    L"wsaconform sample pass-through LSP",
    {0x4f622cb1, 0xb165, 0x4ff3, {0xa2, 0x1e, 0xc4, 0x63, 0x21, 0x06, 0x4e, 0x3d}},
    3100,
    true,
};

}  // namespace wsac::sample
