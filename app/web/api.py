"""The JSON API of DESIGN.md: thin handlers over app.training.service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from app.events import service as events
from app.training import service
from app.web.deps import (
    AttemptDep,
    CatalogDep,
    ProviderDep,
    SessionDep,
    SettingsDep,
    facilitator_token,
    open_session,
    token_from,
)
from app.web.errors import training_error_response, validation_error_response

router = APIRouter(prefix="/api")


class AttemptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario_id: str = Field(min_length=1, max_length=100)
    name: str = Field(default="", max_length=80)
    team: str = Field(default="", max_length=80)
    event_code: str | None = Field(default=None, max_length=20)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


class ExecRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: str = Field(max_length=65536)


class ExecResponse(BaseModel):
    output: str
    exit_code: int


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    component: str = Field(max_length=64)
    cause: str = Field(max_length=4000)


@router.get("/scenarios")
def list_scenarios(catalog: CatalogDep) -> list[dict[str, Any]]:
    return [s.public() for s in catalog]


@router.post("/attempts", status_code=201)
def create_attempt(body: AttemptCreate, db: SessionDep, catalog: CatalogDep,
                   provider: ProviderDep, settings: SettingsDep,
                   request: Request) -> dict[str, Any]:
    if body.event_code:
        event = events.get_event(db=db, code=body.event_code)
        joined = events.join(db=db, catalog=catalog, provider=provider, event=event,
                             name=body.name, team=body.team, scenario_id=body.scenario_id,
                             browser_id=request.cookies.get("kd_browser", ""),
                             incident_age_s=settings.incident_age_s, seed=body.seed)
        out = service.public(joined.attempt).model_dump(mode="json")
        return out | {"token": joined.token, "rejoin_code": joined.rejoin_code}
    started = service.start_attempt(
        db=db, catalog=catalog, provider=provider, scenario_id=body.scenario_id,
        name=body.name, team=body.team, seed=body.seed,
        browser_id=request.cookies.get("kd_browser", ""),
        incident_age_s=settings.incident_age_s)
    out = service.public(started.attempt).model_dump(mode="json")
    return out | {"token": started.token}


@router.get("/attempts/{attempt_id}")
def read_attempt(attempt: AttemptDep) -> dict[str, Any]:
    return service.public(attempt).model_dump(mode="json")


# The exec route reads its own body and opens its own session: FastAPI's body parameter and
# dependencies cost ~1 ms of the server's ~10 ms per command, and this is the route a room of
# trainees calls every few seconds. The body is still validated by ExecRequest (same 422s),
# and still described in the OpenAPI document.
_EXEC_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": ExecRequest.model_json_schema()}}}}


@router.post("/attempts/{attempt_id}/exec", openapi_extra=_EXEC_BODY,
             response_model=ExecResponse)
async def exec_command(attempt_id: str, request: Request) -> Response:
    # Normally answered before the router by app/web/fast_exec.py; kept for the API document
    # and for an app assembled without that middleware.
    return await exec_response(request, attempt_id)


async def exec_response(request: Request, attempt_id: str) -> Response:
    """The whole exec route, errors included, in the shapes the app's handlers give them."""
    try:
        command = ExecRequest.model_validate_json(await request.body()).command
    except ValidationError as err:
        return validation_error_response(err.errors())
    state = request.app.state
    token = token_from(request, attempt_id)

    def run() -> dict[str, Any]:
        # The attempt is looked up and authorised inside the service, under its lock: one
        # read of the row and one trip to the thread pool per command.
        # Nothing reads the attempt after the commit: expiring it would only cost.
        with open_session(request, expire_on_commit=False) as db:
            result = service.exec_line(db=db, catalog=state.catalog, provider=state.provider,
                                       attempt_id=attempt_id, token=token, command=command,
                                       via="api", max_length=state.settings.max_command_length)
        return {"output": result.output, "exit_code": result.exit_code}

    try:
        return JSONResponse(await run_in_threadpool(run))
    except service.TrainingError as err:
        return training_error_response(err)


@router.post("/attempts/{attempt_id}/hints")
def next_hint(attempt: AttemptDep, db: SessionDep, catalog: CatalogDep) -> dict[str, Any]:
    if not events.hints_allowed(db, attempt):
        raise service.Conflict("hints are turned off for this event")
    return service.take_hint(db=db, catalog=catalog, attempt=attempt)


@router.post("/attempts/{attempt_id}/answer")
def submit_answer(body: AnswerRequest, attempt: AttemptDep, db: SessionDep,
                  catalog: CatalogDep, settings: SettingsDep) -> dict[str, Any]:
    return service.answer(db=db, catalog=catalog, attempt=attempt, component=body.component,
                          cause=body.cause, lockout_after=settings.lockout_after_wrong,
                          lockout_s=settings.lockout_s)


@router.post("/attempts/{attempt_id}/verify")
def verify_fix(attempt: AttemptDep, db: SessionDep, catalog: CatalogDep,
               provider: ProviderDep) -> dict[str, Any]:
    return service.verify(db=db, catalog=catalog, provider=provider, attempt=attempt)


@router.post("/attempts/{attempt_id}/finish")
def finish_attempt(attempt: AttemptDep, db: SessionDep, catalog: CatalogDep) -> dict[str, Any]:
    ended = service.finish(db=db, catalog=catalog, attempt=attempt)
    return service.public(ended).model_dump(mode="json")


@router.get("/attempts/{attempt_id}/debrief")
def read_debrief(attempt: AttemptDep, db: SessionDep, catalog: CatalogDep) -> dict[str, Any]:
    return service.debrief(db=db, catalog=catalog, attempt=attempt)


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=120)
    scenario_ids: list[str] = Field(min_length=1, max_length=50)
    mode: str = "individual"  # individual | teams
    choice: str = "order"  # order | pick
    duration: int | None = Field(default=None, ge=60, le=24 * 3600)  # seconds
    hints: bool = True
    leaderboard: bool = True
    start: str = "now"  # now | later (the facilitator starts it) | an ISO 8601 time
    seed_mode: str = "shared"  # shared: one variant for all | per-participant
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)  # shared: which (else random)


@router.post("/events", status_code=201)
def create_event(body: EventCreate, db: SessionDep, catalog: CatalogDep) -> dict[str, Any]:
    starts_at = None
    if body.start not in ("now", "later"):
        try:
            starts_at = datetime.fromisoformat(body.start)
        except ValueError:
            raise service.TrainingError("start must be 'now', 'later' or an ISO 8601 time"
                                        ) from None
        if starts_at.tzinfo is None:
            starts_at = starts_at.replace(tzinfo=UTC)
    created = events.create_event(db=db, catalog=catalog, name=body.name,
                                  scenario_ids=body.scenario_ids, mode=body.mode,
                                  duration_s=body.duration, hints=body.hints,
                                  leaderboard=body.leaderboard, choice=body.choice,
                                  starts_at=starts_at, start_now=body.start == "now",
                                  seed_mode=body.seed_mode, seed=body.seed)
    return {"code": created.event.code, "facilitator_token": created.facilitator_token}


@router.get("/events/{code}/leaderboard")
def read_leaderboard(code: str, request: Request, db: SessionDep,
                     catalog: CatalogDep) -> dict[str, Any]:
    event = events.get_event(db=db, code=code)
    if not event.leaderboard and event.status != "ended":
        # Hidden from participants until the end; the facilitator always sees it.
        events.authorize_facilitator(event, facilitator_token(request, event.code))
    return events.leaderboard(db=db, catalog=catalog, event=event)
