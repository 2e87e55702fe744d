"""Load scenario files into `Scenario` models, explaining every problem as `file:line: message`.

Loading happens in three steps: parse the YAML keeping its node tree (for line numbers), check
what only the file system knows (folder name, workload files), then validate with the schema.
Validation errors carry a pydantic `loc`; it is walked down the YAML node tree to find the line
of the key or list item it names.
"""

from __future__ import annotations

import difflib
import threading
import types
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from app.catalog import variants as var
from app.catalog.schema import Scenario

SCENARIO_FILE = "scenario.yaml"

# Errors about a key that is absent or unwanted are worded on the mapping that holds the key.
_KEY_ERRORS = frozenset({"missing", "extra_forbidden", "unknown_key"})


@dataclass(frozen=True)
class LintError:
    file: Path
    line: int  # 1-based; 0 when the problem is the file or folder itself
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario file is invalid; `errors` lists every problem found, not just the first."""

    def __init__(self, errors: list[LintError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass(frozen=True)
class Source:
    """A scenario file as loaded: its text and variants, so any variant can be rendered."""

    file: Path
    text: str
    variants: var.Variants


RENDER_CACHE = 256  # rendered variants kept per catalog (least recently used dropped)


@dataclass
class Catalog:
    """The valid scenarios by id, easiest first, and what was wrong with the others.

    `get(id)` is the canonical scenario (seed 0), exactly as written; `render(id, seed)` is the
    variant an attempt with that seed plays.
    """

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    errors: list[LintError] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    _cache: OrderedDict[tuple[str, str], Scenario] = field(
        default_factory=OrderedDict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def get(self, scenario_id: str) -> Scenario:
        return self.scenarios[scenario_id]

    def variants(self, scenario_id: str) -> var.Variants:
        source = self.sources.get(scenario_id)
        return source.variants if source else var.Variants({})

    def values(self, scenario_id: str, seed: int) -> dict[str, Any]:
        """The variant values a seed picks for a scenario ({} when it has no variants)."""
        return self.variants(scenario_id).pick(scenario_id, seed)

    def render(self, scenario_id: str, seed: int) -> Scenario:
        """The scenario as played with `seed`: same seed, same texts, faults and answer key.

        Raises KeyError for an unknown id, ScenarioError when this variant is invalid (which
        `kubedrill scenarios lint` reports before a trainee can meet it).
        """
        canonical = self.scenarios[scenario_id]
        source = self.sources.get(scenario_id)
        if source is None or not source.variants or seed == 0:
            return canonical
        values = source.variants.pick(scenario_id, seed)
        if values == source.variants.canonical():
            return canonical
        cache_key = (scenario_id, var.key(values))
        with self._lock:
            if cache_key in self._cache:
                self._cache.move_to_end(cache_key)
                return self._cache[cache_key]
        scenario = render_variant(source, values)
        with self._lock:
            self._cache[cache_key] = scenario
            while len(self._cache) > RENDER_CACHE:
                self._cache.popitem(last=False)
        return scenario

    def __contains__(self, scenario_id: object) -> bool:
        return scenario_id in self.scenarios

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self.scenarios.values())

    def __len__(self) -> int:
        return len(self.scenarios)


def load_scenario(path: Path | str) -> Scenario:
    """Load one scenario from its scenario.yaml or its folder; raise ScenarioError if invalid."""
    scenario, errors, _ = _load(_scenario_file(Path(path)))
    if scenario is None:
        raise ScenarioError(errors)
    return scenario


def load_catalog(directory: Path | str) -> Catalog:
    """Load every `<id>/scenario.yaml` under `directory`, keeping the valid ones."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"scenario directory {directory} does not exist")
    files, errors = find_scenario_files(directory)
    sources: dict[str, Source] = {}
    scenarios, more = load_files(files, sources=sources)
    ordered = sorted(scenarios.values(), key=lambda s: (s.difficulty, s.title.lower(), s.id))
    return Catalog({s.id: s for s in ordered}, errors + more,
                   {s.id: sources[s.id] for s in ordered if s.id in sources})


def find_scenario_files(directory: Path) -> tuple[list[Path], list[LintError]]:
    """Each sub-folder of a catalog directory must hold a scenario.yaml."""
    files: list[Path] = []
    errors: list[LintError] = []
    for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
        if folder.name.startswith((".", "_")):
            continue
        if (folder / SCENARIO_FILE).is_file():
            files.append(folder / SCENARIO_FILE)
        elif (folder / "scenario.yml").is_file():
            errors.append(LintError(folder / "scenario.yml", 0,
                                    f"rename this file to {SCENARIO_FILE}"))
        else:
            errors.append(LintError(folder, 0, f"folder has no {SCENARIO_FILE}"))
    return files, errors


def load_files(files: list[Path], *, sources: dict[str, Source] | None = None,
               all_variants: bool = False) -> tuple[dict[str, Scenario], list[LintError]]:
    """Load scenario files, rejecting any whose id another file already uses.

    The canonical variant (seed 0) is what is loaded; with `all_variants` (lint) every
    combination of the file's variants (or a seeded sample) is validated too, each problem
    prefixed with the values that cause it. `sources` receives each file's text and variants.
    """
    scenarios: dict[str, Scenario] = {}
    first_file: dict[str, Path] = {}
    errors: list[LintError] = []
    for file in files:
        scenario, problems, id_line, source = _load_source(file)
        errors += problems
        if scenario is None or source is None:
            continue
        if all_variants and source.variants:
            errors += variant_errors(source, scenario.id)
            if any(e.file == file for e in errors):
                continue
        if scenario.id in scenarios:
            errors.append(LintError(file, id_line, f"duplicate id '{scenario.id}' "
                                                   f"(already used by {first_file[scenario.id]})"))
            continue
        scenarios[scenario.id] = scenario
        first_file[scenario.id] = file
        if sources is not None:
            sources[scenario.id] = source
    return scenarios, errors


def _scenario_file(path: Path) -> Path:
    return path / SCENARIO_FILE if path.is_dir() else path


def variant_errors(source: Source, scenario_id: str) -> list[LintError]:
    """Every problem of every non-canonical combination (or of a sample of 200), each message
    prefixed with the variant's values; one problem shared by several variants is listed once."""
    seen: set[tuple[int, str]] = set()
    errors: list[LintError] = []
    canonical = source.variants.canonical()
    for values in source.variants.combinations(sample_seed=scenario_id):
        if values == canonical:
            continue
        _, problems, _ = _load_text(source.file, source.text, values)
        for err in problems:
            if (err.line, err.message) not in seen:
                seen.add((err.line, err.message))
                errors.append(LintError(err.file, err.line,
                                        f"[{var.describe(values)}] {err.message}"))
    return errors


def render_variant(source: Source, values: dict[str, Any]) -> Scenario:
    scenario, errors, _ = _load_text(source.file, source.text, values)
    if scenario is None:
        raise ScenarioError([LintError(e.file, e.line, f"[{var.describe(values)}] {e.message}")
                             for e in errors])
    return scenario


def _load(file: Path) -> tuple[Scenario | None, list[LintError], int]:
    """(scenario or None, every problem, line of `id`) for one scenario file."""
    scenario, errors, id_line, _ = _load_source(file)
    return scenario, errors, id_line


def _load_source(file: Path) -> tuple[Scenario | None, list[LintError], int, Source | None]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [LintError(file, 0, f"cannot read file: {exc}")], 0, None
    try:
        variants = var.extract(text)
    except var.VariantError as exc:
        return None, [LintError(file, exc.line, exc.message)], 0, None
    source = Source(file, text, variants)
    scenario, errors, id_line = _load_text(file, text, variants.canonical() if variants else None)
    return scenario, errors, id_line, source


def _load_text(file: Path, text: str, values: dict[str, Any] | None,
               ) -> tuple[Scenario | None, list[LintError], int]:
    """Render (when the file has variants), parse and validate one scenario text."""
    if values is not None:
        try:
            text = var.render(text, values)
        except var.VariantError as exc:
            return None, [LintError(file, exc.line, exc.message)], 0
    try:
        root, data = _parse(text)
    except yaml.YAMLError as exc:
        return None, [_yaml_error(file, exc)], 0
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        line = root.start_mark.line + 1 if root is not None else 0
        what = "empty" if root is None else "not a mapping of keys (like 'id: my-scenario')"
        return None, [LintError(file, line, f"scenario file is {what}")], 0

    errors = [LintError(file, line, message) for line, message in _duplicate_keys(root)]
    id_line = locate(root, ("id",))[0]
    folder = file.parent.name
    if isinstance(data.get("id"), str) and data["id"] != folder:
        errors.append(LintError(file, id_line,
                                f"id '{data['id']}' does not match its folder name '{folder}'"))
    data.pop("variants", None)  # already read and applied by rendering
    try:
        scenario = Scenario.model_validate(data, context={"source_dir": file.parent,
                                                          "variant_values": values})
    except ValidationError as exc:
        errors += [LintError(file, locate(root, _report_loc(err))[0], explain(err))
                   for err in exc.errors()]
        scenario = None
    if scenario is not None and values:
        errors += _workload_errors(file, root, scenario)
    errors.sort(key=lambda e: e.line)
    return (None if errors else scenario), errors, id_line


def _workload_errors(file: Path, root: yaml.Node, scenario: Scenario) -> list[LintError]:
    # Workload manifests are rendered with the same values: a bad one is the scenario's error.
    errors = []
    for i, rel in enumerate(scenario.workloads):
        try:
            list(yaml.safe_load_all(scenario.read_workload(rel)))
        except var.VariantError as exc:
            where = f" (line {exc.line} of {rel})" if exc.line else f" ({rel})"
            errors.append(LintError(file, locate(root, ("workloads", i))[0],
                                    f"workloads[{i}]: {exc.message}{where}"))
        except yaml.YAMLError as exc:
            errors.append(LintError(file, locate(root, ("workloads", i))[0],
                                    f"workloads[{i}]: {rel} is not valid YAML once rendered: "
                                    + " ".join(str(exc).split())))
    return errors


def _yaml_error(file: Path, exc: yaml.YAMLError) -> LintError:
    if not isinstance(exc, yaml.MarkedYAMLError):  # e.g. a control character in the file
        return LintError(file, 0, "invalid YAML: " + " ".join(str(exc).split()))
    # The parser notices an unclosed bracket or quote later than where it opened: name both.
    mark = exc.problem_mark or exc.context_mark
    message = f"invalid YAML: {exc.problem or exc.context}"
    if exc.problem and exc.context and exc.context_mark:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    return LintError(file, mark.line + 1 if mark else 0, message)


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    # One pass gives both the node tree (for marks) and the data built from it.
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        return root, (loader.construct_document(root) if root is not None else None)
    finally:
        loader.dispose()


def _duplicate_keys(node: yaml.Node) -> Iterator[tuple[int, str]]:
    # PyYAML keeps the last of two equal keys silently; an author means one of them.
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if isinstance(key, yaml.ScalarNode) and key.value in seen:
                yield line, f"duplicate key '{key.value}' (first at line {seen[key.value]})"
            elif isinstance(key, yaml.ScalarNode):
                seen[key.value] = line
            yield from _duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item)


def locate(root: yaml.Node, loc: tuple[str | int, ...]) -> tuple[int, bool]:
    """1-based line of the key (or list item) at `loc`, and whether all of `loc` was found.

    When part of `loc` is absent (a missing key) the line is that of the deepest key or item
    that exists, i.e. the parent mapping's own key.
    """
    node, line = root, root.start_mark.line + 1
    for part in loc:
        found: tuple[yaml.Node, int] | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:  # the last duplicate wins, as in the parsed data
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    found = value, key.start_mark.line + 1
        elif (isinstance(node, yaml.SequenceNode) and isinstance(part, int)
              and 0 <= part < len(node.value)):
            found = node.value[part], node.value[part].start_mark.line + 1
        if found is None:
            return line, False
        node, line = found
    return line, True


def _report_loc(err: ErrorDetails) -> tuple[str | int, ...]:
    # A missing key has no line of its own: report it on the mapping that should hold it.
    loc = tuple(err["loc"])
    return loc[:-1] if err["type"] == "missing" else loc


def _path(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _short(value: Any) -> str:
    # Spelled as YAML spells it, since that is what the author wrote.
    if value is None or isinstance(value, bool):
        return {None: "nothing", True: "true", False: "false"}[value]
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_TYPE_WORDS = {
    "string_type": "text", "int_type": "a whole number", "int_parsing": "a whole number",
    "int_from_float": "a whole number", "float_type": "a number", "float_parsing": "a number",
    "bool_type": "true or false", "bool_parsing": "true or false", "list_type": "a list",
    "dict_type": "a mapping of keys", "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
}


def explain(err: ErrorDetails) -> str:
    """A validation error in words a scenario author can act on, prefixed with where it is."""
    loc, kind, ctx = tuple(err["loc"]), err["type"], err.get("ctx") or {}
    subject = loc[:-1] if kind in _KEY_ERRORS else loc
    name = str(loc[-1]) if loc else ""
    if kind == "missing":
        message = f"missing required key '{name}'"
    elif kind == "extra_forbidden":
        message = f"unknown key '{name}'{_did_you_mean(name, loc[:-1])}"
    elif kind in _TYPE_WORDS:
        message = f"must be {_TYPE_WORDS[kind]}, got {_short(err['input'])}"
    elif kind in ("too_short", "string_too_short"):
        message = "must not be empty" if ctx.get("min_length") == 1 else \
            f"needs at least {ctx.get('min_length')} items"
    elif kind == "greater_than_equal":
        message = f"must be at least {ctx.get('ge')}, got {_short(err['input'])}"
    elif kind == "less_than_equal":
        message = f"must be at most {ctx.get('le')}, got {_short(err['input'])}"
    elif kind == "literal_error":
        message = f"{_short(err['input'])} is not one of {ctx.get('expected')}"
    else:
        # The schema's own errors are already worded for authors.
        message = err["msg"].removeprefix("Value error, ")
    return f"{_path(subject)}: {message}" if subject else message


def _did_you_mean(name: str, parent: tuple[str | int, ...]) -> str:
    model = _model_at(parent)
    keys = list(model.model_fields) if model else []
    close = difflib.get_close_matches(name, keys, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The schema model that validates the mapping at `loc`, to suggest its real keys."""
    kind: Any = Scenario
    for part in loc:
        kind = _unwrap(kind)
        if isinstance(part, int):
            kind = get_args(kind)[0] if get_origin(kind) is list else None
        elif isinstance(kind, type) and issubclass(kind, BaseModel) and part in kind.model_fields:
            kind = kind.model_fields[part].annotation
        else:
            return None
    kind = _unwrap(kind)
    return kind if isinstance(kind, type) and issubclass(kind, BaseModel) else None


def _unwrap(kind: Any) -> Any:
    if get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    if get_origin(kind) in (Union, types.UnionType):  # `X | None`
        kind = next(arg for arg in get_args(kind) if arg is not type(None))
    return kind
