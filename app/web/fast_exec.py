"""The exec route answered before FastAPI's router.

A room of trainees calls `POST /api/attempts/{id}/exec` every few seconds. FastAPI (0.16x)
matches a request by walking every included router twice and solves the route's (empty)
dependencies on the way: about a third of the server's own work per command, outside the
command itself. This middleware sits inside the limits and the request log, matches that one
path and hands it to the same function the FastAPI route calls (`api.exec_response`), which
gives every answer, errors included, the shape the app's handlers give it. Everything else,
and this path with another method or a trailing slash, goes on to the router.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.api import exec_response
from app.web.paths import EXEC_PATH


class ExecFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and scope["method"] == "POST" \
                and (match := EXEC_PATH.match(path)) and not path.endswith("/"):
            scope["path_params"] = {"attempt_id": match["id"]}
            response = await exec_response(Request(scope, receive), match["id"])
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
