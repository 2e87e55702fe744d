"""Dependencies that make route signatures read like sentences (SessionDep, AttemptDep...)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.catalog.loader import Catalog
from app.config import Settings
from app.db import get_engine
from app.training import service
from app.training.models import Attempt
from app.training.service import Provider

COOKIE_PREFIX = "kd_attempt_"
FACILITATOR_PREFIX = "kd_facilitator_"
BROWSER_COOKIE = "kd_browser"


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session for the request. `async` so that FastAPI does not hop to the thread pool to
    open it and again to close it: opening does no I/O (the connection is taken on first use,
    in the route's thread) and closing hands the connection back to the pool."""
    with open_session(request) as db:
        yield db


def open_session(request: Request, *, expire_on_commit: bool = True) -> Session:
    """A session on the app's database (no I/O until first use)."""
    return Session(get_engine(request.app.state.settings.database_url),
                   expire_on_commit=expire_on_commit)


# The getters below are `async def` only so that FastAPI calls them on the event loop: a plain
# `def` dependency is sent to the thread pool, one hop (and GIL hand-over) per dependency per
# request, which cost more than the lookups themselves.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_catalog(request: Request) -> Catalog:
    return request.app.state.catalog


async def get_provider(request: Request) -> Provider:
    return request.app.state.provider


SessionDep = Annotated[Session, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
ProviderDep = Annotated[Provider, Depends(get_provider)]


def token_from(request: Request, attempt_id: str) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(COOKIE_PREFIX + attempt_id)


def facilitator_token(request: Request, code: str) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(FACILITATOR_PREFIX + code.upper())


def get_attempt(attempt_id: str, request: Request, db: SessionDep,
                catalog: CatalogDep) -> Attempt:
    """The attempt named in the path, if the caller holds its token (Bearer or page cookie)."""
    attempt = service.get_attempt(db=db, attempt_id=attempt_id)
    service.authorize(attempt, token_from(request, attempt_id))
    service.expire_if_due(db=db, catalog=catalog, attempt=attempt)
    return attempt


AttemptDep = Annotated[Attempt, Depends(get_attempt)]
