"""The `kubedrill` command: serve, db upgrade, scenarios list|lint|play|check."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from app.config import get_settings

app = typer.Typer(help="kubedrill: incident training for Kubernetes engineers.",
                  no_args_is_help=True, add_completion=False)
scenarios_app = typer.Typer(help="List, lint and play scenarios.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(scenarios_app, name="scenarios")
stats_app = typer.Typer(help="Usage figures from the database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(stats_app, name="stats")


@app.command()
def serve(host: Annotated[str | None, typer.Option(help="Default KUBEDRILL_HOST")] = None,
          port: Annotated[int | None, typer.Option(help="Default KUBEDRILL_PORT")] = None,
          reload: Annotated[bool, typer.Option(help="Reload on code changes")] = False) -> None:
    """Serve the web app."""
    import uvicorn

    settings = get_settings()
    uvicorn.run("app.main:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, reload=reload, proxy_headers=True,
                access_log=False)  # the app logs each request as JSON, with its id


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply database migrations (also done at every start)."""
    from app.db import upgrade

    upgrade(get_settings().database_url, revision)
    typer.echo(f"database at {revision}")


@scenarios_app.command("list")
def scenarios_list() -> None:
    """List the scenarios that would be served."""
    from app.catalog.loader import load_catalog

    catalog = load_catalog(get_settings().scenarios_dir)
    for s in catalog:
        typer.echo(f"{s.id:32} difficulty {s.difficulty}  {s.time_limit // 60:3d} min  {s.title}")
    for err in catalog.errors:
        typer.echo(f"not served: {err}", err=True)


@scenarios_app.command("lint")
def scenarios_lint(paths: Annotated[list[Path] | None, typer.Argument()] = None) -> None:
    """Check scenario files; print every problem as file:line: message."""
    from app.catalog.lint import format_error, lint_paths

    targets = paths or [get_settings().scenarios_dir]
    errors = lint_paths(list(targets))
    for err in errors:
        typer.echo(format_error(err))
    if errors:
        typer.echo(f"{len(errors)} problem(s) found", err=True)
        raise typer.Exit(1)
    typer.echo("all scenarios are valid")


@scenarios_app.command("play")
def scenarios_play(scenario_id: str,
                   seed: Annotated[int, typer.Option(help="Variant seed")] = 0) -> None:
    """Play a drill in this terminal against the twin (for scenario authors)."""
    from app.catalog.loader import load_catalog
    from app.training.player import play

    catalog = load_catalog(get_settings().scenarios_dir)
    if scenario_id not in catalog:
        typer.echo(f"unknown scenario {scenario_id!r}", err=True)
        raise typer.Exit(2)
    play(catalog.render(scenario_id, seed), seed=seed, stdin=sys.stdin, stdout=sys.stdout)


@scenarios_app.command("check")
def scenarios_check(scenario_id: Annotated[str | None, typer.Argument()] = None,
                    seed: Annotated[int | None, typer.Option(
                        help="Only this variant (default: every variant)")] = None) -> None:
    """Run each scenario's expert path, fix path and checks; report the step that fails."""
    from app.catalog.loader import load_catalog
    from app.training.player import check, variants_to_check

    catalog = load_catalog(get_settings().scenarios_dir)
    if scenario_id and scenario_id not in catalog:
        typer.echo(f"unknown or invalid scenario {scenario_id!r} (see kubedrill scenarios lint)",
                   err=True)
        raise typer.Exit(2)
    chosen = [catalog.get(scenario_id)] if scenario_id else list(catalog)
    failed = 0
    for canonical in chosen:
        for label, scenario in variants_to_check(catalog, canonical.id, seed):
            problems = check(scenario)
            status = "ok" if not problems else "FAILED"
            typer.echo(f"{scenario.id}{label}: {status}")
            for p in problems:
                typer.echo(f"  {p}")
            failed += bool(problems)
    if failed:
        raise typer.Exit(1)


@stats_app.command("commands")
def stats_commands() -> None:
    """Commands trainees typed that the twin answered with `command not found`, per scenario."""
    from sqlmodel import Session

    from app.db import get_engine, upgrade
    from app.training.stats import unknown_commands

    settings = get_settings()
    upgrade(settings.database_url)
    with Session(get_engine(settings.database_url)) as db:
        rows = unknown_commands(db)
    if not rows:
        typer.echo("no unknown commands recorded")
        return
    typer.echo(f"{'SCENARIO':32} {'COMMAND':24} COUNT")
    for scenario, program, count in rows:
        typer.echo(f"{scenario:32} {program:24} {count}")


def main() -> None:
    app()
