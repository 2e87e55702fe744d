"""`kubedrill scenarios lint`: check scenario files and report problems as `file:line: message`.

Linting uses the loader itself, so what lint accepts is exactly what the server will load.
"""

from __future__ import annotations

from pathlib import Path

from app.catalog.loader import (
    SCENARIO_FILE,
    LintError,
    find_scenario_files,
    load_files,
)


def lint_paths(paths: list[Path]) -> list[LintError]:
    """Every problem in the given catalog directories, scenario folders or scenario files.

    Ids must be unique across all of them, as they will share one catalog.
    """
    files: list[Path] = []
    errors: list[LintError] = []
    for path in map(Path, paths):
        if path.is_file():
            files.append(path)
        elif (path / SCENARIO_FILE).is_file():
            files.append(path / SCENARIO_FILE)
        elif path.is_dir():
            found, problems = find_scenario_files(path)
            files += found
            errors += problems
        else:
            errors.append(LintError(path, 0, "no such file or directory"))
    # The same file named twice (a folder and its catalog) is not a duplicate id.
    unique = list({file.resolve(): file for file in files}.values())
    errors += load_files(unique, all_variants=True)[1]
    return sorted(errors, key=lambda e: (str(e.file), e.line))


def format_error(error: LintError) -> str:
    """`file:line: message`, or `file: message` when the problem is the whole file."""
    return str(error)
