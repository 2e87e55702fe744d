"""`dig`, `nslookup` and `host` (bind9 9.18, Debian 12's dnsutils) against the twin's resolvers.

Which server answers is the real one: without `@server` the node's /etc/resolv.conf names
Docker's embedded DNS (127.0.0.11), which knows the nodes (`kind-worker`, `kind-worker.kind`)
and nothing of the cluster, so `dig kubernetes.default.svc.cluster.local` from a node is
NXDOMAIN, as on a real kind node. Asked directly (`@10.96.0.10`, or a CoreDNS pod IP), CoreDNS
answers authoritatively for `cluster.local` with TTL 30 (kubeadm's Corefile) while one of its
pods runs: Service names give the ClusterIP (headless Services their ready endpoints),
`a-b-c-d.<ns>.pod.cluster.local` the pod IP. Without a ready CoreDNS endpoint kube-proxy
rejects the packet (`connection refused`); with endpoints that do not answer (their node is
down, the container stopped) the query times out. 9.18 prints `;; communications error to
<server>#53: timed out` per try and `;; no servers could be reached` (9.16 and busybox printed
`;; connection timed out; no servers could be reached`). dnsutils is not in the kind node
image; the twin answers as if the SRE had installed it.

Names outside the cluster and the Docker network (google.com, registry.k8s.io) need an upstream
resolver, and the twin has none (an airgapped node): Docker's embedded DNS answers SERVFAIL
when no external server answers (moby libnetwork `resolver.go`: `resp = new(dns.Msg).SetRcode(
query, dns.RcodeServerFailure)`, so without the RA flag that its own answers carry), CoreDNS
forwarding to it answers SERVFAIL too, and glibc turns SERVFAIL into EAI_AGAIN, "Temporary
failure in name resolution" (ping, ssh; curl says `Could not resolve host`). `.local` names
are left NXDOMAIN (special-use, RFC 6762, not forwarded to unicast DNS).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.providers.sim import loadbalancer
from app.providers.sim.runtime import make_id
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import cluster_of, node_of

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster

DIG_VERSION = "9.18.33-1~deb12u2-Debian"
DOCKER_DNS = "127.0.0.11"
V6_PREFIX = "fc00:f853:ccd:e793::"


@dataclass
class Answer:
    status: str  # NOERROR | NXDOMAIN | SERVFAIL | timeout | refused
    records: list[tuple[str, int, str, str]] = field(default_factory=list)  # name, ttl, type, data
    authoritative: bool = False
    soa: str = ""
    edns: bool = False
    recursion: bool = True  # the RA flag (a resolver's own answers; not its SERVFAIL)


def default_server(inv: Invocation) -> str:
    from app.providers.sim.images import resolv_nameserver

    return resolv_nameserver(inv.session.vfs)


def _coredns_state(cluster: SimCluster, server: str) -> str:
    """"up", "refused" or "timeout" for a query sent to `server` (a ClusterIP or pod IP)."""
    store = cluster.store
    svc = next((s for s in store.list("Service") if (s.get("spec") or {}).get("clusterIP")
                == server), None)
    pods = [p for p in store.list("Pod") if (p.get("status") or {}).get("podIP") == server]
    if svc is not None:
        meta = svc["metadata"]
        if meta.get("name") != "kube-dns" or meta.get("namespace") != "kube-system":
            return "timeout"
        ep = store.find("Endpoints", "kube-dns", "kube-system")
        addrs = [a for sub in (ep or {}).get("subsets") or [] for a in sub.get("addresses")
                 or []]
        if not addrs:
            return "refused"
        uids = {(a.get("targetRef") or {}).get("uid") for a in addrs}
        pods = [p for p in store.list("Pod", "kube-system") if p["metadata"].get("uid") in uids]
    for pod in pods:
        node = next((n for n in cluster.nodes if n.name == pod["spec"].get("nodeName")), None)
        if node is None or not node.powered:
            continue
        uid = pod["metadata"]["uid"]
        if any(c.running() and c.name == "coredns" for c in node.runtime.containers.values()
               if c.pod_uid == uid):
            return "up"
    return "timeout"


def _cluster_answer(cluster: SimCluster, name: str, qtype: str) -> Answer:
    store = cluster.store
    soa = (f"cluster.local. 30 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. "
           f"{int(min(n.booted for n in cluster.nodes)) + 90} 7200 1800 86400 30")
    labels = name.rstrip(".").split(".")
    ok = Answer("NOERROR", authoritative=True, edns=True, soa=soa)
    nx = Answer("NXDOMAIN", authoritative=True, edns=True, soa=soa)
    if len(labels) == 5 and labels[2:] == ["svc", "cluster", "local"]:
        svc = store.find("Service", labels[0], labels[1])
        if svc is None:
            return nx
        if qtype != "A":
            return ok
        ip = (svc.get("spec") or {}).get("clusterIP")
        fq = name.rstrip(".") + "."
        if ip and ip != "None":
            ok.records.append((fq, 30, "A", ip))
        else:
            ep = store.find("Endpoints", labels[0], labels[1])
            for sub in (ep or {}).get("subsets") or []:
                for a in sub.get("addresses") or []:
                    ok.records.append((fq, 30, "A", a["ip"]))
        return ok
    if len(labels) == 6 and labels[2:] == ["pod", "cluster", "local"] or \
            len(labels) == 5 and labels[2:] == ["pod", "cluster", "local"]:
        ip = labels[0].replace("-", ".")
        try:
            ipaddress.IPv4Address(ip)
        except ValueError:
            return nx
        if qtype == "A":
            ok.records.append((name.rstrip(".") + ".", 30, "A", ip))
        return ok
    if name.rstrip(".").endswith("cluster.local"):
        return nx
    return _docker_answer(cluster, name, qtype, via_coredns=True)


def _docker_answer(cluster: SimCluster, name: str, qtype: str, via_coredns: bool = False
                   ) -> Answer:
    bare = name.rstrip(".")
    containers = [(n.name, n.ip) for n in cluster.nodes if n.powered]
    if loadbalancer.name(cluster):  # kind's haproxy runs in a container of its own
        containers.append((str(loadbalancer.name(cluster)), loadbalancer.ip(cluster)))
    for cname, address in containers:
        if bare in (cname, f"{cname}.kind"):
            ans = Answer("NOERROR", edns=via_coredns)
            if qtype == "A":
                ans.records.append((bare + ".", 600, "A", address))
            elif qtype == "AAAA":
                ans.records.append((bare + ".", 600, "AAAA",
                                    V6_PREFIX + address.rsplit(".", 1)[1]))
            return ans
    if "." in bare and not bare.endswith(".local"):  # forwarded upstream: there is none
        return Answer("SERVFAIL", edns=via_coredns, recursion=False)
    return Answer("NXDOMAIN", edns=via_coredns)


def lookup_error(inv: Invocation, name: str) -> str:
    """glibc's gai_strerror for a name the node cannot resolve, as ping and ssh print it."""
    if getattr(inv.session.host, "cluster", None) is None:  # a shell without a twin behind
        status = "SERVFAIL" if "." in name and not name.endswith(".local") else "NXDOMAIN"
    else:
        status = query(inv, default_server(inv), name).status
    if status in ("SERVFAIL", "timeout", "refused"):
        return "Temporary failure in name resolution"  # EAI_AGAIN
    return "Name or service not known"  # EAI_NONAME


def query(inv: Invocation, server: str, name: str, qtype: str = "A") -> Answer:
    cluster = cluster_of(inv)
    node = node_of(inv)
    if server in (DOCKER_DNS,):
        return _docker_answer(cluster, name, qtype)
    if server.startswith("127.") or server == node.ip:
        return Answer("refused")  # nothing listens on :53 on the node itself
    state = _coredns_state(cluster, server)
    if state != "up":
        return Answer(state)
    return _cluster_answer(cluster, name, qtype)


def _record_line(rec: tuple[str, int, str, str]) -> str:
    name, ttl, rtype, data = rec
    return _render_tabs([name, str(ttl), "IN", rtype, data], [24, 32, 40, 48])


def _render_tabs(fields: list[str], stops: list[int]) -> str:
    out = fields[0]
    col = len(out)
    for text, stop in zip(fields[1:], stops, strict=False):
        if col < stop:
            while col < stop:
                out += "\t"
                col = (col // 8 + 1) * 8
        else:
            out += " "
            col += 1
        out += text
        col += len(text)
    return out


def _wire_len(name: str) -> int:
    return sum(len(x) + 1 for x in name.rstrip(".").split(".")) + 1


@command("dig")
def dig(inv: Invocation) -> Output:
    server = None
    name = None
    qtype = "A"
    short = False
    sections = {"cmd": True, "comments": True, "question": True, "answer": True,
                "authority": True, "additional": True, "stats": True}
    args = list(inv.args)
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("@"):
            server = a[1:]
        elif a.startswith("+"):
            opt = a[1:].lower()
            neg = opt.startswith("no")
            key = opt[2:] if neg else opt
            if key == "short":
                short = not neg
            elif key == "all":
                for k in sections:
                    sections[k] = not neg
            elif key in sections:
                sections[key] = not neg
            elif key.split("=")[0] in ("search", "time", "tries", "retry", "tcp", "vc", "trace",
                                        "recurse", "cookie", "edns", "timeout", "ndots"):
                pass
            else:
                return Output("", f"Invalid option: {a}\n{DIG_USAGE}", 1)
        elif a == "-t" and i + 1 < len(args):
            qtype = args[i + 1].upper()
            i += 1
        elif a in ("-4", "-6"):
            pass
        elif a.startswith("-"):
            return Output("", f"Invalid option: {a}\n{DIG_USAGE}", 1)
        elif a.upper() in ("A", "AAAA", "SRV", "PTR", "TXT", "MX", "NS", "SOA", "CNAME", "ANY"):
            qtype = a.upper()
        elif a.upper() == "IN":
            pass
        else:
            name = a
        i += 1
    if name is None:
        name, qtype = ".", "NS"
    cmdline = " ".join(inv.args)
    srv = server or default_server(inv)
    ans = query(inv, srv, name, qtype)
    head = f"\n; <<>> DiG {DIG_VERSION} <<>> {cmdline}\n" + ("; (1 server found)\n" if server
                                                            else "") + ";; global options: +cmd\n"
    if ans.status in ("timeout", "refused"):
        why = "timed out" if ans.status == "timeout" else "connection refused"
        err = "".join(f";; communications error to {srv}#53: {why}\n" for _ in range(3))
        if short:
            return Output(err + ";; no servers could be reached\n", "", 9)
        return Output(err + head + ";; no servers could be reached\n", "", 9)
    if short:
        return Output("".join(r[3] + "\n" for r in ans.records))
    fq = name.rstrip(".") + "."
    qid = int(make_id("dig", name, cluster_of(inv).t)[:4], 16)
    flags = "qr aa rd" if ans.authoritative else "qr rd ra" if ans.recursion else "qr rd"
    authority = [ans.soa] if ans.soa and not ans.records else []
    out = head if sections["cmd"] else ""
    if sections["comments"]:
        out += (";; Got answer:\n"
                f";; ->>HEADER<<- opcode: QUERY, status: {ans.status}, id: {qid}\n"
                f";; flags: {flags}; QUERY: 1, ANSWER: {len(ans.records)}, AUTHORITY: "
                f"{len(authority)}, ADDITIONAL: {1 if ans.edns else 0}\n")
        if ans.authoritative or not ans.recursion:
            out += ";; WARNING: recursion requested but not available\n"
        out += "\n"
        if ans.edns:
            out += ";; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n"
    if sections["question"]:
        out += (";; QUESTION SECTION:\n" if sections["comments"] else "") + \
            _render_tabs([";" + fq, "IN", qtype], [32, 40]) + "\n\n"
    if ans.records and sections["answer"]:
        out += (";; ANSWER SECTION:\n" if sections["comments"] else "") + \
            "".join(_record_line(r) + "\n" for r in ans.records) + "\n"
    if authority and sections["authority"]:
        soa_name, ttl, _, _, rdata = ans.soa.split(" ", 4)
        out += (";; AUTHORITY SECTION:\n" if sections["comments"] else "") + \
            _render_tabs([soa_name, ttl, "IN", "SOA", rdata], [24, 32, 40, 48]) + "\n\n"
    if sections["stats"]:
        size = 12 + _wire_len(fq) + 4 + sum(12 + (4 if r[2] == "A" else 16)
                                            for r in ans.records) + (11 if ans.edns else 0) + \
            (len(ans.soa) if authority else 0)
        when = datetime.fromtimestamp(cluster_of(inv).t, UTC)
        out += (f";; Query time: 0 msec\n;; SERVER: {srv}#53({srv}) (UDP)\n"
                f";; WHEN: {when:%a %b %d %H:%M:%S} UTC {when:%Y}\n;; MSG SIZE  rcvd: {size}\n\n")
    return Output(out)


DIG_USAGE = ("Usage:  dig [@global-server] [domain] [q-type] [q-class] {q-opt}\n"
             "            {global-d-opt} host [@local-server] {local-d-opt}\n"
             "            [ host [@local-server] {local-d-opt} [...]]\n\n"
             "Use \"dig -h\" (or \"dig -h | more\") for complete list of options\n")


@command("nslookup")
def nslookup(inv: Invocation) -> Output:
    positional = [a for a in inv.args if not a.startswith("-")]
    for a in inv.args:
        if a.startswith("-") and not a.startswith(("-type=", "-query=", "-timeout=", "-port=",
                                                    "-retry=", "-debug", "-nodebug")):
            return Output(f"*** Invalid option: {a[1:]}\n", "", 1)
    if not positional:
        # Interactive mode reads queries from stdin, prompting `> ` for each.
        out = ""
        for query_line in inv.stdin.splitlines():
            words = query_line.split()
            if not words:
                out += "> "
                continue
            sub = nslookup(Invocation(["nslookup", *words], "", inv.session, inv.env))
            out += "> " + sub.stdout + sub.stderr
        return Output(out + "> ")
    name = positional[0]
    srv = positional[1] if len(positional) > 1 else default_server(inv)
    try:
        ipaddress.ip_address(srv)
    except ValueError:
        from app.providers.sim.shell.net import resolve_host

        resolved, _ = resolve_host(inv, srv)
        if resolved is None:
            return Output("", f"nslookup: couldn't get address for '{srv}': not found\n", 1)
        srv = resolved
    a = query(inv, srv, name, "A")
    if a.status in ("timeout", "refused"):
        why = "timed out" if a.status == "timeout" else "connection refused"
        err = "".join(f";; communications error to {srv}#53: {why}\n" for _ in range(3))
        return Output(err + ";; no servers could be reached\n\n", "", 1)
    head = f"Server:\t\t{srv}\nAddress:\t{srv}#53\n\n"
    if a.status == "NXDOMAIN":
        return Output(head + f"** server can't find {name}: NXDOMAIN\n\n", "", 1)
    if a.status == "SERVFAIL":  # one server: no "trying next server"
        return Output(f";; Got SERVFAIL reply from {srv}\n" + head +
                      f"** server can't find {name}: SERVFAIL\n\n", "", 1)
    aaaa = query(inv, srv, name, "AAAA")
    out = head + ("" if a.authoritative else "Non-authoritative answer:\n")
    for rec in a.records + aaaa.records:
        out += f"Name:\t{rec[0].rstrip('.')}\nAddress: {rec[3]}\n"
    if not a.records and not aaaa.records:
        out += f"*** Can't find {name}: No answer\n"
    return Output(out + "\n")


@command("host")
def host(inv: Invocation) -> Output:
    positional = [a for a in inv.args if not a.startswith("-")]
    if not positional:
        return Output("", "Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]\n"
                          "            [-R number] [-m flag] [-p port] hostname [server]\n", 1)
    name = positional[0]
    srv = positional[1] if len(positional) > 1 else default_server(inv)
    a = query(inv, srv, name, "A")
    if a.status in ("timeout", "refused"):
        why = "timed out" if a.status == "timeout" else "connection refused"
        return Output("".join(f";; communications error to {srv}#53: {why}\n" for _ in range(2))
                      + ";; no servers could be reached\n", "", 1)
    head = (f"Using domain server:\nName: {srv}\nAddress: {srv}#53\nAliases: \n\n"
            if len(positional) > 1 else "")
    if a.status in ("NXDOMAIN", "SERVFAIL"):
        code = 3 if a.status == "NXDOMAIN" else 2
        return Output(head + f"Host {name} not found: {code}({a.status})\n", "", 1)
    aaaa = query(inv, srv, name, "AAAA")
    out = head + "".join(f"{r[0].rstrip('.')} has address {r[3]}\n" for r in a.records)
    out += "".join(f"{r[0].rstrip('.')} has IPv6 address {r[3]}\n" for r in aaaa.records)
    return Output(out)
