"""`kubectl describe job` and `kubectl describe cronjob`.

Layout from k8s.io/kubectl `pkg/describe/describe.go` `describeJob`, `describeCronJob`,
`describeJobTemplate`, `printActiveJobs` (stored file id 8152613, see
tests/fidelity/samples/SOURCES.md), written with the helpers of kubectl_describe.py.
"""

from __future__ import annotations

from typing import Any

from app.providers.sim.clock import human_age
from app.providers.sim.shell.gotabwriter import tabwriter
from app.providers.sim.shell.kubectl_describe import (
    _controller,
    _template,
    annotations,
    events_block,
    events_for,
    labels,
    rfc1123z,
)
from app.providers.sim.shell.kubectl_printers import ts

Obj = dict[str, Any]


def _selector(sel: Obj | None) -> str:
    """metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key."""
    return ",".join(f"{k}={v}" for k, v in sorted(((sel or {}).get("matchLabels") or {}).items()))


def job(store: Any, j: Obj, now: float) -> str:
    meta, spec, st = j["metadata"], j.get("spec") or {}, j.get("status") or {}
    out = [f"Name:\t{meta['name']}", f"Namespace:\t{meta['namespace']}",
           f"Selector:\t{_selector(spec.get('selector'))}"]
    labels(out, "", "Labels", meta.get("labels"))
    annotations(out, "", meta.get("annotations"))
    if _controller(j):
        out.append(f"Controlled By:\t{_controller(j)}")
    if spec.get("parallelism") is not None:
        out.append(f"Parallelism:\t{spec['parallelism']}")
    out.append(f"Completions:\t{spec['completions']}" if spec.get("completions") is not None
               else "Completions:\t<unset>")
    if spec.get("completionMode"):
        out.append(f"Completion Mode:\t{spec['completionMode']}")
    if spec.get("suspend") is not None:
        out.append(f"Suspend:\t{str(bool(spec['suspend'])).lower()}")
    if spec.get("backoffLimit") is not None:
        out.append(f"Backoff Limit:\t{spec['backoffLimit']}")
    if spec.get("ttlSecondsAfterFinished") is not None:
        out.append(f"TTL Seconds After Finished:\t{spec['ttlSecondsAfterFinished']}")
    if st.get("startTime"):
        out.append(f"Start Time:\t{rfc1123z(st['startTime'])}")
    if st.get("completionTime"):
        out.append(f"Completed At:\t{rfc1123z(st['completionTime'])}")
    if st.get("startTime") and st.get("completionTime"):
        out.append(f"Duration:\t{human_age(ts(st['completionTime']) - ts(st['startTime']))}")
    if spec.get("activeDeadlineSeconds") is not None:
        out.append(f"Active Deadline Seconds:\t{spec['activeDeadlineSeconds']}s")
    active, done, failed = st.get("active", 0), st.get("succeeded", 0), st.get("failed", 0)
    ready = "" if st.get("ready") is None else f" ({st['ready']} Ready)"
    out.append(f"Pods Statuses:\t{active} Active{ready} / {done} Succeeded / {failed} Failed")
    _template(out, spec.get("template") or {})
    events_block(out, events_for(store, j), now)
    return tabwriter("\n".join(out) + "\n")


def cronjob(store: Any, cj: Obj, now: float) -> str:
    meta, spec, st = cj["metadata"], cj.get("spec") or {}, cj.get("status") or {}
    out = [f"Name:\t{meta['name']}", f"Namespace:\t{meta['namespace']}"]
    labels(out, "", "Labels", meta.get("labels"))
    annotations(out, "", meta.get("annotations"))
    out.append(f"Schedule:\t{spec.get('schedule', '')}")
    out.append(f"Concurrency Policy:\t{spec.get('concurrencyPolicy', '')}")
    suspend = spec.get("suspend")
    out.append(f"Suspend:\t{'<unset>' if suspend is None else str(bool(suspend))}")
    for title, key in (("Successful Job History Limit", "successfulJobsHistoryLimit"),
                       ("Failed Job History Limit", "failedJobsHistoryLimit")):
        value = spec.get(key)
        out.append(f"{title}:\t{'<unset>' if value is None else value}")
    deadline = spec.get("startingDeadlineSeconds")
    out.append(f"Starting Deadline Seconds:\t{'<unset>' if deadline is None else f'{deadline}s'}")
    tspec = (spec.get("jobTemplate") or {}).get("spec") or {}
    out.append(f"Selector:\t{_selector(tspec['selector'])}" if tspec.get("selector")
               else "Selector:\t<unset>")
    for title, key in (("Parallelism", "parallelism"), ("Completions", "completions")):
        value = tspec.get(key)
        out.append(f"{title}:\t{'<unset>' if value is None else value}")
    if tspec.get("activeDeadlineSeconds") is not None:
        out.append(f"Active Deadline Seconds:\t{tspec['activeDeadlineSeconds']}s")
    _template(out, tspec.get("template") or {})
    last = st.get("lastScheduleTime")
    out.append(f"Last Schedule Time:\t{rfc1123z(last) if last else '<unset>'}")
    active = [a.get("name", "") for a in st.get("active") or []]
    out.append(f"Active Jobs:\t{', '.join(active) if active else '<none>'}")
    events_block(out, events_for(store, cj), now)
    return tabwriter("\n".join(out) + "\n")
