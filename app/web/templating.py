"""Jinja2 templates with the filters the pages need (safe markdown, durations, times)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.web.csrf import template_context

ROOT = Path(__file__).resolve().parent.parent.parent
templates = Jinja2Templates(directory=ROOT / "templates", context_processors=[template_context])

# Raw HTML off: scenario text is rendered as markdown only, never as markup.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def markdown(text: str) -> Markup:
    return Markup(_md.render(text or ""))  # noqa: S704 - html disabled above


def duration(seconds: float | int | None) -> str:
    s = int(seconds or 0)
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s" if s % 60 else f"{s // 60} min"
    return f"{s}s"


def clock(seconds: float | int | None) -> str:
    s = int(seconds or 0)
    return f"{s // 60:02d}:{s % 60:02d}"


templates.env.filters["markdown"] = markdown
templates.env.filters["duration"] = duration
templates.env.filters["clock"] = clock
