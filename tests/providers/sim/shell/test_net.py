"""ss/netstat/ip/ping: iproute2 6.1 and net-tools layouts over the twin's sockets and links."""

from __future__ import annotations

import re

from app.providers.sim.shell.net import render_ss
from tests.providers.sim.shell.nodetwin import run, sample, twin


def _rows_from_tty_sample() -> list[list[str]]:
    rows = []
    for line in sample("ss-ltpn-kubeadm-tty.txt").splitlines()[1:]:
        state, recv, send, local, peer, *_ = line.split()
        laddr, _, lport = local.rpartition(":")
        paddr, _, pport = peer.rpartition(":")
        rows.append(["", state, recv, send, laddr + ":", lport, paddr + ":", pport, ""])
    return rows


def test_ss_compact_layout_matches_real_piped_output() -> None:
    out = render_ss(_rows_from_tty_sample(), netid=False)
    kept = [x for x in out.splitlines() if re.search("State|2379", x)]
    assert "\n".join(kept) + "\n" == sample("ss-ltpn-kubeadm-piped-egrep-2379.txt")
    host = render_ss([["", "LISTEN", "0", "128", "0.0.0.0:", "2024", "0.0.0.0:", "*", ""]],
                     netid=False)
    assert host == sample("ss-tln-debian12-host.txt")


def test_ss_lists_the_sockets_of_running_components() -> None:
    c = twin()
    out, code = run(c, "ss -tlnp")
    assert code == 0
    etcd_pid = run(c, "pgrep -x etcd")[0].strip()
    assert re.search(rf"^LISTEN 0 +4096 +127\.0\.0\.1:2379 +0\.0\.0\.0:\* +users:\(\(\"etcd\","
                     rf"pid={etcd_pid},fd=\d+\)\)", out, re.M)
    for port in ("172.18.0.2:2380", "127.0.0.1:2381", "127.0.0.1:10248", "127.0.0.1:10257",
                 "127.0.0.1:10259", "127.0.0.1:10249"):
        assert port in out
    assert re.search(r"\*:6443 +\*:\* +users:\(\(\"kube-apiserver\"", out)
    assert re.search(r"\*:10250 +\*:\* +users:\(\(\"kubelet\",pid=231,", out)
    run(c, "mv /etc/kubernetes/manifests/etcd.yaml /root/")
    out, _ = run(c, "ss -tln")
    assert ":2379" not in out and ":2380" not in out and ":2381" not in out


def test_ss_established_and_usage_error() -> None:
    c = twin()
    out, _ = run(c, "ss -tanp")
    assert re.search(r"^ESTAB .*127\.0\.0\.1:2379 .*users:\(\(\"kube-apiserver\"", out, re.M)
    out, code = run(c, "ss -J")
    assert code == 255 and out.startswith("ss: invalid option -- 'J'\nUsage: ss [ OPTIONS ]")


def test_netstat_rows_in_net_tools_layout() -> None:
    c = twin()
    out, _ = run(c, "netstat -tlnp")
    lines = out.splitlines()
    assert lines[:2] == ["Active Internet connections (only servers)",
                         "Proto Recv-Q Send-Q Local Address           Foreign Address         "
                         "State       PID/Program name    "]
    real = sample("netstat-nap-kubelet.txt").splitlines()
    assert real[0].replace("855/", "231/") in [x.rstrip() for x in lines]
    assert real[1].replace("855/", "231/") in [x.rstrip() for x in lines]


def test_ip_addr_and_routes_follow_the_node_and_its_pods() -> None:
    c = twin()
    out, _ = run(c, "ip a")
    assert out.startswith(sample("ip-a-lo.txt"))
    assert "    inet 172.18.0.2/16 brd 172.18.255.255 scope global eth0\n" in out
    pod_ips = [p["status"]["podIP"] for p in c.store.list("Pod")
               if p["spec"].get("nodeName") == "kind-control-plane"
               and not p["spec"].get("hostNetwork")]
    assert len(set(pod_ips)) == len(pod_ips) == 3
    routes, _ = run(c, "ip r")
    assert routes.splitlines()[0] == "default via 172.18.0.1 dev eth0 "
    for ip in pod_ips:
        assert re.search(rf"^{re.escape(ip)} dev veth[0-9a-f]{{8}} scope host $", routes, re.M)
    assert "10.244.1.0/24 via 172.18.0.3 dev eth0 \n" in routes
    brief = run(c, "ip -br a")[0]
    assert brief.startswith(sample("ip-br-a-debian12-host.txt").splitlines()[0] + "\n")
    out, code = run(c, "ip foo")
    assert (out, code) == ('Object "foo" is unknown, try "ip help".\n', 1)


def test_ping_replies_and_an_unreachable_powered_off_node() -> None:
    c = twin()
    out, code = run(c, "ping -c 2 kind-worker")
    assert code == 0
    assert out.startswith("PING kind-worker (172.18.0.3) 56(84) bytes of data.\n64 bytes from "
                          "kind-worker.kind (172.18.0.3): icmp_seq=1 ttl=64 time=")
    assert "2 packets transmitted, 2 received, 0% packet loss" in out
    pod_ip = next(p["status"]["podIP"] for p in c.store.list("Pod")
                  if p["metadata"]["name"].startswith("coredns"))
    assert f"64 bytes from {pod_ip}: icmp_seq=1 ttl=63 " in run(c, f"ping -c1 {pod_ip}")[0]
    c.node("kind-worker").power_off()
    out, code = run(c, "ping -c 3 172.18.0.3")
    assert code == 1
    assert "From 172.18.0.2 icmp_seq=1 Destination Host Unreachable" in out
    assert "3 packets transmitted, 0 received, +3 errors, 100% packet loss" in out
    assert run(c, "ping -c1 nosuchhost") == ("ping: nosuchhost: Name or service not known\n", 2)


def test_ss_filters_and_single_state_hides_the_state_column() -> None:
    c = twin()
    out, _ = run(c, "ss -tlnp sport = :6443")
    assert len(out.splitlines()) == 2 and "users:((\"kube-apiserver\"" in out
    out, _ = run(c, "ss -tn state established '( dport = :6443 )'")
    lines = out.splitlines()
    assert lines[0].startswith("Recv-Q Send-Q ")  # as iproute2 prints for a single state
    assert all(":6443 " in x or x.endswith(":6443") for x in lines[1:]) and len(lines) > 1
    assert run(c, "ss -t bogus") == ("ss: bad filter expression\n", 255)
    assert run(c, "ip a s eth0")[0].startswith("2: eth0@if")
