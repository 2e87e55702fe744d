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
