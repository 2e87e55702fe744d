"""The node's network as iproute2 6.1 (`ip`, `ss`), net-tools (`netstat`) and iputils (`ping`)
show it on a kind node.

A kind node is a Docker container on the `kind` network (172.18.0.0/16 and
fc00:f853:ccd:e793::/64): `eth0` with the node's address, and kindnet's ptp plumbing: one
`veth…` per pod with its own network namespace, carrying 10.244.<n>.1/32, a /32 route per
local pod and a route to every other node's pod CIDR through that node. Listening sockets come
from `proctable.sockets`, i.e. from the processes running now.

`ss` prints its compact layout (column widths from the content, as when its output is not a
terminal: iproute2 `misc/ss.c` `render_calc_width`). `ping` and `netstat` are not in the kind
node image (no iputils-ping, no net-tools); the twin answers as if the SRE had installed them.
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import TYPE_CHECKING, Any

from app.providers.sim import loadbalancer
from app.providers.sim.shell.proctable import Socket, sockets
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import cluster_of, node_of
from app.providers.sim.shell.usage_texts import NETSTAT_USAGE, SS_USAGE

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode

IPV6_PREFIX = "fc00:f853:ccd:e793::"


def _h(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def _mac(ip: str) -> str:
    a, b, c, d = (int(x) for x in ip.split("."))
    return f"02:42:{a:02x}:{b:02x}:{c:02x}:{d:02x}"


def _pod_links(node: SimNode) -> list[dict[str, Any]]:
    """One host-side veth per pod sandbox that has its own network namespace."""
    store = node.cluster.store
    links = []
    for pod in store.list("Pod"):
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        if spec.get("nodeName") != node.name or spec.get("hostNetwork"):
            continue
        ip = status.get("podIP")
        if not ip:
            continue
        uid = pod["metadata"].get("uid", "")
        sb = next((s for s in node.runtime.sandboxes.values() if s.uid == uid), None)
        if sb is None or sb.state != "ready":
            continue
        h = _h("veth", uid)
        first = int(h[8:10], 16) & 0xFC | 0x02  # a locally administered unicast MAC
        mac = ":".join([f"{first:02x}"] + [h[10 + 2 * i:12 + 2 * i] for i in range(5)])
        links.append({"name": f"veth{h[:8]}", "ip": ip, "mac": mac,
                      "netns": f"cni-{h[20:28]}-{h[28:32]}-{h[32:36]}-{h[36:40]}-{h[40:52]}"})
    return sorted(links, key=lambda x: ipaddress.ip_address(x["ip"]))


def _pod_cidr(cluster: SimCluster, node: SimNode) -> str:
    return f"10.244.{cluster.nodes.index(node)}.0/24"


def _eth0_index(node: SimNode) -> tuple[int, int]:
    return 2, 8 + 2 * node.cluster.nodes.index(node) + 1


def _ip_addr(node: SimNode, link_only: bool, dev: str | None) -> str:
    idx, peer = _eth0_index(node)
    v6 = IPV6_PREFIX + node.ip.rsplit(".", 1)[1]
    a, b, c, d = (int(x) for x in node.ip.split("."))
    ll = f"fe80::42:{a:02x}{b:02x}:fe{c:02x}:{d:x}"
    mode = " mode DEFAULT" if link_only else ""
    blocks: list[tuple[str, str]] = []
    lo = [f"1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN{mode} group "
          "default qlen 1000", "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"]
    if not link_only:
        lo += ["    inet 127.0.0.1/8 scope host lo",
               "       valid_lft forever preferred_lft forever",
               "    inet6 ::1/128 scope host noprefixroute ",
               "       valid_lft forever preferred_lft forever"]
    blocks.append(("lo", "\n".join(lo)))
    eth = [f"{idx}: eth0@if{peer}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue "
           f"state UP{mode} group default ",
           f"    link/ether {_mac(node.ip)} brd ff:ff:ff:ff:ff:ff link-netnsid 0"]
    if not link_only:
        eth += [f"    inet {node.ip}/16 brd 172.18.255.255 scope global eth0",
                "       valid_lft forever preferred_lft forever",
                f"    inet6 {v6}/64 scope global nodad ",
                "       valid_lft forever preferred_lft forever",
                f"    inet6 {ll}/64 scope link ",
                "       valid_lft forever preferred_lft forever"]
    blocks.append(("eth0", "\n".join(eth)))
    gw = _pod_cidr(node.cluster, node).replace(".0/24", ".1")
    for i, link in enumerate(_pod_links(node)):
        n = idx + 1 + i
        lines = [f"{n}: {link['name']}@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc "
                 f"noqueue state UP{mode} group default ",
                 f"    link/ether {link['mac']} brd ff:ff:ff:ff:ff:ff link-netns {link['netns']}"]
        if not link_only:
            lines += [f"    inet {gw}/32 scope global {link['name']}",
                      "       valid_lft forever preferred_lft forever"]
        blocks.append((link["name"], "\n".join(lines)))
    if dev is not None:
        blocks = [b for b in blocks if b[0] == dev]
    return "".join(text + "\n" for _, text in blocks)


def _routes(node: SimNode) -> list[str]:
    cluster = node.cluster
    out = ["default via 172.18.0.1 dev eth0 "]
    for link in _pod_links(node):
        out.append(f"{link['ip']} dev {link['name']} scope host ")
    for other in cluster.nodes:
        if other is not node:
            out.append(f"{_pod_cidr(cluster, other)} via {other.ip} dev eth0 ")
    out.append(f"172.18.0.0/16 dev eth0 proto kernel scope link src {node.ip} ")

    def key(line: str) -> tuple[int, Any]:
        dest = line.split()[0]
        if dest == "default":
            return (0, 0)
        return (1, ipaddress.ip_network(dest, strict=False).network_address)

    return sorted(out, key=key)


IP_USAGE = ("Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n"
            "       ip [ -force ] -batch filename\n"
            "where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |\n"
            "                   link | macsec | maddress | monitor | mptcp | mroute | mrule |\n"
            "                   neighbor | neighbour | netconf | netns | nexthop | ntable |\n"
            "                   ntbl | route | rule | sr | tap | tcpmetrics |\n"
            "                   token | tunnel | tuntap | vrf | xfrm }\n"
            "       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |\n"
            "                    -h[uman-readable] | -iec | -j[son] | -p[retty] |\n"
            "                    -f[amily] { inet | inet6 | mpls | bridge | link } |\n"
            "                    -4 | -6 | -M | -B | -0 |\n"
            "                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |\n"
            "                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |\n"
            "                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |\n"
            "                    -c[olor]}\n")


def _match(word: str, full: str) -> bool:
    return bool(word) and full.startswith(word)


@command("ip")
def ip(inv: Invocation) -> Output:
    args = list(inv.args)
    brief = False
    family = None
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt in ("-br", "-brief"):
            brief = True
        elif opt == "-4":
            family = 4
        elif opt == "-6":
            family = 6
        elif opt in ("-c", "-color", "-s", "-d", "-n", "-N", "-o", "-h"):
            continue
        elif opt in ("-V", "-Version"):
            return Output("ip utility, iproute2-6.1.0, libbpf 1.1.2\n")
        else:
            return Output("", f'Option "{opt}" is unknown, try "ip -help".\n', 255)
    if not args:
        return Output("", IP_USAGE, 255)
    obj, rest = args[0], args[1:]
    node = node_of(inv)
    dev = None
    if "dev" in rest and rest.index("dev") + 1 < len(rest):
        dev = rest[rest.index("dev") + 1]
    elif rest and rest[0] in ("show", "list", "ls", "sh", "s", "l", "lst") and len(rest) > 1:
        dev = rest[1]
    verb = rest[0] if rest else "show"
    if _match(obj, "address") or obj == "a":
        if verb not in ("show", "list", "ls", "sh", "s", "l", "dev"):
            return Output("", f'Command "{verb}" is unknown, try "ip address help".\n', 255)
        text = _ip_addr(node, False, dev)
        if dev and not text:
            return Output("", f'Device "{dev}" does not exist.\n', 1)
        if brief:
            text = _brief(node, False, dev)
        elif family == 4:
            text = _only_v4(text)
        return Output(text)
    if _match(obj, "link") or obj == "l":
        if verb not in ("show", "list", "ls", "sh", "s", "l", "dev"):
            return Output("", f'Command "{verb}" is unknown, try "ip link help".\n', 255)
        text = _ip_addr(node, True, dev)
        if dev and not text:
            return Output("", f'Device "{dev}" does not exist.\n', 1)
        return Output(_brief(node, True, dev) if brief else text)
    if _match(obj, "route") or obj == "r":
        if verb == "get" and len(rest) > 1:
            return _route_get(node, rest[1])
        if verb not in ("show", "list", "ls", "sh", "s", "l"):
            return Output("", f'Command "{verb}" is unknown, try "ip route help".\n', 255)
        if family == 6:
            return Output(f"{IPV6_PREFIX}/64 dev eth0 proto kernel metric 256 pref medium\n"
                          "fe80::/64 dev eth0 proto kernel metric 256 pref medium\n"
                          "default via fc00:f853:ccd:e793::1 dev eth0 metric 1024 pref medium\n")
        return Output("".join(r + "\n" for r in _routes(node)))
    if _match(obj, "neighbour") or _match(obj, "neighbor") or obj == "n":
        rows = [f"172.18.0.1 dev eth0 lladdr {_mac('172.18.0.1')} REACHABLE "]
        for other in node.cluster.nodes:
            if other is not node:
                state = "REACHABLE" if other.powered else "FAILED"
                rows.append(f"{other.ip} dev eth0 lladdr {_mac(other.ip)} {state} "
                            if other.powered else f"{other.ip} dev eth0  FAILED ")
        return Output("".join(r + "\n" for r in rows))
    return Output("", f'Object "{obj}" is unknown, try "ip help".\n', 1)


def _only_v4(text: str) -> str:
    """`ip -4 a`: interfaces with an IPv4 address, and only those addresses."""
    out: list[str] = []
    keep = False
    for line in text.splitlines():
        if not line.startswith(" "):
            out.append(line)
        elif line.startswith("    inet "):
            keep = True
            out.append(line)
        elif line.startswith("       valid_lft") and keep:
            out.append(line)
            keep = False
        else:
            keep = False
    return "".join(x + "\n" for x in out if not x.startswith("    link/"))


def _brief(node: SimNode, link_only: bool, dev: str | None) -> str:
    rows = []
    idx, peer = _eth0_index(node)
    if link_only:
        rows.append(("lo", f"{'lo':<16s} UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> "))
        rows.append(("eth0", f"{'eth0@if' + str(peer):<16s} UP             {_mac(node.ip)} "
                             "<BROADCAST,MULTICAST,UP,LOWER_UP> "))
        for link in _pod_links(node):
            rows.append((link["name"], f"{link['name'] + '@if2':<16s} UP             "
                                       f"{link['mac']} <BROADCAST,MULTICAST,UP,LOWER_UP> "))
    else:
        v6 = IPV6_PREFIX + node.ip.rsplit(".", 1)[1]
        a, b, c, d = (int(x) for x in node.ip.split("."))
        rows.append(("lo", f"{'lo':<16s} UNKNOWN        127.0.0.1/8 ::1/128 "))
        rows.append(("eth0", f"{'eth0@if' + str(peer):<16s} UP             {node.ip}/16 {v6}/64 "
                             f"fe80::42:{a:02x}{b:02x}:fe{c:02x}:{d:x}/64 "))
        gw = _pod_cidr(node.cluster, node).replace(".0/24", ".1")
        for link in _pod_links(node):
            rows.append((link["name"], f"{link['name'] + '@if2':<16s} UP             {gw}/32 "))
    return "".join(text + "\n" for name, text in rows if dev is None or name == dev)


def _route_get(node: SimNode, dest: str) -> Output:
    try:
        addr = ipaddress.ip_address(dest)
    except ValueError:
        return Output("", f'Error: any valid prefix is expected rather than "{dest}".\n', 1)
    for line in _routes(node)[1:]:
        parts = line.split()
        if addr in ipaddress.ip_network(parts[0], strict=False):
            via = f" via {parts[2]}" if parts[1] == "via" else ""
            dev = parts[parts.index("dev") + 1]
            return Output(f"{dest}{via} dev {dev} src {node.ip if dev == 'eth0' else node.ip} "
                          "uid 0 \n    cache \n")
    return Output(f"{dest} via 172.18.0.1 dev eth0 src {node.ip} uid 0 \n    cache \n")


# --- ss -------------------------------------------------------------------------------------

SS_LONG = {"numeric": "n", "all": "a", "listening": "l", "processes": "p", "tcp": "t",
           "udp": "u", "unix": "x", "ipv4": "4", "ipv6": "6", "no-header": "H", "resolve": "r",
           "extended": "e", "info": "i", "memory": "m", "options": "o"}


def _users(s: Socket) -> str:
    if s.proc is None:
        return ""
    return f' users:(("{s.proc.comm}",pid={s.proc.pid},fd={s.fd}))'


def _unix_rows(node: SimNode, show_p: bool) -> list[list[str]]:
    from app.providers.sim.shell.proctable import processes, program

    rows = []
    for p in processes(node):
        prog = program(p.args)
        paths = []
        if prog == "containerd":
            paths = ["/run/containerd/containerd.sock.ttrpc", "/run/containerd/containerd.sock"]
        elif prog == "containerd-shim-runc-v2":
            paths = [f"/run/containerd/s/{_h('shim', p.pid)}"]
        elif prog == "init":
            paths = ["/run/systemd/private", "/run/systemd/io.systemd.ManagedOOM"]
        for k, path in enumerate(paths):
            ino = 10000 + int(_h("ino", path)[:6], 16) % 90000
            proc = f' users:(("{p.comm}",pid={p.pid},fd={7 + k}))' if show_p else ""
            rows.append(["u_str", "LISTEN", "0", "4096", f"{path} ", str(ino), "* ", "0", proc])
    return rows


def render_ss(rows: list[list[str]], netid: bool, header: bool = True,
              state: bool = True) -> str:
    """ss's compact table (`render_calc_width` when stdout is not a terminal): each column as
    wide as its longest cell plus its left delimiter; addresses right-aligned against `:`."""
    head = ["Netid", "State", "Recv-Q", "Send-Q", "Local Address:", "Port", "Peer Address:",
            "Port", "Process"]
    table = ([head] if header else []) + rows
    cols = [c for c in (range(9) if netid else range(1, 9)) if state or c != 1]
    ldelim = {0: "", 1: " ", 2: " ", 3: " ", 4: " ", 5: "", 6: " ", 7: "", 8: ""}
    widths = {}
    for i, c in enumerate(cols):
        longest = max(len(r[c]) for r in table) if table else 0
        widths[c] = longest + (len(ldelim[c]) if i > 0 and longest else 0)
    out = []
    for r in table:
        line = ""
        for i, c in enumerate(cols):
            delim = ldelim[c] if i > 0 else ""
            room = widths[c] - len(delim)
            line += delim + (r[c].rjust(room) if c in (4, 6) else r[c].ljust(room))
        out.append(line)
    return "".join(x + "\n" for x in out)


SS_STATES = {"established": {"ESTAB"}, "listening": {"LISTEN", "UNCONN"},
             "connected": {"ESTAB"}, "all": {"ESTAB", "LISTEN", "UNCONN"}}


def _ss_filter(words: list[str]):  # noqa: ANN202 - a predicate on Socket, or the error Output
    """The FILTER forms people type: `state <s>`, `sport|dport <op> :<port>` (op `=`, `==`,
    `eq`, `!=`, `ne`, `>`, `gt`, `<`, `lt`, `>=`, `ge`, `<=`, `le`), joined by `and`/`or`."""
    tests: list[tuple[str, object]] = []
    words = [w for w in " ".join(words).replace("(", " ").replace(")", " ").split()]
    i = 0
    ops = {"=": "eq", "==": "eq", "eq": "eq", "!=": "ne", "ne": "ne", ">": "gt", "gt": "gt",
           "<": "lt", "lt": "lt", ">=": "ge", "ge": "ge", "<=": "le", "le": "le"}
    states: set[str] = set()
    joiner = "and"
    while i < len(words):
        w = words[i]
        if w in ("and", "or", "&&", "||"):
            joiner = "or" if w in ("or", "||") else "and"
        elif w == "state" and i + 1 < len(words):
            states |= SS_STATES.get(words[i + 1], {words[i + 1].upper()})
            i += 1
        elif w in ("sport", "dport", "src", "dst") and i + 1 < len(words):
            op, value = "eq", words[i + 1]
            if value in ops and i + 2 < len(words):
                op, value = ops[value], words[i + 2]
                i += 1
            i += 1
            port = value.rsplit(":", 1)[-1]
            if w in ("sport", "dport") and not port.isdigit():
                return Output("", f"Error: an inet prefix is expected rather than \"{value}\".\n"
                                  "ss: bad filter expression\n", 255)
            tests.append((w, (op, int(port) if port.isdigit() else value.rsplit(":", 1)[0])))
        else:
            return Output("", "ss: bad filter expression\n", 255)
        i += 1

    def cmp(op: str, a: int, b: int) -> bool:
        return {"eq": a == b, "ne": a != b, "gt": a > b, "lt": a < b, "ge": a >= b,
                "le": a <= b}[op]

    def one(s: Socket, kind: str, arg: tuple[str, object]) -> bool:
        op, value = arg
        if kind == "sport":
            return cmp(op, s.lport, int(value))  # type: ignore[arg-type]
        if kind == "dport":
            return isinstance(s.pport, int) and cmp(op, s.pport, int(value))  # type: ignore
        addr = s.local if kind == "src" else s.peer
        return (addr.strip("[]") == value) == (op != "ne")

    def pred(s: Socket) -> bool:
        if states and s.state not in states:
            return False
        if not tests:
            return True
        results = [one(s, k, a) for k, a in tests]
        return any(results) if joiner == "or" else all(results)

    pred.single_state = len(states) == 1 or states == SS_STATES["listening"]  # type: ignore
    return pred


@command("ss")
def ss(inv: Invocation) -> Output:
    flags: set[str] = set()
    for a in inv.args:
        if a.startswith("--"):
            key = a[2:]
            if key not in SS_LONG:
                return Output("", f"ss: unrecognized option '{a}'\n{SS_USAGE}", 255)
            flags.add(SS_LONG[key])
        elif a.startswith("-"):
            for ch in a[1:]:
                if ch not in "nalptux46Hreimo":
                    return Output("", f"ss: invalid option -- '{ch}'\n{SS_USAGE}", 255)
                flags.add(ch)
        else:
            break
    filt = _ss_filter([a for a in inv.args if not a.startswith("-")])
    if isinstance(filt, Output):
        return filt
    node = node_of(inv)
    protos = {p for p, f in (("tcp", "t"), ("udp", "u"), ("unix", "x")) if f in flags}
    if not protos:
        protos = {"tcp", "udp", "unix"} if not flags & {"4", "6"} else {"tcp", "udp"}
    listening, every = "l" in flags, "a" in flags
    rows: list[list[str]] = []
    for s in sockets(node) if node.powered else []:
        if s.proto not in protos:
            continue
        is_listen = s.state in ("LISTEN", "UNCONN")
        if not every and listening != is_listen:
            continue
        if "4" in flags and s.v6 or "6" in flags and not s.v6:
            continue
        if not filt(s):
            continue
        rows.append([s.proto, s.state, "0", str(s.send_q), f"{s.local}:", str(s.lport),
                     f"{s.peer if s.state != 'LISTEN' or s.local != '*' else '*'}:",
                     str(s.pport), _users(s) if "p" in flags else ""])
    if "unix" in protos and (listening or every):
        rows.extend(_unix_rows(node, "p" in flags))
    netid = len(protos) > 1 or "unix" in protos  # ss hides Netid for a single table
    # ss hides the State column when the filter leaves a single TCP state
    one_state = bool(getattr(filt, "single_state", False))
    return Output(render_ss(rows, netid, "H" not in flags, state=not one_state))


# --- netstat ----------------------------------------------------------------------------------

@command("netstat")
def netstat(inv: Invocation) -> Output:
    flags: set[str] = set()
    for a in inv.args:
        if a.startswith("--"):
            long = {"--tcp": "t", "--udp": "u", "--listening": "l", "--numeric": "n",
                    "--program": "p", "--all": "a"}
            if a not in long:
                return Output("", f"netstat: unrecognized option '{a}'\n{NETSTAT_USAGE}", 3)
            flags.add(long[a])
        elif a.startswith("-"):
            for ch in a[1:]:
                if ch not in "tulnpaeWv":
                    return Output("", f"netstat: invalid option -- '{ch}'\n{NETSTAT_USAGE}", 3)
                flags.add(ch)
    node = node_of(inv)
    protos = {p for p, f in (("tcp", "t"), ("udp", "u")) if f in flags} or {"tcp", "udp"}
    listening, every = "l" in flags, "a" in flags
    title = ("Active Internet connections (only servers)" if listening and not every else
             "Active Internet connections (servers and established)" if every else
             "Active Internet connections (w/o servers)")
    head = "Proto Recv-Q Send-Q Local Address           Foreign Address         State      "
    if "p" in flags:
        head += " PID/Program name    "
    lines = [title, head]
    socks = [s for s in sockets(node) if s.proto in protos] if node.powered else []
    socks.sort(key=lambda s: (s.proto, s.v6))
    for s in socks:
        is_listen = s.state in ("LISTEN", "UNCONN")
        if not every and listening != is_listen:
            continue
        v6 = s.v6
        proto = s.proto + ("6" if v6 else "")
        local = s.local.replace("*", "::" if v6 else "0.0.0.0").strip("[]")
        peer = s.peer.replace("*", "::").strip("[]")
        lp = f"{local}:{s.lport}"
        rp = f"{':::*' if v6 and s.state == 'LISTEN' else peer + ':' + str(s.pport)}" \
            if s.state != "UNCONN" else "0.0.0.0:*"
        state = {"ESTAB": "ESTABLISHED", "UNCONN": ""}.get(s.state, s.state)
        line = f"{proto:<5s} {0:6d} {0:6d} {lp:<23s} {rp:<23s} {state:<11s}"
        if "p" in flags:
            prog = f"{s.proc.pid}/{s.proc.comm}" if s.proc else "-"
            line += f" {prog:<20s}"[:21]
        lines.append(line)
    return Output("".join(x + "\n" for x in lines))


# --- ping -----------------------------------------------------------------------------------

PING_USAGE = ("\nUsage\n  ping [options] <destination>\n\nOptions:\n"
              "  <destination>      dns name or ip address\n"
              "  -c <count>         stop after <count> replies\n"
              "  -i <interval>      seconds between sending each packet\n"
              "  -q                 quiet output\n"
              "  -W <timeout>       time to wait for response\n"
              "  -w <deadline>      reply wait <deadline> in seconds\n"
              "\nFor more details see ping(8).\n")


def resolve_host(inv: Invocation, name: str) -> tuple[str | None, str | None]:
    """(address, canonical name) through /etc/hosts then Docker's DNS (node names)."""
    try:
        ipaddress.ip_address(name)
        return name, None
    except ValueError:
        pass
    try:
        hosts = inv.session.vfs.read("/etc/hosts").decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - a missing or unreadable hosts file resolves nothing
        hosts = ""
    for line in hosts.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) > 1 and name in parts[1:]:
            return parts[0], name
    cluster = cluster_of(inv)
    for n in cluster.nodes:
        if name in (n.name, f"{n.name}.kind"):
            return n.ip, name
    if loadbalancer.is_it(cluster, name):  # a container on the kind network too
        return loadbalancer.ip(cluster), name
    return None, None


def _reverse(inv: Invocation, ip_text: str) -> str | None:
    node = node_of(inv)
    if ip_text == node.ip:
        return node.name
    cluster = cluster_of(inv)
    for n in cluster.nodes:
        if n.ip == ip_text:
            return f"{n.name}.kind"
    if loadbalancer.is_it(cluster, ip_text):
        return f"{loadbalancer.name(cluster)}.kind"
    return None


def _reachable(inv: Invocation, ip_text: str) -> tuple[str, int]:
    """("reply"|"unreachable"|"silent", ttl)."""
    node = node_of(inv)
    cluster = cluster_of(inv)
    if ip_text.startswith("127.") or ip_text == node.ip:
        return "reply", 64
    for n in cluster.nodes:
        if n.ip == ip_text:
            return ("reply", 64) if n.powered else ("unreachable", 0)
    for pod in cluster.store.list("Pod"):
        status = pod.get("status") or {}
        if status.get("podIP") == ip_text and not (pod.get("spec") or {}).get("hostNetwork"):
            host = next((n for n in cluster.nodes if n.name == pod["spec"].get("nodeName")),
                        None)
            if host is None or not host.powered:
                return ("unreachable", 0) if host is node else ("silent", 0)
            uid = pod["metadata"].get("uid")
            running = any(c.running() for c in host.runtime.containers.values()
                          if c.pod_uid == uid)
            sandbox = any(s.uid == uid and s.state == "ready"
                          for s in host.runtime.sandboxes.values())
            if not (running or sandbox):
                return "silent", 0
            return "reply", 63 if host is node else 62
    if ip_text == "172.18.0.1" or loadbalancer.is_it(cluster, ip_text):
        return "reply", 64
    return "silent", 0


@command("ping")
def ping(inv: Invocation) -> Output:
    count, quiet = None, False
    args = list(inv.args)
    target = None
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and len(a) > 1:
            ch = a[1]
            if ch in "ciWwsItl":
                value = a[2:] or (args[i + 1] if i + 1 < len(args) else "")
                if not a[2:]:
                    i += 1
                if ch == "c":
                    try:
                        count = int(value)
                        if count <= 0:
                            raise ValueError
                    except ValueError:
                        return Output("", f"ping: invalid argument: '{value}': out of range: 1 <="
                                          " value <= 9223372036854775807\n", 1)
            elif ch in "q":
                quiet = True
            elif ch in "4nvDO":
                pass
            else:
                return Output("", f"ping: invalid option -- '{ch}'\n{PING_USAGE}", 2)
        else:
            target = a
        i += 1
    if target is None:
        return Output("", "ping: usage error: Destination address required\n", 1)
    address, _ = resolve_host(inv, target)
    if address is None:
        from app.providers.sim.shell.dns import lookup_error

        return Output("", f"ping: {target}: {lookup_error(inv, target)}\n", 2)
    n = count or 4  # without -c ping runs until Ctrl-C; over exec the twin sends four
    verdict, ttl = _reachable(inv, address)
    node = node_of(inv)
    name = _reverse(inv, address) if address != target or _reverse(inv, address) else None
    shown = f"{target} ({address})"
    who = f"{name} ({address})" if name else address
    lines = [f"PING {shown} 56(84) bytes of data."]
    seed = int(_h("ping", address, cluster_of(inv).t)[:8], 16)
    times = [0.040 + ((seed >> (3 * k)) % 60) / 1000 for k in range(n)]
    if ttl < 64 and verdict == "reply":
        times = [t + 0.02 for t in times]
    elapsed = max(0, (n - 1) * 1000 + 13 + seed % 40)
    if verdict == "reply":
        if not quiet:
            lines += [f"64 bytes from {who}: icmp_seq={k + 1} ttl={ttl} time={t:.3f} ms"
                      for k, t in enumerate(times)]
        avg = sum(times) / n
        mdev = (sum((t - avg) ** 2 for t in times) / n) ** 0.5
        lines += ["", f"--- {target} ping statistics ---",
                  f"{n} packets transmitted, {n} received, 0% packet loss, time {elapsed}ms",
                  f"rtt min/avg/max/mdev = {min(times):.3f}/{avg:.3f}/{max(times):.3f}/"
                  f"{mdev:.3f} ms"]
        return Output("\n".join(lines) + "\n")
    if verdict == "unreachable":
        if not quiet:
            lines += [f"From {node.ip} icmp_seq={k + 1} Destination Host Unreachable"
                      for k in range(n)]
        lines += ["", f"--- {target} ping statistics ---",
                  f"{n} packets transmitted, 0 received, +{n} errors, 100% packet loss, "
                  f"time {elapsed + 2000}ms", ""]
        return Output("\n".join(lines), "", 1)
    lines += ["", f"--- {target} ping statistics ---",
              f"{n} packets transmitted, 0 received, 100% packet loss, time {elapsed + 40}ms", ""]
    return Output("\n".join(lines), "", 1)
