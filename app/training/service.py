"""The attempt life cycle: start, commands, hints, answers, verify, finish, debrief.

Plain functions taking a keyword-only `db`. The server owns time: every function first
brings the attempt up to date (`refresh`), so a passed deadline ends it whoever asks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from app.catalog.loader import Catalog, ScenarioError
from app.catalog.schema import Scenario
from app.providers.base import ExecResult, ProviderError
from app.providers.sim.cluster import SimCluster
from app.providers.sim.provider import SimProvider
from app.providers.sim.shell.session import ShellSession
from app.providers.sim.terminal import SimTerminal, TwinHost
from app.training import scoring, snapshots, templates, twinlog
from app.training.grading import grade
from app.training.kind_runtime import KindRuntime
from app.training.models import (
    AnswerRecord,
    Attempt,
    AttemptPublic,
    CommandRecord,
    CommandRow,
    HintRecord,
    ScenarioRecord,
    utcnow,
)
from app.training.provisioning import break_cluster

COMPONENTS = ["etcd", "kube-apiserver", "kube-scheduler", "kube-controller-manager", "kubelet",
              "container-runtime", "node", "certificates", "workload", "networking", "security"]
ENDED = {"solved", "gave_up", "expired", "failed"}
Provider = SimProvider | KindRuntime


class TrainingError(Exception):
    status_code = 400

    def __init__(self, detail: str, *, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class NotFound(TrainingError):
    status_code = 404


class Forbidden(TrainingError):
    status_code = 403


class Conflict(TrainingError):
    status_code = 409


class Locked(TrainingError):
    status_code = 429


_locks: dict[str, threading.RLock] = defaultdict(threading.RLock)


def attempt_lock(attempt_id: str) -> threading.RLock:
    """Commands of one attempt run one at a time; different attempts run in parallel.

    This lock covers one process. Across processes on PostgreSQL the attempt's row lock
    (`db.refresh(attempt, with_for_update=True)`, i.e. SELECT ... FOR UPDATE) serialises
    them until commit; SQLite ignores FOR UPDATE but is only ever used by one process."""
    return _locks[attempt_id]


def now() -> datetime:
    return datetime.now(UTC)


def aware(dt: datetime) -> datetime:
    # SQLite hands datetimes back naive; they were stored as UTC.
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Started:
    attempt: Attempt
    token: str


# --- start -------------------------------------------------------------------------------


def start_attempt(*, db: Session, catalog: Catalog, provider: Provider, scenario_id: str,
                  name: str = "", team: str = "", event_code: str | None = None,
                  seed: int | None = None, browser_id: str = "",
                  incident_age_s: float = 240.0, time_limit_s: int | None = None) -> Started:
    if scenario_id not in catalog:
        raise NotFound(f"scenario {scenario_id!r} not found")
    seed = secrets.randbelow(2**31) if seed is None else seed
    scenario = scenario_for(catalog, scenario_id, seed)
    attempt_id = secrets.token_hex(8)
    token = secrets.token_urlsafe(24)
    if isinstance(provider, KindRuntime):
        return _start_on_kind(db=db, runtime=provider, scenario=scenario, attempt_id=attempt_id,
                              token=token, name=name, team=team, event_code=event_code,
                              seed=seed, browser_id=browser_id, time_limit_s=time_limit_s)
    topo = scenario.topology
    cluster = templates.healthy_twin(_sim_provider(provider), attempt_id,
                                     cluster_name=topo.cluster_name,
                                     control_planes=topo.control_planes, workers=topo.workers,
                                     seed=seed, age=incident_age_s + 60)
    break_cluster(cluster, scenario)
    started = now()
    attempt = Attempt(id=attempt_id, token_hash=hash_token(token), browser_id=browser_id,
                      scenario_id=scenario_id, seed=seed, name=name.strip()[:80],
                      team=team.strip()[:80], event_code=event_code, provider=provider.name,
                      started_at=started,
                      deadline=started + timedelta(seconds=time_limit_s or scenario.time_limit))
    attempt.state_version = 1
    _record_scenario(db, scenario)
    db.add(attempt)
    provider.remember(attempt_id, 1, cluster)
    twinlog.write_snapshot(db, attempt, snapshots.encode(cluster), 1, new=True)
    # Nothing else wrote these rows: what the session holds is what was committed, and
    # reading the attempt back (the default expiry on commit) was a SELECT per start.
    expiring, db.expire_on_commit = db.expire_on_commit, False
    try:
        db.commit()
    finally:
        db.expire_on_commit = expiring
    return Started(attempt, token)


def _start_on_kind(*, db: Session, runtime: KindRuntime, scenario: Scenario, attempt_id: str,
                   token: str, name: str, team: str, event_code: str | None, seed: int,
                   browser_id: str, time_limit_s: int | None) -> Started:
    """The attempt waits in `provisioning` while a real cluster is made; the clock starts when
    the fault is in (KindRuntime moves started_at and the deadline then)."""
    started = now()
    attempt = Attempt(id=attempt_id, token_hash=hash_token(token), browser_id=browser_id,
                      scenario_id=scenario.id, seed=seed, name=name.strip()[:80],
                      team=team.strip()[:80], event_code=event_code, provider=runtime.name,
                      status="provisioning", progress="queued", started_at=started,
                      deadline=started + timedelta(seconds=time_limit_s or scenario.time_limit))
    _record_scenario(db, scenario)
    db.add(attempt)
    db.commit()
    db.refresh(attempt)
    runtime.submit(attempt.id)
    return Started(attempt, token)


def scenario_for(catalog: Catalog, scenario_id: str, seed: int) -> Scenario:
    """The variant of a scenario that `seed` picks (seed 0: the canonical drill)."""
    try:
        return catalog.render(scenario_id, seed)
    except ScenarioError as exc:  # lint reports these; never reached by a linted catalog
        raise TrainingError(f"variant {seed} of {scenario_id!r} is invalid: {exc}") from None


def attempt_scenario(catalog: Catalog, attempt: Attempt) -> Scenario:
    """The scenario as this attempt plays it: its seed's texts, faults, checks and key."""
    try:
        return catalog.render(attempt.scenario_id, attempt.seed)
    except ScenarioError:  # the file changed since the attempt began and this variant broke
        return catalog.get(attempt.scenario_id)


# Per database engine, the scenario ids this process knows are recorded: rows are never
# deleted, so each is looked up (and its digest hashed) once per process, not at every start.
_RECORDED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _record_scenario(db: Session, scenario: Scenario) -> None:
    """The scenario's first appearance in this database. A room joining at once starts the
    same scenario many times in parallel: the INSERT gives way to whichever came first
    (ON CONFLICT DO NOTHING) instead of failing everyone else's start."""
    bind = db.get_bind()
    known = _RECORDED.setdefault(bind, set())
    if scenario.id in known:
        return
    insert_for = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
    digest = hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()[:16]
    db.execute(insert_for(ScenarioRecord).values(
        id=scenario.id, title=scenario.title, digest=digest, first_seen=utcnow(),
    ).on_conflict_do_nothing(index_elements=["id"]))
    twinlog.after_commit(db, lambda: known.add(scenario.id))


# --- access ------------------------------------------------------------------------------


def get_attempt(*, db: Session, attempt_id: str) -> Attempt:
    attempt = db.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("attempt not found")
    return attempt


def authorize(attempt: Attempt | CommandRow, token: str | None) -> None:
    if not token or not hmac.compare_digest(attempt.token_hash, hash_token(token)):
        raise Forbidden("this attempt belongs to someone else (missing or wrong token)")


def elapsed_s(attempt: Attempt | CommandRow) -> float:
    """Clock time used: wall time since start minus every facilitator pause."""
    if attempt.status in ("provisioning", "failed"):
        return 0.0
    end = aware(attempt.ended_at) if attempt.ended_at else now()
    if attempt.hold_since is not None and not attempt.ended_at:
        end = aware(attempt.hold_since)
    used = (end - aware(attempt.started_at)).total_seconds() - attempt.paused_s
    return max(0.0, used)


def hold(attempt: Attempt, at: datetime) -> None:
    """Stop this attempt's clock (a facilitator paused the event)."""
    if attempt.status == "active" and attempt.hold_since is None:
        attempt.hold_since = at


def release(attempt: Attempt, at: datetime) -> None:
    """Restart the clock: the deadline moves by the length of the pause."""
    if attempt.hold_since is None:
        return
    paused = max(0.0, (at - aware(attempt.hold_since)).total_seconds())
    attempt.paused_s += paused
    attempt.deadline = aware(attempt.deadline) + timedelta(seconds=paused)
    attempt.hold_since = None


def extend(attempt: Attempt, seconds: int) -> None:
    if attempt.status == "active":
        attempt.deadline = aware(attempt.deadline) + timedelta(seconds=seconds)


def public(attempt: Attempt) -> AttemptPublic:
    return AttemptPublic(id=attempt.id, scenario_id=attempt.scenario_id, status=attempt.status,
                         paused=attempt.hold_since is not None,
                         started_at=aware(attempt.started_at), deadline=aware(attempt.deadline),
                         elapsed_s=round(elapsed_s(attempt), 1), hints_taken=attempt.hints_taken,
                         score=attempt.score, name=attempt.name, team=attempt.team,
                         seed=attempt.seed, progress=attempt.progress)


def _clock(attempt: Attempt | CommandRow) -> str:
    """Where the attempt's clock stands: "running", "due" (running, its deadline passed: it
    ends at the next look) or "stopped" (not active, or the facilitator's hold)."""
    if attempt.status != "active" or attempt.hold_since is not None:
        return "stopped"
    return "due" if now() >= aware(attempt.deadline) else "running"


def refresh(*, db: Session, catalog: Catalog, attempt: Attempt) -> Attempt:
    """End the attempt if its deadline passed; the clock is the server's, not the browser's."""
    if _clock(attempt) == "due":
        _end(db=db, catalog=catalog, attempt=attempt, status="expired",
             at=aware(attempt.deadline))
    return attempt


def expire_if_due(*, db: Session, catalog: Catalog, attempt: Attempt) -> None:
    """`refresh` for a request that has only read the attempt: nothing to do (and nothing to
    commit) until the deadline has passed; then the attempt ends under its row lock, so two
    processes (or the sweeper) finding it due at once end it once."""
    if _clock(attempt) != "due":
        return
    with attempt_lock(attempt.id):
        db.refresh(attempt, with_for_update=True)
        refresh(db=db, catalog=catalog, attempt=attempt)
        db.commit()


def require_active(*, db: Session, catalog: Catalog, attempt: Attempt) -> None:
    refresh(db=db, catalog=catalog, attempt=attempt)
    if attempt.status == "provisioning":
        raise Conflict(f"your cluster is not ready yet ({attempt.progress or 'queued'})")
    if attempt.status != "active":
        raise Conflict(f"the attempt has ended ({attempt.status})")
    if attempt.hold_since is not None:
        raise Conflict("the facilitator has paused the event: the clock is stopped")


# --- the cluster -------------------------------------------------------------------------


def load_cluster(provider: SimProvider, attempt: Attempt) -> SimCluster:
    """The attempt's twin: from this process's cache, brought up to date from the journal of
    commands other processes ran, or rebuilt from its snapshot (app/training/twinlog.py)."""
    with attempt_lock(attempt.id):  # a catch-up replays commands on the cached twin
        return twinlog.load(provider, attempt)


def save_cluster(db: Session, provider: SimProvider, attempt: Attempt,
                 cluster: SimCluster, recorded: twinlog.Recorded | None = None) -> None:
    """Persist the twin's new version in `db`'s transaction: a small journal row for a command
    `recorded` by `twinlog.recording`, else a snapshot of the whole twin."""
    twinlog.save(db, provider, attempt, cluster, recorded)


def _session(attempt: Attempt | CommandRow, cluster: SimCluster, which: str) -> ShellSession:
    states = json.loads(attempt.terminal_state or "{}")
    host = TwinHost(cluster)
    if which in states:
        return ShellSession.from_json(host, states[which])
    return ShellSession(host, cluster.default_node().name)


def _keep_session(attempt: Attempt | CommandRow, which: str, session: ShellSession) -> None:
    states = json.loads(attempt.terminal_state or "{}")
    states[which] = session.to_json()
    attempt.terminal_state = json.dumps(states)


_INSERT_COMMAND = insert(CommandRecord)  # built once: its cache key is then memoised


def note_command(db: Session, attempt: Attempt | CommandRow, node: str, command: str,
                 exit_code: int) -> None:
    """Add a typed line to the attempt's timeline (the debrief, the facilitator's room) in
    `db`'s transaction; blank lines are not kept."""
    if command.strip():
        # A Core INSERT: nothing reads the record back in this session, and the ORM's unit of
        # work costs more than the statement (one is written for every command).
        db.connection().execute(_INSERT_COMMAND, {
            "attempt_id": attempt.id, "at": utcnow(), "elapsed_s": round(elapsed_s(attempt), 2),
            "node": node, "command": command[:2000], "exit_code": exit_code})


def run_command(*, db: Session, catalog: Catalog, provider: Provider, attempt: Attempt,
                command: str, via: str = "api", max_length: int = 4096) -> ExecResult:
    """Run one command line; the twin's state and the command are saved before returning."""
    _check_length(command, max_length)
    if attempt.provider == "kind":
        return _run_on_kind(db=db, catalog=catalog, runtime=_kind(provider), attempt=attempt,
                            command=command)
    provider = _sim(provider, attempt)
    with attempt_lock(attempt.id):
        db.refresh(attempt, with_for_update=True)
        return _run_on_sim(db=db, catalog=catalog, provider=provider, attempt=attempt,
                           command=command, via=via)


def exec_line(*, db: Session, catalog: Catalog, provider: Provider, attempt_id: str,
              token: str | None, command: str, via: str = "api",
              max_length: int = 4096) -> ExecResult:
    """`run_command` for a caller that holds only the attempt's id and token (the exec API):
    the attempt is read once, already under its locks, and authorised then. Reading it to
    authorise and again under the lock was a sixth of the busiest request's time."""
    _check_length(command, max_length)
    with attempt_lock(attempt_id):
        done = _exec_on_cached_twin(db=db, provider=provider, attempt_id=attempt_id,
                                    token=token, command=command, via=via)
        if done is not None:
            return done
        attempt = db.get(Attempt, attempt_id, with_for_update=True)
        if attempt is None:
            raise NotFound("attempt not found")
        authorize(attempt, token)
        expire_if_due(db=db, catalog=catalog, attempt=attempt)
        if attempt.provider == "kind":
            return run_command(db=db, catalog=catalog, provider=provider, attempt=attempt,
                               command=command, via=via, max_length=max_length)
        return _run_on_sim(db=db, catalog=catalog, provider=_sim(provider, attempt),
                           attempt=attempt, command=command, via=via)


# What a command reads of its attempt's row, and what it writes back (built once: a
# statement's construction costs about as much as running it).
_EXEC_READ = select(*(getattr(Attempt, f.name)  # type: ignore[call-overload]
                      for f in fields(CommandRow))
                    ).where(Attempt.id == bindparam("attempt_id")).with_for_update()
_EXEC_WRITE = update(Attempt).where(
    Attempt.id == bindparam("attempt_id"),  # type: ignore[arg-type]
    Attempt.state_version == bindparam("read_version"),  # type: ignore[arg-type]
).values(state_version=bindparam("state_version"),
         snapshot_version=bindparam("snapshot_version"),
         terminal_state=bindparam("terminal_state"))


def _exec_on_cached_twin(*, db: Session, provider: Provider, attempt_id: str,
                         token: str | None, command: str, via: str) -> ExecResult | None:
    """The common case of `exec_line` without the ORM: an active sim attempt whose twin this
    process holds at the row's version. The row is read (and locked) and written back with
    Core statements; loading and flushing it through the session cost more than a quarter of
    a command's CPU. None: not that case, and nothing was changed; `exec_line` takes the
    general path, which also gives every refusal its error."""
    row = db.connection().execute(_EXEC_READ, {"attempt_id": attempt_id}).first()
    if row is None:
        raise NotFound("attempt not found")
    attempt = CommandRow(*row)
    authorize(attempt, token)
    hit = provider.peek(attempt_id) if isinstance(provider, SimProvider) else None
    if attempt.provider == "kind" or hit is None or hit[0] != attempt.state_version \
            or _clock(attempt) != "running":
        return None
    assert isinstance(provider, SimProvider)
    version = attempt.state_version
    result = _run_line(db, provider, attempt, hit[1], command, via)
    written = db.connection().execute(_EXEC_WRITE, {
        "attempt_id": attempt_id, "read_version": version,
        "state_version": attempt.state_version, "snapshot_version": attempt.snapshot_version,
        "terminal_state": attempt.terminal_state})
    if written.rowcount != 1:  # the row lock makes this unreachable; never write blind
        db.rollback()
        raise Conflict("the attempt changed while the command ran: run it again")
    db.commit()
    return result


def _check_length(command: str, max_length: int) -> None:
    if len(command) > max_length:
        raise TrainingError(f"command too long ({len(command)} > {max_length} characters)")


def _run_on_sim(*, db: Session, catalog: Catalog, provider: SimProvider, attempt: Attempt,
                command: str, via: str) -> ExecResult:
    """The line on the attempt's twin; the caller holds the attempt's locks and fresh row."""
    require_active(db=db, catalog=catalog, attempt=attempt)
    result = _run_line(db, provider, attempt, load_cluster(provider, attempt), command, via)
    db.commit()
    return result


def _run_line(db: Session, provider: SimProvider, attempt: Attempt | CommandRow,
              cluster: SimCluster, command: str, via: str) -> ExecResult:
    """Run `command` in the attempt's `via` shell session on `cluster` and record all of it
    in `db`'s transaction: the session, the timeline, the twin's new version. A `CommandRow`
    is not the session's: its caller writes the row's new versions itself."""
    terminal = SimTerminal(cluster, cluster.default_node().name,
                           _session(attempt, cluster, via))
    node = terminal.node
    with twinlog.recording(provider, attempt, cluster, terminal.session, via,
                           command) as recorded:
        result = terminal.run(command)
    _keep_session(attempt, via, terminal.session)
    note_command(db, attempt, node, command, result.exit_code)
    twinlog.save(db, provider, attempt, cluster, recorded,
                 attach=not isinstance(attempt, CommandRow))
    return result


def _kind(provider: Provider) -> KindRuntime:
    if not isinstance(provider, KindRuntime):
        raise Conflict("this attempt runs on a kind cluster; this server runs the sim provider")
    return provider


def _sim_provider(provider: Provider) -> SimProvider:
    if not isinstance(provider, SimProvider):
        raise Conflict("this server's provider makes no simulated clusters")
    return provider


def _sim(provider: Provider, attempt: Attempt) -> SimProvider:
    if attempt.provider == "kind" or not isinstance(provider, SimProvider):
        raise Conflict("this attempt's cluster is not a simulated one: use the terminal's real "
                       "shell (vi, sed -i) on a kind cluster")
    return provider


def _run_on_kind(*, db: Session, catalog: Catalog, runtime: KindRuntime, attempt: Attempt,
                 command: str) -> ExecResult:
    """One command through `docker exec` on the first control-plane node (a fresh login shell
    each time: no cwd or variables carry over, unlike the terminal)."""
    if "\x00" in command:
        raise TrainingError("a command cannot contain NUL bytes")
    with attempt_lock(attempt.id):
        db.refresh(attempt, with_for_update=True)
        require_active(db=db, catalog=catalog, attempt=attempt)
        db.commit()  # no row lock held while the command runs on the node
        try:
            node, result = runtime.exec(attempt, command)
        except ProviderError as err:
            node, result = "", ExecResult(output=f"kubedrill: {err}\n", exit_code=125)
        note_command(db, attempt, node, command, result.exit_code)
        db.commit()
        return result


def rerun(*, db: Session, catalog: Catalog, provider: Provider, attempt: Attempt,
          command: str, via: str = "terminal") -> str:
    """Run a streaming command's line again for its next beat (`tail -f`, `watch`...): the
    twin advances to now, but nothing is recorded and the shell session is left as it was.
    Only read-only lines stream, and advancing is deterministic, so nothing needs saving."""
    return _peek(db=db, catalog=catalog, provider=provider, attempt=attempt, command=command,
                 via=via)[1].output


def _peek(*, db: Session, catalog: Catalog, provider: Provider, attempt: Attempt,
          command: str, via: str) -> tuple[str, ExecResult]:
    """(node, result) of a read-only line run for the server's own purposes: not recorded,
    the shell session and the journal untouched."""
    sim = _sim(provider, attempt)
    with attempt_lock(attempt.id):
        db.refresh(attempt)
        require_active(db=db, catalog=catalog, attempt=attempt)
        cluster = load_cluster(sim, attempt)
        terminal = SimTerminal(cluster, cluster.default_node().name,
                               _session(attempt, cluster, via))
        return terminal.node, terminal.run(command)


EDITOR_LIMIT = 1024 * 1024


def open_for_edit(*, db: Session, catalog: Catalog, provider: Provider, attempt: Attempt,
                  path: str, via: str = "terminal") -> tuple[str, str, str]:
    """(absolute path, node, text) of a file to edit in the browser; new files start empty."""
    from app.providers.sim.vfs import VFSError, normpath

    provider = _sim(provider, attempt)

    with attempt_lock(attempt.id):
        db.refresh(attempt)
        require_active(db=db, catalog=catalog, attempt=attempt)
        cluster = load_cluster(provider, attempt)
        session = _session(attempt, cluster, via)
        real = normpath(path, session.cwd)
        vfs = session.vfs
        try:
            data = vfs.read(real) if vfs.exists(real) else b""
        except VFSError as err:
            raise TrainingError(f"{path}: {err}") from None
        if len(data) > EDITOR_LIMIT:
            raise TrainingError(f"{path}: too large for the editor; use sed -i")
        return real, session.node, data.decode("utf-8", errors="replace")


def save_from_editor(*, db: Session, catalog: Catalog, provider: Provider, attempt: Attempt,
                     path: str, content: str | None, editor: str, via: str = "terminal") -> str:
    """Write the editor's text back through the node's files (as `sed -i` would) and record
    the command; `content=None` is a cancelled edit. Returns what the terminal prints."""
    from app.providers.sim.vfs import VFSError

    provider = _sim(provider, attempt)
    if content is not None and len(content.encode()) > EDITOR_LIMIT:
        raise TrainingError("file too large")
    with attempt_lock(attempt.id):
        db.refresh(attempt)
        require_active(db=db, catalog=catalog, attempt=attempt)
        cluster = load_cluster(provider, attempt)
        session = _session(attempt, cluster, via)
        message = ""
        if content is not None:
            try:
                session.vfs.now = cluster.t
                session.vfs.write(path, content.encode())
            except VFSError as err:
                raise TrainingError(f"{path}: {err}") from None
            cluster.settle()
            message = f'"{path}" {len(content.splitlines())}L, {len(content.encode())}B written\n'
        note_command(db, attempt, session.node, f"{editor} {path}"
                     + ("" if content is not None else "  # not saved"), 0)
        save_cluster(db, provider, attempt, cluster)
        db.commit()
        return message


EDIT_HEADER = ("# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
               "# and an empty file will abort the edit. If an error occurs while saving this "
               "file will be\n# reopened with the relevant failures.\n#\n")


def open_kubectl_edit(*, db: Session, catalog: Catalog, provider: Provider, attempt: Attempt,
                      args: str, via: str = "terminal") -> tuple[str, str, str]:
    """`kubectl edit <args>`: (temp file name, node, the object as `kubectl get -o yaml`
    prints it under kubectl's header), for the editor pane."""
    node, result = _peek(db=db, catalog=catalog, provider=provider, attempt=attempt,
                         command=f"kubectl get {args} -o yaml", via=via)
    if result.exit_code != 0:
        raise TrainingError(result.output.strip())
    path = f"/tmp/kubectl-edit-{secrets.randbelow(9 * 10**9) + 10**9}.yaml"
    return path, node, EDIT_HEADER + result.output


def save_kubectl_edit(*, db: Session, catalog: Catalog, provider: Provider, attempt: Attempt,
                      path: str, original: str, content: str | None, command: str,
                      via: str = "terminal") -> tuple[str, int]:
    """Apply an edited object as kubectl edit does (a replace of what changed); returns what
    the terminal prints and the exit code. The line is recorded as the trainee typed it."""
    provider = _sim(provider, attempt)

    def body(text: str) -> str:
        return "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))

    if content is not None and len(content.encode()) > EDITOR_LIMIT:
        raise TrainingError("file too large")
    with attempt_lock(attempt.id):
        db.refresh(attempt, with_for_update=True)
        require_active(db=db, catalog=catalog, attempt=attempt)
        cluster = load_cluster(provider, attempt)
        session = _session(attempt, cluster, via)
        terminal = SimTerminal(cluster, cluster.default_node().name, session)
        if content is None or not body(content).strip() or body(content) == body(original):
            message, code = "Edit cancelled, no changes made.\n", 0
        else:
            session.vfs.now = cluster.t
            session.vfs.write(path, content.encode())
            result = terminal.run(f"kubectl replace -f {path}")
            if result.exit_code == 0:
                terminal.run(f"rm -f {path}")
                message = result.output.replace(" replaced\n", " edited\n")
                code = 0
            else:
                message = (f"{result.output}A copy of your changes has been stored to "
                           f'"{path}"\nerror: Edit cancelled, no valid changes were saved.\n')
                code = 1
        note_command(db, attempt, terminal.node, command, code)
        save_cluster(db, provider, attempt, cluster)
        db.commit()
        return message, code


def prompt(*, provider: Provider, attempt: Attempt, via: str = "terminal") -> tuple[str, str]:
    cluster = load_cluster(_sim(provider, attempt), attempt)
    session = _session(attempt, cluster, via)
    return session.prompt(), session.node


def complete(*, provider: Provider, attempt: Attempt, line: str, cursor: int,
             via: str = "terminal") -> tuple[str | None, list[str]]:
    with attempt_lock(attempt.id):
        cluster = load_cluster(_sim(provider, attempt), attempt)
        # Not SimTerminal.complete: it advances the twin, a change no journal would record.
        return _session(attempt, cluster, via).complete(line, cursor)


# --- hints, answers, verify, finish ------------------------------------------------------


def take_hint(*, db: Session, catalog: Catalog, attempt: Attempt) -> dict[str, Any]:
    with attempt_lock(attempt.id):
        db.refresh(attempt, with_for_update=True)
        require_active(db=db, catalog=catalog, attempt=attempt)
        scenario = attempt_scenario(catalog, attempt)
        if attempt.hints_taken >= len(scenario.hints):
            raise Conflict("no more hints for this scenario")
        index = attempt.hints_taken
        hint = scenario.hints[index]
        attempt.hints_taken += 1
        db.add(HintRecord(attempt_id=attempt.id, index=index, penalty=hint.penalty))
        db.add(attempt)
        db.commit()
        return {"index": index, "text": hint.text, "penalty": hint.penalty,
                "remaining": len(scenario.hints) - attempt.hints_taken}


def hints_taken(*, db: Session, catalog: Catalog, attempt: Attempt) -> list[dict[str, Any]]:
    scenario = attempt_scenario(catalog, attempt)
    return [{"index": i, "text": h.text, "penalty": h.penalty}
            for i, h in enumerate(scenario.hints[:attempt.hints_taken])]


def _breakdown(db: Session, scenario: Scenario, attempt: Attempt) -> scoring.Breakdown:
    penalties = [h.penalty for h in db.exec(select(HintRecord).where(
        HintRecord.attempt_id == attempt.id)).all()]
    return scoring.score(difficulty=scenario.difficulty, solved=attempt.solved,
                         fixed=attempt.fixed, elapsed_s=elapsed_s(attempt),
                         par_s=scenario.par_time, limit_s=scenario.time_limit,
                         hint_penalties=penalties, wrong_answers=attempt.wrong_answers)


def answer(*, db: Session, catalog: Catalog, attempt: Attempt, component: str, cause: str,
           lockout_after: int = 3, lockout_s: float = 60.0) -> dict[str, Any]:
    if component not in COMPONENTS:
        raise TrainingError(f"unknown component {component!r}; choose one of "
                            f"{', '.join(COMPONENTS)}")
    cause = cause.strip()[:2000]
    with attempt_lock(attempt.id):
        db.refresh(attempt, with_for_update=True)
        require_active(db=db, catalog=catalog, attempt=attempt)
        if attempt.locked_until and aware(attempt.locked_until) > now():
            wait = int((aware(attempt.locked_until) - now()).total_seconds()) + 1
            raise Locked(f"too many wrong answers in a row: answers are locked for {wait}s",
                         retry_after=wait)
        scenario = attempt_scenario(catalog, attempt)
        key = scenario.runbook.answer
        verdict = grade(component, cause, components=list(key.components),
                        concepts=[list(c) for c in key.concepts],
                        not_causes=list(key.not_causes))
        db.add(AnswerRecord(attempt_id=attempt.id, component=component, cause=cause,
                            correct=verdict.correct, feedback=verdict.feedback))
        if verdict.correct:
            attempt.solved = True
            attempt.consecutive_wrong = 0
            _end(db=db, catalog=catalog, attempt=attempt, status="solved", at=now())
        else:
            attempt.wrong_answers += 1
            attempt.consecutive_wrong += 1
            if attempt.consecutive_wrong >= lockout_after:
                attempt.locked_until = now() + timedelta(seconds=lockout_s)
                attempt.consecutive_wrong = 0
        breakdown = _breakdown(db, scenario, attempt)
        attempt.score = breakdown.total
        attempt.score_breakdown = json.dumps(breakdown.as_dict())
        db.add(attempt)
        db.commit()
        return {"correct": verdict.correct, "feedback": verdict.feedback,
                "score": breakdown.total, "breakdown": breakdown.as_dict(),
                "status": attempt.status,
                "locked_until": aware(attempt.locked_until).isoformat()
                if attempt.locked_until else None}


def verify(*, db: Session, catalog: Catalog, provider: Provider,
           attempt: Attempt) -> dict[str, Any]:
    if attempt.provider == "kind":
        return _verify_on_kind(db=db, catalog=catalog, runtime=_kind(provider), attempt=attempt)
    provider = _sim(provider, attempt)
    with attempt_lock(attempt.id):
        db.refresh(attempt, with_for_update=True)
        require_active(db=db, catalog=catalog, attempt=attempt)
        scenario = attempt_scenario(catalog, attempt)
        cluster = load_cluster(provider, attempt)
        results = []
        for check in scenario.checks:
            r = cluster.probe(check.to_check())
            results.append({"probe": check.probe, "ok": r.ok, "message": r.message})
        fixed = all(r["ok"] for r in results)
        if fixed and not attempt.fixed:
            attempt.fixed = True
        save_cluster(db, provider, attempt, cluster)
        db.commit()
        return {"fixed": fixed, "checks": results}


def _verify_on_kind(*, db: Session, catalog: Catalog, runtime: KindRuntime,
                    attempt: Attempt) -> dict[str, Any]:
    with attempt_lock(attempt.id):
        db.refresh(attempt)
        require_active(db=db, catalog=catalog, attempt=attempt)
        db.commit()
        cluster = runtime.cluster_for(attempt)
        results = []
        for check in attempt_scenario(catalog, attempt).checks:
            try:
                r = cluster.probe(check.to_check())
                results.append({"probe": check.probe, "ok": r.ok, "message": r.message})
            except ProviderError as err:
                results.append({"probe": check.probe, "ok": False, "message": str(err)})
        fixed = all(r["ok"] for r in results)
        db.refresh(attempt, with_for_update=True)
        if fixed and not attempt.fixed and attempt.status == "active":
            attempt.fixed = True
            db.add(attempt)
        db.commit()
        return {"fixed": fixed, "checks": results}


def finish(*, db: Session, catalog: Catalog, attempt: Attempt) -> Attempt:
    with attempt_lock(attempt.id):
        db.refresh(attempt, with_for_update=True)
        refresh(db=db, catalog=catalog, attempt=attempt)
        if attempt.status in ("active", "provisioning"):  # kind: stops waiting for a cluster
            _end(db=db, catalog=catalog, attempt=attempt, status="gave_up", at=now())
            db.commit()
        return attempt


def _end(*, db: Session, catalog: Catalog, attempt: Attempt, status: str, at: datetime) -> None:
    release(attempt, at)  # a pause in progress is not time used
    attempt.status = status
    attempt.ended_at = at
    scenario = attempt_scenario(catalog, attempt)
    breakdown = _breakdown(db, scenario, attempt)
    attempt.score = breakdown.total
    attempt.score_breakdown = json.dumps(breakdown.as_dict())
    db.add(attempt)


def sweep_expired(*, db: Session, catalog: Catalog) -> int:
    """End every active attempt whose deadline passed (run periodically by the server)."""
    due = db.exec(select(Attempt).where(Attempt.status == "active",
                                        Attempt.hold_since.is_(None),  # type: ignore[union-attr]
                                        Attempt.deadline <= now())).all()
    for attempt in due:
        with attempt_lock(attempt.id):
            db.refresh(attempt, with_for_update=True)
            if attempt.scenario_id in catalog:
                refresh(db=db, catalog=catalog, attempt=attempt)
            db.commit()  # one row lock at a time: never deadlocks with another process
    db.commit()
    return len(due)


# --- debrief -----------------------------------------------------------------------------


def commands(*, db: Session, attempt: Attempt) -> list[CommandRecord]:
    return list(db.exec(select(CommandRecord).where(CommandRecord.attempt_id == attempt.id)
                        .order_by(CommandRecord.id)).all())


def _program(cmd: str) -> str:
    words = cmd.replace("|", " | ").split()
    return " ".join(words[:2]) if words else ""


def debrief(*, db: Session, catalog: Catalog, attempt: Attempt) -> dict[str, Any]:
    refresh(db=db, catalog=catalog, attempt=attempt)
    if attempt.status not in ENDED:
        raise Conflict("the debrief is available once the attempt has ended")
    scenario = attempt_scenario(catalog, attempt)
    cmds = commands(db=db, attempt=attempt)
    answers = list(db.exec(select(AnswerRecord).where(AnswerRecord.attempt_id == attempt.id)
                           .order_by(AnswerRecord.id)).all())
    typed = {_program(c.command) for c in cmds}
    expert = []
    for step in scenario.expert_path:
        prog = _program(step.run)
        expert.append({"run": step.run, "expect": list(step.expect),
                       "tried": prog in typed or any(t.startswith(prog.split()[0]) and
                                                     prog.split()[0] in t for t in typed
                                                     if prog)})
    revealing = _revealing_step(scenario, cmds)
    return {
        "attempt": public(attempt).model_dump(mode="json"),
        "scenario": {"id": scenario.id, "title": scenario.title,
                     "difficulty": scenario.difficulty},
        "verdict": {"solved": attempt.solved, "fixed": attempt.fixed, "status": attempt.status},
        "root_cause": scenario.runbook.root_cause,
        "fix": list(scenario.runbook.fix),
        "explanation": scenario.runbook.explanation,
        "score": json.loads(attempt.score_breakdown or "{}") | {"total": attempt.score},
        "timeline": [{"elapsed_s": c.elapsed_s, "node": c.node, "command": c.command,
                      "exit_code": c.exit_code, "revealing": c.id == revealing} for c in cmds],
        "expert_path": expert,
        "never_looked_at": [e["run"] for e in expert if not e["tried"]],
        "answers": [{"component": a.component, "cause": a.cause, "correct": a.correct,
                     "feedback": a.feedback} for a in answers],
        "seed": attempt.seed,
    }


def _revealing_step(scenario: Scenario, cmds: list[CommandRecord]) -> int | None:
    """The first command of the trainee's that ran a step of the expert path which names the
    cause (its `expect` fragments mention a concept of the answer key)."""
    from app.training.grading import mentions, normalise

    concepts = [s for group in scenario.runbook.answer.concepts for s in group]
    key_steps = [_program(s.run) for s in scenario.expert_path
                 if any(mentions(normalise(" ".join(s.expect)), c) for c in concepts)]
    for c in cmds:
        if _program(c.command) in key_steps:
            return c.id
    return None


def history(*, db: Session, browser_id: str) -> list[Attempt]:
    if not browser_id:
        return []
    return list(db.exec(select(Attempt).where(Attempt.browser_id == browser_id)
                        .order_by(Attempt.started_at.desc())).all())  # type: ignore[attr-defined]
