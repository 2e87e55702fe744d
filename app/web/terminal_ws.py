"""The terminal WebSocket: line-mode protocol between xterm.js (static/js/terminal.js) and the
twin's shell. JSON frames; see docs in static/js/terminal.js for the message types."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db import get_engine
from app.providers.sim.shell.follow import plan
from app.training import service
from app.web.deps import COOKIE_PREFIX
from app.web.limits import attempt_key, refusal_frame
from app.web.terminal_stream import Stream

router = APIRouter()
log = logging.getLogger(__name__)
MAX_FRAME = 65536

BANNER = ("kubedrill: you are root on {node}. Investigate, fix what you can, then answer.\r\n"
          "Type `help` for the commands this shell knows.\r\n")


@router.websocket("/api/attempts/{attempt_id}/terminal")
async def terminal(websocket: WebSocket, attempt_id: str) -> None:
    app = websocket.app
    token = websocket.query_params.get("token") or websocket.cookies.get(COOKIE_PREFIX + attempt_id)
    engine = get_engine(app.state.settings.database_url)
    with Session(engine) as db:
        try:
            attempt = service.get_attempt(db=db, attempt_id=attempt_id)
            service.authorize(attempt, token)
            provider = attempt.provider
        except service.TrainingError as err:
            await websocket.close(code=4403 if err.status_code == 403 else 4404,
                                  reason=err.detail)
            return
    await websocket.accept()
    if provider == "kind":  # a real shell on a kind node, keystroke by keystroke
        from app.web import terminal_raw
        await terminal_raw.serve(websocket, engine, attempt_id, app.state,
                                 attempt_key(attempt_id, token))
        return
    ctx = {"catalog": app.state.catalog, "provider": app.state.provider,
           "settings": app.state.settings, "limiter": app.state.limiter,
           "limit_key": attempt_key(attempt_id, token)}
    try:
        await _hello(websocket, engine, attempt_id, ctx)
        while True:
            raw = await websocket.receive_text()
            if len(raw) > MAX_FRAME:
                await websocket.send_json({"type": "error", "detail": "message too large"})
                continue
            try:
                msg = json.loads(raw)
            except ValueError:
                await websocket.send_json({"type": "error", "detail": "invalid JSON"})
                continue
            if not isinstance(msg, dict):
                continue
            if not await _handle(websocket, engine, attempt_id, msg, ctx):
                return
    except WebSocketDisconnect:
        return
    finally:
        stream = ctx.get("stream")
        if stream is not None and stream.task is not None:
            stream.stop()
            stream.task.cancel()


async def _hello(ws: WebSocket, engine, attempt_id: str, ctx: dict) -> None:  # noqa: ANN001
    def hello() -> dict:
        with Session(engine) as db:
            attempt = service.get_attempt(db=db, attempt_id=attempt_id)
            service.expire_if_due(db=db, catalog=ctx["catalog"], attempt=attempt)
            if attempt.status != "active":
                return {"type": "ended", "detail": f"This attempt has ended ({attempt.status})."}
            prompt, node = service.prompt(provider=ctx["provider"], attempt=attempt)
            return {"type": "hello", "prompt": prompt, "node": node,
                    "banner": BANNER.format(node=node)}

    await ws.send_json(await run_in_threadpool(hello))


EDITOR = re.compile(r"^\s*(vi|vim|view|nano|vim\.tiny|editor)\s+([^\s;|&<>$`]+)\s*$")
KUBECTL_EDIT = re.compile(r"^\s*kubectl\s+edit\s+([^;|&<>$`]+?)\s*$")


async def _kubectl_edit(ws: WebSocket, engine, attempt_id: str, command: str, args: str,  # noqa: ANN001
                        ctx: dict) -> None:
    def open_object() -> dict:
        with Session(engine) as db:
            attempt = service.get_attempt(db=db, attempt_id=attempt_id)
            path, node, text = service.open_kubectl_edit(
                db=db, catalog=ctx["catalog"], provider=ctx["provider"], attempt=attempt,
                args=args)
            ctx["editing"] = (path, "kubectl edit", text, command)
            return {"type": "edit", "path": path, "node": node, "content": text,
                    "readonly": False}

    try:
        await ws.send_json(await run_in_threadpool(open_object))
    except service.TrainingError as err:
        await ws.send_json({"type": "output", "data": f"{err.detail}\n"})
        await _done(ws, engine, attempt_id, ctx, 1)


async def _edit(ws: WebSocket, engine, attempt_id: str, m: re.Match, ctx: dict) -> None:  # noqa: ANN001
    editor, path = m.group(1), m.group(2)

    def open_file() -> dict:
        with Session(engine) as db:
            attempt = service.get_attempt(db=db, attempt_id=attempt_id)
            real, node, text = service.open_for_edit(db=db, catalog=ctx["catalog"],
                                                     provider=ctx["provider"], attempt=attempt,
                                                     path=path)
            ctx["editing"] = (real, editor)
            return {"type": "edit", "path": real, "node": node, "content": text,
                    "readonly": editor == "view"}

    try:
        await ws.send_json(await run_in_threadpool(open_file))
    except service.TrainingError as err:
        await ws.send_json({"type": "output", "data": f"{editor}: {err.detail}\n"})
        await _done(ws, engine, attempt_id, ctx, 1)


async def _saved(ws: WebSocket, engine, attempt_id: str, msg: dict, ctx: dict) -> None:  # noqa: ANN001
    editing = ctx.pop("editing", None)
    if editing is None or msg.get("path") != editing[0]:
        await ws.send_json({"type": "error", "detail": "no file is open in the editor"})
        return
    content = str(msg.get("content", "")) if msg.get("type") == "save" else None
    if editing[1] == "kubectl edit":
        await _saved_object(ws, engine, attempt_id, editing, content, ctx)
        return

    def save() -> str:
        with Session(engine) as db:
            attempt = service.get_attempt(db=db, attempt_id=attempt_id)
            return service.save_from_editor(db=db, catalog=ctx["catalog"],
                                            provider=ctx["provider"], attempt=attempt,
                                            path=editing[0], content=content, editor=editing[1])

    try:
        text = await run_in_threadpool(save)
        if text:
            await ws.send_json({"type": "output", "data": text})
        await _done(ws, engine, attempt_id, ctx, 0)
    except service.TrainingError as err:
        await ws.send_json({"type": "output", "data": f"{editing[1]}: {err.detail}\n"})
        await _done(ws, engine, attempt_id, ctx, 1)


async def _saved_object(ws: WebSocket, engine, attempt_id: str, editing: tuple,  # noqa: ANN001
                        content: str | None, ctx: dict) -> None:
    path, _, original, command = editing

    def save() -> tuple[str, int]:
        with Session(engine) as db:
            attempt = service.get_attempt(db=db, attempt_id=attempt_id)
            return service.save_kubectl_edit(db=db, catalog=ctx["catalog"],
                                             provider=ctx["provider"], attempt=attempt,
                                             path=path, original=original, content=content,
                                             command=command)

    try:
        text, code = await run_in_threadpool(save)
    except service.TrainingError as err:
        text, code = f"error: {err.detail}\n", 1
    await ws.send_json({"type": "output", "data": text})
    await _done(ws, engine, attempt_id, ctx, code)


async def _done(ws: WebSocket, engine, attempt_id: str, ctx: dict, code: int) -> None:  # noqa: ANN001
    def prompt() -> str:
        with Session(engine) as db:
            attempt = service.get_attempt(db=db, attempt_id=attempt_id)
            return service.prompt(provider=ctx["provider"], attempt=attempt)[0]

    await ws.send_json({"type": "done", "exit_code": code,
                        "prompt": await run_in_threadpool(prompt)})


async def _handle(ws: WebSocket, engine, attempt_id: str, msg: dict, ctx: dict) -> bool:  # noqa: ANN001
    kind = msg.get("type")
    if kind in ("save", "cancel"):
        await _saved(ws, engine, attempt_id, msg, ctx)
        return True
    if kind == "exec" and KUBECTL_EDIT.match(str(msg.get("command", ""))) \
            and ctx["provider"].name == "sim":
        command = str(msg["command"])
        await _kubectl_edit(ws, engine, attempt_id, command,
                            KUBECTL_EDIT.match(command).group(1), ctx)  # type: ignore[union-attr]
        return True
    if kind == "exec" and EDITOR.match(str(msg.get("command", ""))):
        await _edit(ws, engine, attempt_id, EDITOR.match(str(msg["command"])), ctx)
        return True
    if kind == "interrupt":
        stream = ctx.pop("stream", None)
        if stream is not None:
            stream.stop()
        return True
    if kind == "exec":
        command = str(msg.get("command", ""))
        await _stop_stream(ctx)
        wait = ctx["limiter"].retry_after("command", ctx["limit_key"])
        if wait:
            await ws.send_json(refusal_frame("command", wait))
            await ws.send_json({"type": "done", "exit_code": 1})  # no prompt: keep the shown one
            return True

        def run() -> list[dict]:
            with Session(engine) as db:
                attempt = service.get_attempt(db=db, attempt_id=attempt_id)
                try:
                    result = service.run_command(
                        db=db, catalog=ctx["catalog"], provider=ctx["provider"],
                        attempt=attempt, command=command, via="terminal",
                        max_length=ctx["settings"].max_command_length)
                except service.Conflict as err:
                    return [{"type": "ended", "detail": err.detail}]
                except service.TrainingError as err:
                    return [{"type": "error", "detail": err.detail},
                            {"type": "done", "exit_code": 1,
                             "prompt": service.prompt(provider=ctx["provider"],
                                                      attempt=attempt)[0]}]
                prompt, _ = service.prompt(provider=ctx["provider"], attempt=attempt)
                out: list[dict] = []
                if result.output.startswith("\x1b[H\x1b[2J") or command.strip() == "clear":
                    out.append({"type": "clear"})
                elif result.output:
                    out.append({"type": "output", "data": result.output})
                out.append({"type": "done", "exit_code": result.exit_code, "prompt": prompt})
                return out

        metrics = ws.app.state.metrics
        capacity = ws.app.state.capacity
        if not capacity.try_enter():  # the same cap as the API's requests in progress
            metrics.inc("kubedrill_rate_limited_total", status="503")
            await ws.send_json({"type": "error", "retry_after": capacity.retry_after_s,
                                "detail": capacity.busy_message})
            await ws.send_json({"type": "done", "exit_code": 1})  # no prompt: keep the shown one
            return True
        started = time.perf_counter()
        try:
            frames = await run_in_threadpool(run)
        except Exception:  # noqa: BLE001 - a trainee's line must never kill the session
            metrics.inc("kubedrill_provider_errors_total")
            log.exception("terminal command failed: %r", command[:200])
            frames = [{"type": "error", "detail": "internal error running that command"},
                      {"type": "done", "exit_code": 1, "prompt": "# "}]
        finally:
            capacity.leave()
        metrics.inc("kubedrill_commands_total", via="terminal")
        metrics.observe("kubedrill_command_duration_seconds", time.perf_counter() - started,
                        via="terminal")
        follow = plan(command) if frames[-1].get("exit_code") == 0 \
            and ctx["provider"].name == "sim" else None
        if follow is not None:  # keep the command running: the stream sends `done` at Ctrl-C
            frames = frames[:-1]
        for frame in frames:
            await ws.send_json(frame)
        if follow is not None:
            stream = ctx["stream"] = Stream(follow)
            stream.task = asyncio.create_task(stream.run(
                ws, engine, attempt_id, ctx,
                lambda code: _done(ws, engine, attempt_id, ctx, code)))
        return not frames or frames[-1]["type"] != "ended"
    if kind == "complete":
        def complete() -> dict:
            with Session(engine) as db:
                attempt = service.get_attempt(db=db, attempt_id=attempt_id)
                line, items = service.complete(provider=ctx["provider"], attempt=attempt,
                                               line=str(msg.get("line", ""))[:4096],
                                               cursor=int(msg.get("cursor", 0) or 0))
                return {"type": "completions", "line": line, "items": items[:200]}

        await ws.send_json(await run_in_threadpool(complete))
        return True
    # resize needs no answer in line mode.
    return True


async def _stop_stream(ctx: dict) -> None:
    stream = ctx.pop("stream", None)
    if stream is not None and stream.task is not None:
        stream.stop()
        await stream.task
