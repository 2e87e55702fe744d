"""The scenario file as pydantic models (DESIGN.md, "Scenario file").

Every model forbids unknown keys and is strict, so a typo in a scenario is an error at start-up
rather than a silently ignored line. Faults and checks are validated against the closed
registries in `app.faults.registry` and `app.providers.checks`. Errors raised here keep a `loc`
pointing at the offending key so the loader can turn it into a `file:line: message`.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.faults import registry
from app.providers import base
from app.providers.checks import PROBES

Component = Literal[
    "etcd", "kube-apiserver", "kube-scheduler", "kube-controller-manager", "kubelet",
    "container-runtime", "node", "certificates", "workload", "networking", "security",
]
COMPONENTS: tuple[str, ...] = get_args(Component)

_SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")

Loc = tuple[str | int, ...]


def _error(loc: Loc, kind: str, message: str, value: Any) -> InitErrorDetails:
    return {"type": PydanticCustomError(kind, message), "loc": loc, "input": value}


def _fail(*errors: InitErrorDetails) -> None:
    """Raise several errors at once, each at its own location."""
    raise ValidationError.from_exception_data("Scenario", list(errors))


def _unknown(loc: Loc, what: str, name: str, choices: list[str],
             where: str = "") -> InitErrorDetails:
    """'unknown probe 'x' (did you mean 'y'?); known: ...' so the author can pick the right one."""
    close = difflib.get_close_matches(name, choices, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    known = ", ".join(choices) or "none"
    return _error(loc, f"unknown_{what.replace(' ', '_')}",
                  f"unknown {what} '{name}'{where}{hint}; known: {known}", name)


def _rewrap(exc: ValidationError, prefix: Loc = (), params_of: tuple[str, list[str]] = ("", []),
            ) -> list[InitErrorDetails]:
    """Caught errors made raisable again under `prefix`, keeping type and context so the loader
    words them like any other. An unknown key of a fault's or probe's params is worded here,
    where the keys its model accepts (`params_of` = what, keys) are known."""
    what, keys = params_of
    details: list[InitErrorDetails] = []
    for err in exc.errors():
        loc, kind, value = prefix + tuple(err["loc"]), err["type"], err["input"]
        if kind == "extra_forbidden" and what and len(err["loc"]) == 1:
            details.append(_unknown(loc, "key", str(loc[-1]), keys, f" for {what}"))
        else:
            error = PydanticCustomError(kind, err["msg"], err.get("ctx"))
            details.append({"type": error, "loc": loc, "input": value})
    return details


def _params_errors(model: type[BaseModel], params: Any, prefix: Loc,
                   what: str) -> list[InitErrorDetails]:
    try:
        model.model_validate(params)
    except ValidationError as exc:
        return _rewrap(exc, prefix, (what, list(model.model_fields)))
    return []


def _validate_with(handler: ModelWrapValidatorHandler[Any], data: Any,
                   problems: list[InitErrorDetails]) -> Any:
    """Run the model's own validation too, so registry problems and field problems are
    reported together rather than one after the other."""
    try:
        result = handler(data)
    except ValidationError as exc:
        problems = problems + _rewrap(exc)
    if problems:
        _fail(*problems)
    return result


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise PydanticCustomError(
            "slug", "'{value}' must be lowercase letters, digits and dashes, like 'etcd-typo'",
            {"value": value})
    return value


def parse_duration(value: Any) -> int:
    """'20m', '90s', '1h30m' -> seconds. Bare numbers are refused: 20 could mean s or m."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise PydanticCustomError(
            "duration", "'{value}' is not a duration; write one like 20m, 90s or 1h30m",
            {"value": value})
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise PydanticCustomError("duration", "must be longer than zero")
    return total


def _relative_file(value: str, info: ValidationInfo) -> str:
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts:
        raise PydanticCustomError(
            "workload_path", "'{value}' must be a path relative to the scenario folder",
            {"value": value})
    source_dir = (info.context or {}).get("source_dir")
    if source_dir is not None and not (Path(source_dir) / path).is_file():
        raise PydanticCustomError(
            "workload_missing", "file '{value}' not found beside scenario.yaml", {"value": value})
    return value


Text = Annotated[str, AfterValidator(_not_blank)]
Slug = Annotated[str, AfterValidator(_slug)]
NodeRef = Annotated[str, AfterValidator(_slug)]
Duration = Annotated[int, BeforeValidator(parse_duration)]
WorkloadPath = Annotated[str, AfterValidator(_relative_file)]
Concept = Annotated[list[Text], Field(min_length=1)]


class _Model(BaseModel):
    # Strict: YAML already gives real types, so "10" for a number is an author's mistake.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Topology(_Model):
    control_planes: int = Field(default=1, ge=1)
    workers: int = Field(default=0, ge=0)
    cluster_name: Slug = "kind"

    def node_names(self) -> list[str]:
        """Node names as kind makes them: kind-control-plane, kind-control-plane2, ..."""
        roles = [("control-plane", self.control_planes), ("worker", self.workers)]
        return [f"{self.cluster_name}-{role}{i if i > 1 else ''}"
                for role, count in roles for i in range(1, count + 1)]

    def node_refs(self) -> set[str]:
        """Every way a scenario may name a node: role, short name or full name."""
        full = self.node_names()
        short = {name.removeprefix(f"{self.cluster_name}-") for name in full}
        return set(full) | short | {"control-plane"}


class Fault(_Model):
    type: str
    node: NodeRef = "control-plane"
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _against_registry(cls, data: Any, handler: ModelWrapValidatorHandler[Fault]) -> Fault:
        problems: list[InitErrorDetails] = []
        kind = data.get("type") if isinstance(data, dict) else None
        if isinstance(kind, str):
            types = registry.fault_types()
            if kind not in types:
                problems.append(_unknown(("type",), "fault type", kind, sorted(types)))
            elif isinstance(data.get("params", {}), dict):
                problems += _params_errors(types[kind].params, data.get("params", {}),
                                           ("params",), f"fault type '{kind}'")
        return _validate_with(handler, data, problems)

    def fault_type(self) -> registry.FaultType:
        return registry.get(self.type)

    def typed_params(self) -> BaseModel:
        return self.fault_type().params.model_validate(self.params)


class Hint(_Model):
    text: Text
    penalty: int = Field(ge=0)


class Answer(_Model):
    components: list[Component] = Field(min_length=1)
    concepts: list[Concept] = Field(min_length=1)
    not_causes: list[Text] = Field(default_factory=list)


class Runbook(_Model):
    root_cause: Text
    answer: Answer
    fix: list[Text] = Field(min_length=1)
    explanation: Text


class Check(_Model):
    """A check as written in YAML, flat: `{probe: pods-ready, namespace: shop}`."""

    probe: str
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _flat_params(cls, data: Any, handler: ModelWrapValidatorHandler[Check]) -> Check:
        if not isinstance(data, dict):
            return handler(data)
        # `{probe, params: {...}}` is what model_dump() gives back; accept it too.
        nested = set(data) <= {"probe", "params"} and isinstance(data.get("params"), dict)
        params = data["params"] if nested else {k: v for k, v in data.items() if k != "probe"}
        probe = data.get("probe")
        problems: list[InitErrorDetails] = []
        if isinstance(probe, str):
            if probe not in PROBES:
                problems.append(_unknown(("probe",), "probe", probe, sorted(PROBES)))
            else:
                problems += _params_errors(PROBES[probe], params, ("params",) if nested else (),
                                           f"probe '{probe}'")
        shape = {"params": params} | ({"probe": probe} if "probe" in data else {})
        return _validate_with(handler, shape, problems)

    def to_check(self) -> base.Check:
        return base.Check(probe=self.probe, params=dict(self.params))


class ExpertStep(_Model):
    run: Text
    expect: list[Text] = Field(default_factory=list)
    node: NodeRef | None = None


class FixStep(_Model):
    run: Text
    node: NodeRef | None = None
    wait: float = Field(default=0.0, ge=0, le=600)  # seconds to let pass after it (a restart)


def _unknown_nodes(data: dict[str, Any], topology: Topology) -> list[InitErrorDetails]:
    refs, nodes = topology.node_refs(), ", ".join(topology.node_names())
    problems: list[InitErrorDetails] = []
    for field in ("faults", "expert_path", "fix_path"):
        steps = data.get(field)
        for i, step in enumerate(steps if isinstance(steps, list) else []):
            node = step.get("node") if isinstance(step, dict) else None
            # A node that is not even a valid name gets the schema's own error instead.
            if isinstance(node, str) and _SLUG.match(node) and node not in refs:
                problems.append(_error((field, i, "node"), "unknown_node",
                                       f"node '{node}' is not in the topology (nodes: {nodes})",
                                       node))
    return problems


class Scenario(_Model):
    id: Slug
    title: Text
    difficulty: int = Field(ge=1, le=5)
    tags: list[Text] = Field(default_factory=list)
    time_limit: Duration
    par_time: Duration
    briefing: Text
    topology: Topology
    workloads: list[WorkloadPath] = Field(default_factory=list)
    faults: list[Fault] = Field(min_length=1)
    hints: list[Hint] = Field(default_factory=list)
    runbook: Runbook
    checks: list[Check] = Field(min_length=1)
    expert_path: list[ExpertStep] = Field(min_length=1)
    fix_path: list[FixStep] = Field(min_length=1)

    # Where scenario.yaml lives, so workloads can be read; never part of a dump.
    _source_dir: Path | None = PrivateAttr(default=None)
    # The variant this scenario was rendered for (empty: the file declares no variants).
    _variant_values: dict[str, Any] = PrivateAttr(default_factory=dict)

    # A field validator, not a model validator: it still runs when another field is wrong,
    # so an author sees every problem in one lint.
    @field_validator("par_time")
    @classmethod
    def _par_within_limit(cls, par_time: int, info: ValidationInfo) -> int:
        limit = info.data.get("time_limit")
        if limit is not None and par_time > limit:
            raise PydanticCustomError(
                "par_time", "must not be longer than time_limit ({par}s > {limit}s)",
                {"par": par_time, "limit": limit})
        return par_time

    @model_validator(mode="wrap")
    @classmethod
    def _nodes_in_topology(cls, data: Any, handler: ModelWrapValidatorHandler[Scenario],
                           ) -> Scenario:
        # Checked on the raw data so a wrong node is reported even when a step has other errors.
        try:
            topology = Topology.model_validate(data["topology"])
        except (TypeError, KeyError, ValidationError):
            return handler(data)  # the handler reports what is wrong with the topology
        return _validate_with(handler, data, _unknown_nodes(data, topology))

    @model_validator(mode="after")
    def _remember_source_dir(self, info: ValidationInfo) -> Scenario:
        source_dir = (info.context or {}).get("source_dir")
        if source_dir is not None:
            self._source_dir = Path(source_dir)
        self._variant_values = dict((info.context or {}).get("variant_values") or {})
        return self

    @property
    def source_dir(self) -> Path | None:
        return self._source_dir

    @property
    def variant_values(self) -> dict[str, Any]:
        """The values of the file's `variants:` this scenario was rendered with ({} if none)."""
        return dict(self._variant_values)

    def read_workload(self, rel: str) -> str:
        """The text of a file shipped beside scenario.yaml (a workload manifest)."""
        if self._source_dir is None:
            raise ValueError(f"scenario {self.id!r} was not loaded from a folder")
        root = self._source_dir.resolve()
        path = (root / rel).resolve()
        if not path.is_relative_to(root):
            raise ValueError(f"{rel!r} is outside the folder of scenario {self.id!r}")
        text = path.read_text(encoding="utf-8")
        if self._variant_values:  # manifests are rendered like scenario.yaml
            from app.catalog.variants import render

            text = render(text, self._variant_values)
        return text

    def provider_checks(self) -> list[base.Check]:
        return [check.to_check() for check in self.checks]

    def public(self) -> dict[str, Any]:
        """What a trainee may see before the attempt ends: no answers, checks, paths or hints."""
        return {
            "id": self.id,
            "title": self.title,
            "difficulty": self.difficulty,
            "tags": list(self.tags),
            "time_limit": self.time_limit,
            "par_time": self.par_time,
            "briefing": self.briefing,
            "topology": self.topology.model_dump(),
            "hint_count": len(self.hints),
            "hint_penalties": [hint.penalty for hint in self.hints],
        }
