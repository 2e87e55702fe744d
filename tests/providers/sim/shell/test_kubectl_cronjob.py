"""`kubectl get cronjob`: kubectl 1.27+ columns (NAME SCHEDULE TIMEZONE SUSPEND ACTIVE
LAST SCHEDULE AGE; -o wide adds CONTAINERS IMAGES SELECTOR), as in the real outputs recorded
in tests/fidelity/samples/SOURCES.md ("kubectl get cronjob")."""

from __future__ import annotations

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.terminal import SimTerminal

HELLO = """apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            command: ["sh", "-c", "date; echo Hello"]
          restartPolicy: OnFailure
"""


def test_get_cronjob_prints_the_real_columns() -> None:
    cluster = create_cluster("kind", 1, 0, seed=5, clock=Clock(frozen_at=1764118800.0), age=300)
    cluster.sync()  # apply at the clock's now, then let 7 s pass
    cluster.apply(HELLO)
    cluster.advance(7)
    term = SimTerminal(cluster, "kind-control-plane")
    assert term.run("kubectl get cronjob").output == (
        "NAME    SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE\n"
        "hello   */5 * * * *   <none>     False     0        <none>          7s\n")
    wide = term.run("kubectl get cj -o wide").output.splitlines()
    assert wide[0].split()[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert wide[1].split()[-3:] == ["hello", "busybox:1.28", "<none>"]


def test_get_lease_shows_the_holder_and_all_namespaces_say_no_resources_found() -> None:
    cluster = create_cluster("kind", 1, 1, seed=5, clock=Clock(frozen_at=1764118800.0), age=300)
    term = SimTerminal(cluster, "kind-control-plane")
    rows = term.run("kubectl get lease -n kube-node-lease").output.splitlines()
    assert rows[0].split() == ["NAME", "HOLDER", "AGE"]
    assert rows[1].split()[:2] == ["kind-control-plane", "kind-control-plane"]
    leader = term.run("kubectl get lease -n kube-system kube-scheduler").output.splitlines()[1]
    assert leader.split()[1].startswith("kind-control-plane_")
    # kubectl get.go: the namespace is named only when every resource asked for is namespaced
    assert term.run("kubectl get jobs -A").output == "No resources found\n"
    assert term.run("kubectl get jobs").output == "No resources found in default namespace.\n"
