"""Helpers shared by the catalog tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from app.catalog import LintError, format_error

DATA = Path(__file__).parent / "data"
SCENARIO_ID = "etcd-manifest-typo"

Edit = Callable[[str, str], Path]


class FlagParams(BaseModel):
    """Params of the test double fault type `test-flag`."""

    model_config = ConfigDict(extra="forbid")

    manifest: str
    rename: str
    to: str

    @model_validator(mode="after")
    def _changes_something(self) -> FlagParams:
        if self.rename == self.to:
            raise ValueError("`to` must differ from `rename`")
        return self


def relative(errors: list[LintError], root: Path) -> list[str]:
    """Errors as `file:line: message` with paths relative to `root`, to compare exactly."""
    return [format_error(replace(e, file=e.file.relative_to(root))) for e in errors]
