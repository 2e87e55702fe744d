"""Server-rendered pages (Jinja2 + htmx). One route serves a page or, for htmx, its fragment."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.events import service as events
from app.training import service
from app.training.service import COMPONENTS
from app.web.csrf import require_csrf
from app.web.deps import (
    BROWSER_COOKIE,
    COOKIE_PREFIX,
    CatalogDep,
    ProviderDep,
    SessionDep,
    SettingsDep,
    token_from,
)
from app.web.templating import templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
YEAR = 365 * 24 * 3600


def _browser_id(request: Request) -> str:
    return request.cookies.get(BROWSER_COOKIE) or ""


def _page(request: Request, name: str, context: dict, status_code: int = 200) -> Response:
    new_id = "" if _browser_id(request) else secrets.token_urlsafe(16)
    request.state.browser_id = new_id  # the forms' CSRF token is bound to the id being set
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if new_id:
        response.set_cookie(BROWSER_COOKIE, new_id, max_age=YEAR,
                            httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


def _owned(request: Request, db: SessionDep, catalog: CatalogDep, attempt_id: str):  # noqa: ANN202
    attempt = service.get_attempt(db=db, attempt_id=attempt_id)
    service.authorize(attempt, token_from(request, attempt_id))
    service.expire_if_due(db=db, catalog=catalog, attempt=attempt)
    return attempt


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _redirect(request: Request, url: str) -> Response:
    if _is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


LEVELS = {1: "Warm-up", 2: "Core", 3: "Intermediate", 4: "Advanced", 5: "Expert"}


@router.get("/", response_class=HTMLResponse)
def catalog_page(request: Request, catalog: CatalogDep, tag: str = "") -> Response:
    """The catalog by difficulty, filterable by tag (`/?tag=etcd`)."""
    scenarios = [s.public() for s in catalog]
    tags = sorted({t for s in scenarios for t in s["tags"]})
    shown = [s for s in scenarios if not tag or tag in s["tags"]]
    groups = [(level, LEVELS[level], [s for s in shown if s["difficulty"] == level])
              for level in sorted(LEVELS)]
    return _page(request, "pages/catalog.html", {
        "groups": [g for g in groups if g[2]], "tags": tags, "tag": tag,
        "count": len(shown)})


@router.get("/scenarios/{scenario_id}", response_class=HTMLResponse)
def briefing_page(scenario_id: str, request: Request, catalog: CatalogDep,
                  seed: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None) -> Response:
    if scenario_id not in catalog:
        raise service.NotFound(f"There is no scenario called {scenario_id!r}.")
    # Without ?seed= a new variant is drawn; ?seed=N replays one (the debrief links here).
    replay = seed is not None
    seed = secrets.randbelow(2**31) if seed is None else seed
    scenario = service.scenario_for(catalog, scenario_id, seed)
    return _page(request, "pages/briefing.html",
                 {"scenario": scenario.public(), "seed": seed, "replay": replay,
                  "has_variants": bool(catalog.variants(scenario_id))})


@router.post("/scenarios/{scenario_id}/start")
def start(scenario_id: str, request: Request, db: SessionDep, catalog: CatalogDep,
          provider: ProviderDep, settings: SettingsDep,
          name: Annotated[str, Form(max_length=80)] = "",
          seed: Annotated[int | None, Form(ge=0, le=2**31 - 1)] = None) -> Response:
    browser_id = _browser_id(request) or secrets.token_urlsafe(16)
    started = service.start_attempt(db=db, catalog=catalog, provider=provider,
                                    scenario_id=scenario_id, name=name, browser_id=browser_id,
                                    incident_age_s=settings.incident_age_s, seed=seed)
    response = RedirectResponse(f"/attempts/{started.attempt.id}", status_code=303)
    if not _browser_id(request):
        response.set_cookie(BROWSER_COOKIE, browser_id, max_age=YEAR, httponly=True,
                            samesite="lax", secure=request.url.scheme == "https")
    response.set_cookie(COOKIE_PREFIX + started.attempt.id, started.token, max_age=7 * 24 * 3600,
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


@router.get("/attempts/{attempt_id}", response_class=HTMLResponse)
def play_page(attempt_id: str, request: Request, db: SessionDep,
              catalog: CatalogDep) -> Response:
    attempt = _owned(request, db, catalog, attempt_id)
    if attempt.status in ("provisioning", "failed"):
        scenario = service.attempt_scenario(catalog, attempt)
        return _page(request, "pages/provisioning.html",
                     {"attempt": attempt, "scenario": scenario.public()})
    if attempt.status != "active":
        return RedirectResponse(f"/attempts/{attempt_id}/debrief", status_code=303)
    scenario = service.attempt_scenario(catalog, attempt)
    event = events.event_of(db, attempt)
    return _page(request, "pages/play.html", {
        "attempt": attempt, "scenario": scenario.public(), "components": COMPONENTS,
        "show_leaderboard": bool(event and event.leaderboard),
        "hints_allowed": event is None or event.hints,
        "hints": service.hints_taken(db=db, catalog=catalog, attempt=attempt),
        "deadline": service.aware(attempt.deadline).isoformat(),
        "server_now": service.now().isoformat(),
    })


@router.get("/attempts/{attempt_id}/progress", response_class=HTMLResponse)
def progress(attempt_id: str, request: Request, db: SessionDep, catalog: CatalogDep) -> Response:
    """What a kind cluster's provisioning is doing; once ready, the play page takes over."""
    attempt = _owned(request, db, catalog, attempt_id)
    if attempt.status not in ("provisioning", "failed"):
        return _redirect(request, f"/attempts/{attempt_id}")
    return templates.TemplateResponse(request, "partials/progress.html", {"attempt": attempt})


@router.post("/attempts/{attempt_id}/hints", response_class=HTMLResponse)
def hint(attempt_id: str, request: Request, db: SessionDep, catalog: CatalogDep) -> Response:
    attempt = _owned(request, db, catalog, attempt_id)
    error = ""
    try:
        if not events.hints_allowed(db, attempt):
            raise service.Conflict("hints are turned off for this event")
        service.take_hint(db=db, catalog=catalog, attempt=attempt)
    except service.Conflict as err:
        error = err.detail
    if not _is_htmx(request):
        return RedirectResponse(f"/attempts/{attempt_id}", status_code=303)
    scenario = service.attempt_scenario(catalog, attempt)
    return templates.TemplateResponse(request, "partials/hints.html", {
        "attempt": attempt, "scenario": scenario.public(), "error": error,
        "hints_allowed": events.hints_allowed(db, attempt),
        "hints": service.hints_taken(db=db, catalog=catalog, attempt=attempt)})


@router.post("/attempts/{attempt_id}/answer", response_class=HTMLResponse)
def answer(attempt_id: str, request: Request, db: SessionDep, catalog: CatalogDep,
           settings: SettingsDep, component: Annotated[str, Form(max_length=64)],
           cause: Annotated[str, Form(max_length=4000)]) -> Response:
    attempt = _owned(request, db, catalog, attempt_id)
    try:
        result = service.answer(db=db, catalog=catalog, attempt=attempt, component=component,
                                cause=cause, lockout_after=settings.lockout_after_wrong,
                                lockout_s=settings.lockout_s)
    except (service.Locked, service.Conflict) as err:
        result = {"correct": False, "feedback": err.detail, "locked": True}
    except service.TrainingError as err:
        result = {"correct": False, "feedback": err.detail}
    if result.get("correct") or attempt.status != "active":
        return _redirect(request, f"/attempts/{attempt_id}/debrief")
    if not _is_htmx(request):
        return RedirectResponse(f"/attempts/{attempt_id}", status_code=303)
    return templates.TemplateResponse(request, "partials/feedback.html", {"result": result})


@router.post("/attempts/{attempt_id}/verify", response_class=HTMLResponse)
def verify(attempt_id: str, request: Request, db: SessionDep, catalog: CatalogDep,
           provider: ProviderDep) -> Response:
    attempt = _owned(request, db, catalog, attempt_id)
    try:
        result = service.verify(db=db, catalog=catalog, provider=provider, attempt=attempt)
    except service.Conflict:
        return _redirect(request, f"/attempts/{attempt_id}/debrief")
    if not _is_htmx(request):
        return RedirectResponse(f"/attempts/{attempt_id}", status_code=303)
    return templates.TemplateResponse(request, "partials/checks.html", {"result": result})


@router.post("/attempts/{attempt_id}/finish")
def finish(attempt_id: str, request: Request, db: SessionDep, catalog: CatalogDep) -> Response:
    attempt = _owned(request, db, catalog, attempt_id)
    service.finish(db=db, catalog=catalog, attempt=attempt)
    return _redirect(request, f"/attempts/{attempt_id}/debrief")


@router.get("/attempts/{attempt_id}/debrief", response_class=HTMLResponse)
def debrief_page(attempt_id: str, request: Request, db: SessionDep,
                 catalog: CatalogDep) -> Response:
    # Read-only and shareable by its link once the attempt has ended: nothing left to leak.
    attempt = service.get_attempt(db=db, attempt_id=attempt_id)
    service.expire_if_due(db=db, catalog=catalog, attempt=attempt)
    if attempt.status not in service.ENDED:
        if token_from(request, attempt_id):
            return RedirectResponse(f"/attempts/{attempt_id}", status_code=303)
        raise service.Conflict("This attempt is still running; its debrief opens when it ends.")
    data = service.debrief(db=db, catalog=catalog, attempt=attempt)
    return _page(request, "pages/debrief.html", {"d": data, "attempt": attempt})


@router.get("/me", response_class=HTMLResponse)
def my_drills(request: Request, db: SessionDep, catalog: CatalogDep) -> Response:
    attempts = service.history(db=db, browser_id=_browser_id(request))
    titles = {s.id: s.title for s in catalog}
    return _page(request, "pages/history.html", {"attempts": attempts, "titles": titles})
