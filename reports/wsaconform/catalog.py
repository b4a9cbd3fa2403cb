"""wsaconform catalog: the machine's Winsock catalog, as `netsh winsock show catalog` shows it.

The runner reads it (`wsaconform-runner --catalog`: every WSAEnumProtocolsW
entry with its provider DLL, file version and sha256); this prints it as a
table, one line per entry, with the entry type (base provider, layered chain,
layered protocol) and XP1_IFS_HANDLES in columns of their own, or as JSON
with every flag decoded (--json). On Linux the mingw build's runner reads
Wine's catalog; --runner reads another (a sample provider's run.sh shows the
catalog with that sample installed).
"""

from __future__ import annotations

import contextlib
import json
import shlex

from . import build, env, wine
from .errors import UsageError
from .orchestrate import Runner, RunnerError, query

# WSAPROTOCOL_INFOW.dwServiceFlags1 (winsock2.h) and dwProviderFlags.
SERVICE_FLAGS = (
    (0x00000001, "XP1_CONNECTIONLESS"), (0x00000002, "XP1_GUARANTEED_DELIVERY"),
    (0x00000004, "XP1_GUARANTEED_ORDER"), (0x00000008, "XP1_MESSAGE_ORIENTED"),
    (0x00000010, "XP1_PSEUDO_STREAM"), (0x00000020, "XP1_GRACEFUL_CLOSE"),
    (0x00000040, "XP1_EXPEDITED_DATA"), (0x00000080, "XP1_CONNECT_DATA"),
    (0x00000100, "XP1_DISCONNECT_DATA"), (0x00000200, "XP1_SUPPORT_BROADCAST"),
    (0x00000400, "XP1_SUPPORT_MULTIPOINT"), (0x00000800, "XP1_MULTIPOINT_CONTROL_PLANE"),
    (0x00001000, "XP1_MULTIPOINT_DATA_PLANE"), (0x00002000, "XP1_QOS_SUPPORTED"),
    (0x00004000, "XP1_INTERRUPT"), (0x00008000, "XP1_UNI_SEND"), (0x00010000, "XP1_UNI_RECV"),
    (0x00020000, "XP1_IFS_HANDLES"), (0x00040000, "XP1_PARTIAL_MESSAGE"), (0x00080000, "XP1_SAN_SUPPORT_SDP"),
)
PROVIDER_FLAGS = (
    (0x00000001, "PFL_MULTIPLE_PROTO_ENTRIES"), (0x00000002, "PFL_RECOMMENDED_PROTO_ENTRY"),
    (0x00000004, "PFL_HIDDEN"), (0x00000008, "PFL_MATCHES_PROTOCOL_ZERO"),
    (0x00000010, "PFL_NETWORKDIRECT_PROVIDER"),
)
FAMILIES = {2: "AF_INET", 23: "AF_INET6", 6: "AF_IPX", 1: "AF_UNIX", 32: "AF_BTH", 26: "AF_IRDA"}
SOCKET_TYPES = {1: "STREAM", 2: "DGRAM", 3: "RAW", 4: "RDM", 5: "SEQPACKET"}
# The socket kinds the suite's cases are written for, by (family, type).
SOCKET_KINDS = {(2, 1): "tcp4", (2, 2): "udp4", (23, 1): "tcp6", (23, 2): "udp6"}


def flag_names(value: str | int, table) -> list[str]:
    number = int(value, 16) if isinstance(value, str) else int(value)
    names = [name for bit, name in table if number & bit]
    rest = number & ~sum(bit for bit, _ in table)
    return names + ([f"0x{rest:08x}"] if rest else [])


def entry_type(entry: dict) -> str:
    """netsh's words: a chain of length 0 is a layered protocol, 1 a base provider, more a layered chain."""
    length = entry.get("chain_length", 1)
    return "Layered Protocol Entry" if length == 0 else "Base Service Provider" if length == 1 else "Layered Chain Entry"


def socket_kind(entry: dict) -> str | None:
    return SOCKET_KINDS.get((entry.get("address_family"), entry.get("socket_type")))


def decoded(catalog: dict) -> dict:
    """The runner's catalog with every entry's flags and type spelled out."""
    out = dict(catalog)
    out["entries"] = []
    for entry in catalog.get("entries", []):
        e = dict(entry)
        e["entry_type"] = entry_type(entry)
        e["service_flags"] = flag_names(entry.get("service_flags1", "0"), SERVICE_FLAGS)
        e["provider_flag_names"] = flag_names(entry.get("provider_flags", "0"), PROVIDER_FLAGS)
        e["socket_kind"] = socket_kind(entry)
        out["entries"].append(e)
    return out


def table(catalog: dict) -> str:
    system = catalog.get("system", {})
    ws2 = system.get("ws2_32", {})
    lines = [f"Winsock catalog of {system.get('os', 'an unknown system')}",
             f"ws2_32: {ws2.get('path', '?')}" + (f" (sha256 {ws2['sha256'][:16]}…)" if ws2.get("sha256") else "")
             + (" [Wine builtin]" if ws2.get("wine_builtin") else ""), ""]
    header = ("ID", "Entry type", "Protocol", "Family", "Type", "Proto", "IFS", "Chain", "Provider ID", "Provider DLL")
    rows = []
    for e in catalog.get("entries", []):
        dll = e.get("provider_dll") or {}
        rows.append((
            str(e.get("catalog_entry_id", "")), entry_type(e), e.get("protocol", ""),
            FAMILIES.get(e.get("address_family"), str(e.get("address_family", ""))),
            SOCKET_TYPES.get(e.get("socket_type"), str(e.get("socket_type", ""))), str(e.get("protocol_number", "")),
            "yes" if e.get("ifs_handles") else "no",
            " > ".join(str(i) for i in e.get("chain", [])) if e.get("chain_length", 1) > 1 else "",
            e.get("provider_guid", ""),
            dll.get("path") or f"({dll.get('error') or 'no path'})",
        ))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)] if rows else [len(h) for h in header]
    for row in [header, *rows]:
        lines.append("  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


# ---- the runner that can read a Winsock catalog ----------------------------------


@contextlib.contextmanager
def winsock_runner(command: str | None, *, no_build: bool = False):
    """The runner that has the winsock provider: --runner's command, else this
    machine's own build (native on Windows, the mingw build under Wine here).
    A Wine prefix booted for it is stopped afterwards."""
    if command:
        yield Runner(tuple(shlex.split(command)), "custom")
        return
    preset = "native" if env.on_windows() else "mingw"
    if preset == "mingw":
        tools = env.detect_tools()
        if not tools.cross:
            reasons = ", ".join(tools.why_not[k] for k in ("mingw", "wine") if k in tools.why_not)
            raise UsageError(f"reading a Winsock catalog here needs the mingw-w64 build under Wine ({reasons}); "
                             f"or pass --runner")
    if not no_build:
        try:
            build.build(preset, target=build.RUNNER_TARGET)
        except build.BuildError as err:
            raise UsageError(f"{preset} build failed: {err}") from None
    path = build.runner_path(preset)
    if path is None:
        raise UsageError(f"no runner in {build.build_dir(preset)} (build it, or pass --runner)")
    if preset == "native":
        yield Runner((str(path),), "native")
        return
    directory = build.build_dir(preset)
    try:
        wine.boot(directory)
    except RuntimeError as err:
        raise UsageError(str(err)) from None
    try:
        yield Runner((*wine.command(directory), str(path)), "mingw")
    finally:
        wine.stop(directory)


def read_catalog(runner: Runner) -> dict:
    try:
        answer = query(runner, "--catalog")
    except RunnerError as err:
        raise UsageError(str(err)) from None
    if not isinstance(answer, dict) or not isinstance(answer.get("entries"), list):
        raise UsageError("runner --catalog did not print {\"entries\": [...]}")
    return answer


# ---- the command ---------------------------------------------------------------------


def add_arguments(parser) -> None:
    parser.description = ("The machine's Winsock catalog (WSAEnumProtocols), one line per entry, "
                          "like `netsh winsock show catalog`.")
    parser.add_argument("--json", action="store_true", help="print it as JSON, every flag decoded")
    parser.add_argument("--runner", metavar="CMD", help="read the catalog this runner command sees "
                        "(default: this machine's build; on Linux the mingw build under Wine)")
    parser.add_argument("--no-build", action="store_true", help="use the runner already built")


def run(args) -> int:
    with winsock_runner(args.runner, no_build=args.no_build) as runner:
        catalog = decoded(read_catalog(runner))
    if args.json:
        print(json.dumps(catalog, indent=1, ensure_ascii=False))
    else:
        print(table(catalog))
    return 0


def main(argv=None) -> int:
    from .errors import main_for

    return main_for(add_arguments, run, "wsaconform catalog", argv)


if __name__ == "__main__":
    raise SystemExit(main())

