"""Attempts on real kind clusters: background provisioning, a cap with a queue, a warm pool,
the reaper and start-up reconciliation.

A kind cluster takes tens of seconds to create, so an attempt on kind starts in status
`provisioning`: a worker thread finds it a cluster (a warm one from the pool, or a new one once
fewer than `max_clusters` exist), injects the scenario's faults with the same fault modules the
twin uses, and only then starts the clock. Every cluster is a `ClusterRecord` row, so the
reaper and a restarted server know which clusters are theirs; `kind get clusters` is the truth
they reconcile against.

One server process drives the kind clusters of a deployment (the multi-process scale-out is
for the `sim` provider): start-up reconciliation deletes clusters no record claims.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import DetachedInstanceError
from sqlmodel import Session, col, select

from app.catalog.loader import Catalog
from app.catalog.schema import Scenario
from app.providers.base import Cluster, ExecResult, ProviderError, RawTerminal
from app.training.models import Attempt, ClusterRecord, utcnow
from app.training.provisioning import break_cluster

log = logging.getLogger("kubedrill.kind")

LIVE = ("creating", "warm", "assigned")
ENDED = ("solved", "gave_up", "expired", "failed")


class ClusterMaker(Protocol):
    """What the runtime needs from app/providers/kind's KindProvider."""

    name: str
    prefix: str

    def check(self) -> None: ...
    def create(self, name: str, *, control_planes: int, workers: int,
               progress: Callable[[str], None]) -> Any: ...
    def attach(self, name: str) -> Any: ...
    def clusters(self) -> list[str]: ...
    def delete(self, name: str) -> None: ...
    def healthy(self, name: str) -> bool: ...


def topology_key(control_planes: int, workers: int) -> str:
    return f"{control_planes}cp-{workers}w"


def parse_topology(key: str) -> tuple[int, int]:
    cps, workers = key.removesuffix("w").split("cp-")
    return int(cps), int(workers)


class KindRuntime:
    """The `provider` the training layer sees when KUBEDRILL_PROVIDER=kind."""

    name = "kind"

    def __init__(self, provider: ClusterMaker, engine: Engine, catalog: Catalog, *,
                 max_clusters: int = 4, warm_pool: int = 0, poll_s: float = 2.0,
                 render: Callable[[str, int], Scenario] | None = None) -> None:
        self.provider = provider
        self.engine = engine
        self.catalog = catalog
        self.max_clusters = max(1, max_clusters)
        self.warm_pool = max(0, warm_pool)
        self.poll_s = poll_s
        self._render = render or catalog.render
        # Creation is slow and mostly waiting on kind; one thread per allowed cluster plus
        # one for deletions keeps the cap, not the pool, the limit.
        self._pool = ThreadPoolExecutor(max_workers=self.max_clusters + 2,
                                        thread_name_prefix="kind")
        self._slot = threading.Lock()  # claim-or-create decisions happen one at a time
        self._wake = threading.Condition()
        self._clusters: dict[str, Cluster] = {}
        self._pending: set[str] = set()  # attempts with a provisioning job in this process
        self._deleting: set[str] = set()  # clusters with a delete under way
        self._closed = False

    # --- life cycle of the runtime --------------------------------------------------------

    def start(self) -> None:
        """Check the tools, reconcile records with `kind get clusters`, resume queued work."""
        self.provider.check()
        self.reconcile()

    def close(self) -> None:
        self._closed = True
        with self._wake:
            self._wake.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- attempts -------------------------------------------------------------------------

    def submit(self, attempt_id: str) -> None:
        """Provision `attempt_id` in the background (it is in status `provisioning`)."""
        with self._wake:
            if attempt_id in self._pending:
                return
            self._pending.add(attempt_id)
        self._pool.submit(self._provision_logged, attempt_id)

    def cluster_for(self, attempt: Attempt) -> Cluster:
        name = self._cluster_name(attempt)
        if not name:
            raise ProviderError("this attempt has no cluster yet")
        cluster = self._clusters.get(name)
        if cluster is None:
            cluster = self.provider.attach(name)
            self._clusters[name] = cluster
        return cluster

    def _cluster_name(self, attempt: Attempt) -> str:
        """The kind cluster's name lives in `cluster_state` (a deferred column: the twin's
        JSON for sim attempts), so a detached attempt reads it from a session of its own."""
        try:
            return attempt.cluster_state
        except DetachedInstanceError:
            with Session(self.engine) as db:
                fresh = db.get(Attempt, attempt.id)
                return fresh.cluster_state if fresh is not None else ""

    def exec(self, attempt: Attempt, command: str, timeout: float = 30) -> tuple[str, ExecResult]:
        cluster = self.cluster_for(attempt)
        node = cluster.default_node()
        return node.name, node.exec(command, timeout=timeout)

    def queue_position(self, db: Session, attempt: Attempt) -> int:
        """How many provisioning attempts are ahead of this one without a cluster yet."""
        ahead = db.exec(select(Attempt).where(Attempt.status == "provisioning",
                                              Attempt.cluster_state == "",
                                              Attempt.started_at < attempt.started_at)).all()
        return len(ahead)

    # --- the provisioning job -------------------------------------------------------------

    def _provision_logged(self, attempt_id: str) -> None:
        try:
            self._provision(attempt_id)
        except Exception as err:  # noqa: BLE001 - a job must leave the attempt in a final state
            log.exception("provisioning attempt %s failed", attempt_id)
            self._fail(attempt_id, err)
        finally:
            with self._wake:
                self._pending.discard(attempt_id)
                self._wake.notify_all()

    def _provision(self, attempt_id: str) -> None:
        with Session(self.engine) as db:
            attempt = db.get(Attempt, attempt_id)
            if attempt is None or attempt.status != "provisioning":
                return
            scenario = self._render(attempt.scenario_id, attempt.seed)
        topo = scenario.topology
        key = topology_key(topo.control_planes, topo.workers)
        claim = self._claim_or_reserve(attempt_id, key)
        if claim is None:
            return  # the attempt ended while it waited (gave up, or the server closes)
        name, warm = claim
        if warm:
            self._progress(attempt_id, "using a ready cluster from the warm pool")
            cluster = self.provider.attach(name)
        else:
            cluster = self.provider.create(
                name, control_planes=topo.control_planes, workers=topo.workers,
                progress=lambda step: self._progress(attempt_id, step))
            self._set_record(name, state="assigned")
        self._clusters[name] = cluster
        self._progress(attempt_id, "injecting the fault")
        break_cluster(cluster, scenario)
        self._activate(attempt_id)

    def _claim_or_reserve(self, attempt_id: str, key: str) -> tuple[str, bool] | None:
        """A warm cluster of this topology, or a reservation for a new one under the cap;
        waits in the queue (progress shows the position) until either is possible."""
        while not self._closed:
            with self._slot, Session(self.engine) as db:
                attempt = db.get(Attempt, attempt_id)
                if attempt is None or attempt.status != "provisioning":
                    return None
                warm = db.exec(select(ClusterRecord).where(
                    ClusterRecord.state == "warm", ClusterRecord.topology == key)
                    .order_by(col(ClusterRecord.created_at))).first()
                if warm is not None and self._usable(warm.name):
                    self._assign(db, attempt, warm)
                    return warm.name, True
                if warm is not None:  # broken while it waited: replace it
                    self._retire(db, warm)
                    continue
                live = self._live_count(db)
                ahead = self.queue_position(db, attempt)
                if live >= self.max_clusters:
                    spare = db.exec(select(ClusterRecord).where(
                        ClusterRecord.state == "warm")).first()
                    if spare is not None:  # a warm cluster of another shape makes room
                        self._retire(db, spare)
                        continue
                elif ahead == 0:  # first come, first served
                    record = ClusterRecord(name=self._new_name(), topology=key,
                                           state="creating", attempt_id=attempt_id)
                    db.add(record)
                    attempt.cluster_state = record.name
                    attempt.progress = "creating the cluster"
                    db.add(attempt)
                    db.commit()
                    return record.name, False
                attempt.progress = (f"waiting for a free cluster: number {ahead + 1} in the "
                                    f"queue ({live} of {self.max_clusters} clusters in use)")
                db.add(attempt)
                db.commit()
            with self._wake:
                self._wake.wait(self.poll_s)
        return None

    def _usable(self, name: str) -> bool:
        try:
            return self.provider.healthy(name)
        except ProviderError:
            return False

    def _assign(self, db: Session, attempt: Attempt, record: ClusterRecord) -> None:
        record.state = "assigned"
        record.attempt_id = attempt.id
        record.detail = "from the warm pool"
        record.updated_at = utcnow()
        attempt.cluster_state = record.name
        db.add(record)
        db.add(attempt)
        db.commit()

    def _set_record(self, name: str, **fields: Any) -> None:
        with Session(self.engine) as db:
            record = db.get(ClusterRecord, name)
            if record is None:
                return
            for k, v in fields.items():
                setattr(record, k, v)
            record.updated_at = utcnow()
            db.add(record)
            db.commit()

    def _progress(self, attempt_id: str, step: str) -> None:
        with Session(self.engine) as db:
            attempt = db.get(Attempt, attempt_id)
            if attempt is not None and attempt.status == "provisioning":
                attempt.progress = step[:200]
                db.add(attempt)
                db.commit()

    def _activate(self, attempt_id: str) -> None:
        """The cluster is broken as the scenario says: the trainee's clock starts now."""
        with Session(self.engine) as db:
            attempt = db.get(Attempt, attempt_id, with_for_update=True)
            if attempt is None or attempt.status != "provisioning":
                return
            limit = _aware(attempt.deadline) - _aware(attempt.started_at)
            attempt.started_at = utcnow()
            attempt.deadline = attempt.started_at + limit
            attempt.status = "active"
            attempt.progress = "ready"
            db.add(attempt)
            db.commit()

    def _fail(self, attempt_id: str, err: Exception) -> None:
        with Session(self.engine) as db:
            attempt = db.get(Attempt, attempt_id)
            if attempt is None:
                return
            if attempt.status == "provisioning":
                attempt.status = "failed"
                attempt.ended_at = utcnow()
                attempt.progress = f"could not make the cluster: {err}"[:2000]
                db.add(attempt)
            if attempt.cluster_state:
                record = db.get(ClusterRecord, attempt.cluster_state)
                if record is not None and record.state in ("creating", "assigned"):
                    record.state = "deleting"
                    record.detail = str(err)[:2000]
                    db.add(record)
            db.commit()
        self._reap_soon()

    # --- maintenance: reaper, warm pool, reconcile ----------------------------------------

    def maintain(self) -> None:
        """Run by the server's sweeper: delete clusters no attempt needs, top up the pool."""
        with Session(self.engine) as db:
            assigned = db.exec(select(ClusterRecord).where(
                ClusterRecord.state == "assigned")).all()
            for record in assigned:
                attempt = db.get(Attempt, record.attempt_id) if record.attempt_id else None
                if attempt is None or attempt.status in ENDED:
                    record.state = "deleting"
                    record.updated_at = utcnow()
                    db.add(record)
            db.commit()
        self._reap_soon()
        self._fill_pool()

    def _reap_soon(self) -> None:
        with Session(self.engine) as db:
            doomed = [r.name for r in db.exec(select(ClusterRecord).where(
                ClusterRecord.state == "deleting")).all()]
        for name in doomed:
            self._delete_soon(name)

    def _delete_soon(self, name: str) -> None:
        """One delete per cluster at a time; a failed one is retried on the next beat."""
        with self._wake:
            if name in self._deleting or self._closed:
                return
            self._deleting.add(name)
        self._pool.submit(self._delete, name)

    def _delete(self, name: str) -> None:
        try:
            self.provider.delete(name)
        except ProviderError as err:
            log.warning("deleting cluster %s failed; will retry: %s", name, err)
            return
        finally:
            with self._wake:
                self._deleting.discard(name)
        self._clusters.pop(name, None)
        with Session(self.engine) as db:
            record = db.get(ClusterRecord, name)
            if record is not None and record.state == "deleting":
                db.delete(record)
                db.commit()

    def _retire(self, db: Session, record: ClusterRecord) -> None:
        record.state = "deleting"
        record.updated_at = utcnow()
        db.add(record)
        db.commit()
        self._delete_soon(record.name)

    def _live_count(self, db: Session) -> int:
        return len(db.exec(select(ClusterRecord.name).where(
            col(ClusterRecord.state).in_(LIVE))).all())

    def topologies(self) -> list[str]:
        keys = set()
        for scenario in self.catalog:
            topo = scenario.topology
            keys.add(topology_key(topo.control_planes, topo.workers))
        return sorted(keys)

    def _fill_pool(self) -> None:
        if not self.warm_pool or self._closed:
            return
        with self._slot, Session(self.engine) as db:
            if db.exec(select(Attempt).where(Attempt.status == "provisioning",
                                             Attempt.cluster_state == "")).first():
                return  # queued trainees come first
            for key in self.topologies():
                have = db.exec(select(ClusterRecord.name).where(
                    ClusterRecord.topology == key, ClusterRecord.attempt_id.is_(None),  # type: ignore[union-attr]
                    col(ClusterRecord.state).in_(("creating", "warm")))).all()
                if len(have) >= self.warm_pool or self._live_count(db) >= self.max_clusters:
                    continue
                record = ClusterRecord(name=self._new_name(), topology=key, state="creating")
                db.add(record)
                db.commit()
                self._pool.submit(self._make_warm, record.name, key)

    def _make_warm(self, name: str, key: str) -> None:
        cps, workers = parse_topology(key)
        try:
            self._clusters[name] = self.provider.create(name, control_planes=cps,
                                                        workers=workers, progress=lambda s: None)
        except Exception as err:  # noqa: BLE001 - a failed warm cluster is deleted, not fatal
            log.warning("warm cluster %s failed: %s", name, err)
            self._set_record(name, state="deleting", detail=str(err)[:2000])
            self._delete_soon(name)
            return
        self._set_record(name, state="warm")
        with self._wake:
            self._wake.notify_all()

    def reconcile(self) -> dict[str, list[str]]:
        """Make records and `kind get clusters` agree after a restart (or a crash)."""
        existing = set(self.provider.clusters())
        report: dict[str, list[str]] = {"orphans": [], "vanished": [], "resumed": []}
        with Session(self.engine) as db:
            records = {r.name: r for r in db.exec(select(ClusterRecord)).all()}
            for name in sorted(existing - set(records)):
                if name.startswith(self.provider.prefix):
                    report["orphans"].append(name)
                    db.add(ClusterRecord(name=name, topology="unknown", state="deleting",
                                         detail="orphan found at start-up"))
            for name, record in records.items():
                if name not in existing:
                    report["vanished"].append(name)
                    db.delete(record)
                    self._fail_attempt_of(db, record, "its cluster no longer exists")
                elif record.state == "creating":
                    # The process died mid-create: the cluster is in an unknown state.
                    record.state = "deleting"
                    record.detail = "interrupted while creating"
                    db.add(record)
            db.commit()
            # Attempts that were waiting or being set up start again from the queue.
            for attempt in db.exec(select(Attempt).where(Attempt.status == "provisioning")).all():
                attempt.cluster_state = ""
                attempt.progress = "queued (the server restarted)"
                db.add(attempt)
                report["resumed"].append(attempt.id)
            db.commit()
        self._reap_soon()
        for attempt_id in report["resumed"]:
            self.submit(attempt_id)
        if any(report.values()):
            log.info("kind reconcile: %s", report)
        return report

    def _fail_attempt_of(self, db: Session, record: ClusterRecord, why: str) -> None:
        if not record.attempt_id:
            return
        attempt = db.get(Attempt, record.attempt_id)
        if attempt is not None and attempt.status == "active":
            attempt.status = "failed"
            attempt.ended_at = utcnow()
            attempt.progress = why
            db.add(attempt)

    def _new_name(self) -> str:
        return f"{self.provider.prefix}{secrets.token_hex(4)}"


# --- used by the web terminal ------------------------------------------------------------


def open_raw_terminal(state: Any, attempt: Attempt) -> RawTerminal:
    """A real shell on the attempt's first control-plane node (the web terminal's raw mode)."""
    runtime = state.provider
    if not isinstance(runtime, KindRuntime):
        raise ProviderError("this server does not run the kind provider")
    cluster = runtime.cluster_for(attempt)
    return cluster.open_terminal(cluster.default_node().name)  # type: ignore[return-value]


def record_command(db: Session, attempt: Attempt, node: str, command: str,
                   exit_code: int | None = None) -> None:
    """Keep a line typed in a real shell for the debrief and the facilitator's room."""
    from app.training.service import note_command

    note_command(db, attempt, node, command, -1 if exit_code is None else exit_code)
    db.commit()


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)

