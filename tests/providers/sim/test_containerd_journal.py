"""containerd's journal after its start: the CRI calls that brought up each pod, in
instrumented_service.go's words, and one shim per pod whose socket /run/containerd/s has."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0


def twin() -> SimCluster:
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=NOW), age=480)


def sh(cluster: SimCluster, line: str, node: str = "kind-control-plane") -> str:
    return SimTerminal(cluster, node).run(line).output


def test_each_pod_is_run_created_and_started_in_order() -> None:
    c = twin()
    text = sh(c, "journalctl -u containerd")
    sid = sh(c, "crictl pods -q --name etcd").strip()
    cid = sh(c, "crictl ps -q --name etcd").strip()
    uid = next(s.uid for s in c.node("control-plane").runtime.sandboxes.values() if s.id == sid)
    lines = [
        f'msg="RunPodSandbox for &PodSandboxMetadata{{Name:etcd-kind-control-plane,Uid:{uid},'
        'Namespace:kube-system,Attempt:0,}"',
        f'msg="connecting to shim {sid}" address="unix:///run/containerd/s/',
        f'returns sandbox id \\"{sid}\\""',
        f'msg="CreateContainer within sandbox \\"{sid}\\" for container '
        '&ContainerMetadata{Name:etcd,Attempt:0,}"',
        f'returns container id \\"{cid}\\""',
        f'msg="StartContainer for \\"{cid}\\""',
        f'msg="StartContainer for \\"{cid}\\" returns successfully"',
    ]
    where = [text.index(x) for x in lines]
    assert where == sorted(where)
    pid = sh(c, "pgrep -x containerd").strip()
    assert all(f"containerd[{pid}]: time=" in ln for ln in text.splitlines()
               if "StartContainer" in ln)


def test_the_shim_socket_in_the_journal_exists_under_run_containerd_s() -> None:
    c = twin()
    text = sh(c, "journalctl -u containerd")
    socks = set(re.findall(r'address="unix://(/run/containerd/s/[0-9a-f]{64})"', text))
    listed = {f"/run/containerd/s/{n}" for n in sh(c, "ls /run/containerd/s").split()}
    assert socks and socks == listed


# --- exits, stops and removals ------------------------------------------------------------

SAMPLES = Path(__file__).parents[2] / "fidelity" / "samples"
ETCD = "/etc/kubernetes/manifests/etcd.yaml"


def bad_etcd_flag(c: SimCluster) -> None:
    """The typo written now (no history), as tests/providers/sim/test_twin.py does."""
    c.sync()
    cp = c.node("control-plane")
    cp.vfs.now = c.t
    cp.vfs.write(ETCD, cp.vfs.read(ETCD).replace(b"--listen-client-urls=",
                                                 b"--listen-client-url="))
    c.settle()


def etcd_uid(c: SimCluster) -> str:
    cp = c.node("control-plane")
    return next(u for u, p in cp.kubelet.pods.items() if p.name.startswith("etcd-"))


def exit_lines(text: str, cid: str) -> list[str]:
    return [ln for ln in text.splitlines() if f'container_id:\\"{cid}\\"' in ln]


def test_a_healthy_twin_logs_no_exit_stop_or_removal() -> None:
    text = sh(twin(), "journalctl -u containerd")
    for word in ("exit event", "TaskExit", "StopContainer", "StopPodSandbox", "RemoveContainer",
                 "RemovePodSandbox", "shim disconnected"):
        assert word not in text


def test_each_crash_looping_etcd_attempt_logs_its_exit_with_its_id_pid_and_status() -> None:
    c = twin()
    bad_etcd_flag(c)
    uid = etcd_uid(c)
    cp = c.node("control-plane")
    seen = {}
    for _ in range(150):  # every attempt, before the container GC removes it
        c.advance(1)
        seen.update((x.id, x) for x in cp.runtime.containers_of(uid, "etcd"))
    text = sh(c, "journalctl -u containerd")
    dead = [x for x in seen.values() if x.state == "exited"]
    assert len(dead) >= 4
    from app.providers.sim.shell.proctable import _hash_int

    for x in dead:
        lines = exit_lines(text, x.id)
        assert len(lines) == 2, x.attempt
        handler, received = lines
        assert 'msg="TaskExit event in podsandbox handler container_id:' in handler
        assert 'msg="received exit event container_id:' in received
        for ln in lines:
            assert f'  id:\\"{x.id}\\"  pid:{400 + _hash_int("container", x.id) % 7600}  ' \
                   f"exit_status:{x.exit_code}  exited_at:{{seconds:{int(x.finished)}  " in ln
        # after the container was started, before the next attempt is created
        assert text.index(f'StartContainer for \\"{x.id}\\" returns successfully') < \
            text.index(handler)
    # the container GC removed all but the newest dead attempt: RemoveContainer for each
    gone = [x for x in dead if x.id not in cp.runtime.containers]
    assert gone
    for x in gone:
        assert f'msg="RemoveContainer for \\"{x.id}\\""' in text
        assert f'msg="RemoveContainer for \\"{x.id}\\" returns successfully"' in text


def test_the_old_etcd_pod_is_stopped_then_removed_when_its_manifest_changes() -> None:
    c = twin()
    cp = c.node("control-plane")
    old = cp.running_container("etcd")
    sid = old.sandbox_id
    bad_etcd_flag(c)
    c.advance(1)
    text = sh(c, "journalctl -u containerd")
    wanted = [
        f'msg="StopContainer for \\"{old.id}\\" with timeout 30 (s)"',
        f'msg="Stop container \\"{old.id}\\" with signal terminated"',
        f'msg="received exit event container_id:\\"{old.id}\\"',
        f'msg="StopContainer for \\"{old.id}\\" returns successfully"',
        f'msg="StopPodSandbox for \\"{sid}\\""',
        f'msg="Container to stop \\"{old.id}\\" must be in running or unknown state, current '
        'state \\"CONTAINER_EXITED\\""',
        f'msg="TaskExit event in podsandbox handler container_id:\\"{sid}\\"  id:\\"{sid}\\"',
        f'msg="shim disconnected" id={sid} namespace=k8s.io',
        f'msg="cleaning up after shim disconnected" id={sid} namespace=k8s.io',
        f'msg="cleaning up dead shim" id={sid} namespace=k8s.io',
        f'msg="received exit event sandbox_id:\\"{sid}\\"  exit_status:137  exited_at:',
        f'msg="TearDown network for sandbox \\"{sid}\\" successfully"',
        f'msg="StopPodSandbox for \\"{sid}\\" returns successfully"',
    ]
    where = [text.index(w) for w in wanted]
    assert where == sorted(where)
    assert "RemovePodSandbox" not in text  # not before the kubelet's next GC run
    c.advance(70)
    text = sh(c, "journalctl -u containerd")
    wanted = [f'msg="RemoveContainer for \\"{old.id}\\""',
              f'msg="RemoveContainer for \\"{old.id}\\" returns successfully"',
              f'msg="RemovePodSandbox for \\"{sid}\\""',
              f'msg="Forcibly stopping sandbox \\"{sid}\\""',
              f'msg="RemovePodSandbox \\"{sid}\\" returns successfully"']
    where = [text.index(w) for w in wanted]
    assert where == sorted(where)
    # and the lines of the pod that is gone stay: it was created and started here too
    assert f'msg="StartContainer for \\"{old.id}\\" returns successfully"' in text


def test_a_removed_manifest_stops_its_pod() -> None:
    c = twin()
    cp = c.node("control-plane")
    old = cp.running_container("kube-scheduler")
    cp.vfs.now = c.t
    cp.vfs.remove("/etc/kubernetes/manifests/kube-scheduler.yaml")
    c.settle()
    c.advance(1)
    text = sh(c, "journalctl -u containerd")
    assert f'msg="StopContainer for \\"{old.id}\\" with timeout 30 (s)"' in text
    assert f'msg="StopPodSandbox for \\"{old.sandbox_id}\\" returns successfully"' in text


def test_a_liveness_kill_is_a_stopcontainer_with_the_pods_grace_period() -> None:
    c = twin()
    c.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: slow
  namespace: default
  annotations: {kubedrill.io/behaviour: '{"listen": [8080], "warmup_s": 45}'}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: web
    image: ghcr.io/acme/web:1.8.2
    livenessProbe:
      httpGet: {path: /healthz, port: 8080}
      initialDelaySeconds: 5
      periodSeconds: 5
      failureThreshold: 2
""")
    c.advance(40)
    w = c.node("worker")
    killed = [x for x in w.runtime.containers.values()
              if x.name == "web" and x.state == "exited"]
    assert killed and killed[0].exit_code == 137
    x = killed[0]
    text = sh(c, "journalctl -u containerd", "kind-worker")
    wanted = [f'msg="StopContainer for \\"{x.id}\\" with timeout 10 (s)"',
              f'msg="Stop container \\"{x.id}\\" with signal terminated"',
              f'msg="received exit event container_id:\\"{x.id}\\"',
              f'msg="StopContainer for \\"{x.id}\\" returns successfully"']
    where = [text.index(w) for w in wanted]
    assert where == sorted(where)
    assert "exit_status:137" in exit_lines(text, x.id)[0]


def test_crictl_stop_rm_and_rmp_are_logged_as_the_cri_calls_they_make() -> None:
    c = twin()
    cid = sh(c, "crictl ps -q --name kube-scheduler").strip()
    sh(c, f"crictl stop {cid}")
    c.advance(1)
    text = sh(c, "journalctl -u containerd")
    assert f'msg="StopContainer for \\"{cid}\\" with timeout 0 (s)"' in text
    assert f'msg="Kill container \\"{cid}\\""' in text
    assert "exit_status:137" in exit_lines(text, cid)[0]
    sh(c, f"crictl rm {cid}")
    text = sh(c, "journalctl -u containerd")
    assert f'msg="RemoveContainer for \\"{cid}\\" returns successfully"' in text
    assert f'msg="StartContainer for \\"{cid}\\""' in text  # its start is still there
    sid = sh(c, "crictl pods -q --name kube-proxy").strip()
    sh(c, f"crictl rmp -f {sid}")
    text = sh(c, "journalctl -u containerd")
    wanted = [f'msg="StopPodSandbox for \\"{sid}\\""', "msg=\"Kill container",
              f'msg="StopPodSandbox for \\"{sid}\\" returns successfully"',
              f'msg="RemovePodSandbox for \\"{sid}\\""',
              f'msg="RemovePodSandbox \\"{sid}\\" returns successfully"']
    start = text.index(wanted[0])
    where = [text.index(w, start) for w in wanted]
    assert where == sorted(where)


def test_the_journal_is_the_same_after_a_json_round_trip() -> None:
    c = twin()
    bad_etcd_flag(c)
    c.advance(200)
    before = sh(c, "journalctl -u containerd")
    assert "RemovePodSandbox" in before and "received exit event" in before
    back = SimCluster.from_json(json.loads(json.dumps(c.to_json())))
    assert sh(back, "journalctl -u containerd") == before


def _shape(line: str) -> str:
    """A line with its variable parts blanked: time, ids, pids, numbers, host and PID."""
    line = re.sub(r"^(?:\w{3} \d\d [\d:]{8} \S+ containerd(?:\[\d+\])?: )", "", line)
    line = re.sub(r'^INFO\[([^\]]+)\] (.*)$', r'time="\1" level=info msg="\2"', line)
    line = re.sub(r'time="[^"]+"', 'time="T"', line)
    line = re.sub(r"[0-9a-f]{64}", "ID", line)
    line = re.sub(r"\d+", "N", line)
    return line.replace('\\"', '"').rstrip()


def test_the_derived_lines_have_the_shape_of_real_containerd_2_lines() -> None:
    real = [ln for ln in (SAMPLES / "containerd2-exit-stop-remove.txt").read_text().splitlines()
            if ln and not ln.startswith("#")]
    c = twin()
    bad_etcd_flag(c)
    c.advance(200)
    cid = sh(c, "crictl ps -q --name kube-scheduler").strip()
    sh(c, f"crictl stop {cid}")
    c.advance(1)
    twin_shapes = {_shape(ln) for ln in sh(c, "journalctl -u containerd").splitlines()}
    matched = 0
    for ln in real:
        s = _shape(ln)
        if "level=warning" in s or ("cleaning up dead shim" in s and "id=" not in s):
            continue  # containerd 1.7 levels/fields that v2.1.1 changed (PR #11815)
        if "pid:N  exited_at" in s and "id:\"ID\"  pid" in s and "exit_status" not in s:
            continue  # an exec probe's exit (exit status 0): the twin runs no exec probes
        assert s in twin_shapes, s
        matched += 1
    assert matched == len(real) - 3


def test_containers_that_died_with_a_rebooted_node_get_no_exit_event() -> None:
    c = twin()
    w = c.node("worker")
    before = {x.id for x in w.runtime.containers.values()}
    w.reboot()
    c.advance(30)
    text = sh(c, "journalctl -u containerd", "kind-worker")
    assert before and not any(exit_lines(text, cid) for cid in before)
    assert "RunPodSandbox" in text  # the kubelet brought its pods back
