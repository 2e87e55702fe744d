"""The fake kind/docker/kubectl harness: executables first on PATH, a state dir, helpers."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.providers.kind.provider import KindProvider
from app.providers.kind.tools import Tools

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

LAUNCHER = """#!{python}
import sys
sys.path.insert(0, {repo!r})
sys.path.insert(0, {here!r})
from fake_tools import main
sys.exit(main({tool!r}, sys.argv[1:]))
"""


@dataclass
class Fake:
    bin: Path
    state: Path

    def calls(self, tool: str | None = None) -> list[dict]:
        path = self.state / "calls.jsonl"
        if not path.exists():
            return []
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        return [r for r in rows if tool is None or r["tool"] == tool]

    def argvs(self, tool: str) -> list[list[str]]:
        return [c["argv"] for c in self.calls(tool)]

    def fail(self, **failures: object) -> None:
        (self.state / "failures.json").write_text(json.dumps(failures))

    def twin(self, name: str):  # noqa: ANN201 - SimCluster
        sys.path.insert(0, str(HERE))
        from fake_tools import load  # type: ignore[import-not-found]

        os.environ["KD_FAKE_STATE"] = str(self.state)
        return load(name)[0]

    def advance(self, name: str, seconds: float) -> None:
        """Move the twin behind a fake cluster forward (back-offs, restarts)."""
        path = self.state / "clusters" / f"{name}.json"
        raw = json.loads(path.read_text())
        raw["twin"]["clock"]["offset"] = (raw["twin"]["clock"].get("offset") or 0) + seconds
        path.write_text(json.dumps(raw))


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Fake:
    bin_dir = tmp_path / "bin"
    state = tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    for tool in ("kind", "docker", "kubectl"):
        exe = bin_dir / tool
        exe.write_text(LAUNCHER.format(python=sys.executable, repo=str(REPO), here=str(HERE),
                                       tool=tool))
        exe.chmod(0o755)
    monkeypatch.setenv("KD_FAKE_BASE_ENV", json.dumps(sorted(os.environ) + ["KD_FAKE_STATE",
                                                                         "KD_FAKE_BASE_ENV"]))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("KD_FAKE_STATE", str(state))
    return Fake(bin_dir, state)


@pytest.fixture
def provider(fake: Fake, tmp_path: Path) -> KindProvider:
    return KindProvider(Tools(), tmp_path / "work", create_timeout_s=60)
