"""The scenario catalog: schema, loader and linter for `scenarios/<id>/scenario.yaml`."""

from app.catalog.lint import format_error, lint_paths
from app.catalog.loader import (
    Catalog,
    LintError,
    ScenarioError,
    load_catalog,
    load_scenario,
)
from app.catalog.schema import COMPONENTS, Check, Scenario

__all__ = [
    "COMPONENTS",
    "Catalog",
    "Check",
    "LintError",
    "Scenario",
    "ScenarioError",
    "format_error",
    "lint_paths",
    "load_catalog",
    "load_scenario",
]
