"""A Job pod's simple script prints what sh would print, and `kubectl logs job/x` shows it."""

from __future__ import annotations

from app.providers.sim import images, oneshot
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster
from app.providers.sim.terminal import SimTerminal

T = 1764118800.0  # Wed 2025-11-26 01:00:00 UTC


def test_cronjob_tutorial_script_prints_the_date_then_the_greeting() -> None:
    out = oneshot.run(["/bin/sh", "-c", "date; echo Hello from the Kubernetes cluster"], T, "p")
    assert [x for _, x in out.lines] == ["Wed Nov 26 01:00:00 UTC 2025",
                                         "Hello from the Kubernetes cluster"]


def test_date_pads_the_day_with_a_space() -> None:
    assert oneshot.date_text(T - 21 * 86400) == "Wed Nov  5 01:00:00 UTC 2025"


def test_sleep_delays_later_lines_and_exit_sets_the_code() -> None:
    out = oneshot.run(["sh", "-c", "echo a && sleep 2m\necho \"b $(date)\"; exit 4; echo c"],
                      T, "p")
    assert out.lines == [(0.0, "a"), (120.0, "b Wed Nov 26 01:02:00 UTC 2025")]
    assert out.exit_code == 4


def test_echo_and_printf_forms() -> None:
    assert oneshot.run(["echo", "-e", "x\\ty"], T, "p").lines == [(0.0, "x\ty")]
    assert oneshot.run(["echo", "x\\ty"], T, "p").lines == [(0.0, "x\\ty")]
    out = oneshot.run(["printf", "%s=%d\\n", "a", "1", "b", "2"], T, "p")
    assert [x for _, x in out.lines] == ["a=1", "b=2"]
    assert oneshot.run(["sh", "-c", "echo $HOSTNAME"], T, "job-abc").lines == [(0.0, "job-abc")]


def test_what_the_twin_cannot_know_stops_the_output() -> None:
    assert oneshot.run(["sh", "-c", "echo a; curl http://x; echo b"], T, "p").lines == \
        [(0.0, "a")]
    assert oneshot.run(["sh", "-c", "echo $SECRET"], T, "p").lines == []
    assert oneshot.run(["sh", "-c", "echo a | tr a b"], T, "p").lines == []
    assert oneshot.run(["perl", "-e", "print 1"], T, "p").lines == []


def test_kubectl_logs_job_shows_the_pods_output_as_it_is_printed() -> None:
    c = create_cluster("kind", 1, 1, clock=Clock(frozen_at=T))
    images.load(c, ["busybox:1.36"])  # the nodes are airgapped: kind load docker-image
    term = SimTerminal(c, "kind-control-plane")
    r = term.run("kubectl create job hello --image=busybox:1.36 -- sh -c "
                 "'date; echo Hello from the Kubernetes cluster; sleep 5; echo bye'")
    assert r.exit_code == 0
    c.advance(2)
    assert term.run("kubectl logs job/hello").output == \
        "Wed Nov 26 01:00:00 UTC 2025\nHello from the Kubernetes cluster\n"
    c.advance(10)
    assert term.run("kubectl logs job/hello").output.endswith("cluster\nbye\n")


def test_an_explicit_exit_code_fails_the_pod() -> None:
    c = create_cluster("kind", 1, 1, clock=Clock(frozen_at=T))
    images.load(c, ["busybox:1.36"])  # the nodes are airgapped: kind load docker-image
    term = SimTerminal(c, "kind-control-plane")
    term.run("kubectl create job fail --image=busybox:1.36 -- sh -c 'echo failing; exit 3'")
    c.advance(5)
    pods = c.store.list("Pod", "default", "job-name=fail")
    assert pods and pods[0]["status"]["phase"] == "Failed"
    state = pods[0]["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (state["exitCode"], state["reason"]) == (3, "Error")


def test_the_documentation_pi_job_prints_2000_digits() -> None:
    out = oneshot.run(["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"], T, "pi-x")
    [(_, text)] = out.lines
    assert len(text) == 2001  # "3." and 1999 decimals
    assert text.startswith("3.14159265358979323846264338327950288419716939937510")
    assert text.endswith("4780275901")  # ...2759009|9... rounded up
    assert oneshot.bpi(5) == "3.1416"
