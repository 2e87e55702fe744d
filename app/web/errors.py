"""The JSON shapes of the API's errors, shared by the app's exception handlers and the routes
that answer without FastAPI's router (app/web/fast_exec.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.responses import JSONResponse

from app.training.service import TrainingError


def training_error_response(exc: TrainingError) -> JSONResponse:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


def validation_detail(errors: Sequence[Any]) -> str:
    """One line for a 422: `field: message` per problem, the body's own location left out."""
    parts = []
    for e in errors:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
        parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
    return "; ".join(parts) or "invalid request"


def validation_error_response(errors: Sequence[Any]) -> JSONResponse:
    return JSONResponse({"detail": validation_detail(errors)}, status_code=422)
