"""The `kubedrill` command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app
from app.config import Settings, get_settings

runner = CliRunner()


def test_lint_reports_file_line_message_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / "scenario.yaml").write_text("id: broken\ntitle: x\ndifficulty: 9\nbogus: 1\n")
    result = runner.invoke(app, ["scenarios", "lint", str(bad)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith(f"{bad / 'scenario.yaml'}:3: ") for line in lines), lines
    assert any(line.startswith(f"{bad / 'scenario.yaml'}:4: ") and "bogus" in line
               for line in lines), lines


def test_lint_of_the_catalog_passes() -> None:
    result = runner.invoke(app, ["scenarios", "lint", "scenarios"])
    assert result.exit_code == 0, result.output


def test_list_shows_the_scenarios() -> None:
    result = runner.invoke(app, ["scenarios", "list"])
    assert "etcd-manifest-typo" in result.output


def test_check_plays_a_scenario_to_ok() -> None:
    result = runner.invoke(app, ["scenarios", "check", "etcd-manifest-typo"])
    assert result.exit_code == 0, result.output
    # Every variant is played, each named by its values: the canonical one first.
    lines = result.output.splitlines()
    assert lines[0] == "etcd-manifest-typo [flag=listen-client-url]: ok"
    assert len(lines) == 5 and all(line.endswith(": ok") for line in lines)
    one = runner.invoke(app, ["scenarios", "check", "etcd-manifest-typo", "--seed", "0"])
    assert one.exit_code == 0 and one.output == \
        "etcd-manifest-typo [seed 0: flag=listen-client-url]: ok\n", one.output


def test_stats_counts_commands_the_twin_does_not_know(
        client: TestClient, attempt: dict, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for line in ("frobnicate --now", "frobnicate", "ls"):
        client.post(f"/api/attempts/{attempt['id']}/exec", json={"command": line},
                    headers=attempt["headers"])
    monkeypatch.setenv("KUBEDRILL_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["stats", "commands"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    row = [line for line in result.output.splitlines() if "frobnicate" in line][0]
    assert row.split() == ["etcd-manifest-typo", "frobnicate", "2"]
