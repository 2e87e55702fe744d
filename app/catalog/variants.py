"""Variants: named parameters of a scenario, chosen from a seed, rendered into its text.

A scenario may declare

    variants:
      flag:                                   # a list of choices (scalars or flat mappings)
        - {good: --listen-client-urls, bad: --listen-client-url}
        - {good: --initial-cluster, bad: --initial-cluster-members}
      latency_ms: {min: 400, max: 1200, step: 200}   # a number range, ends included

and use `{{ flag.bad }}` or `{{ latency_ms }}` in any string of the file or of its workload
manifests. The text is rendered with a sandboxed Jinja2 environment (undefined names are errors)
*before* it is parsed and validated, so a bad combination is a lint error with its line.

Seed 0 is the canonical variant: the first choice of every variable (a range's `min`). Any other
seed picks each variable, in sorted name order, with `random.Random(f"{scenario_id}:{seed}")`.
Choices must be single-line so rendering the whole text keeps every line number.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment

MAX_COMBINATIONS = 200  # lint and tests render every combination up to this, else a sample

_ENV = SandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                            autoescape=False)
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_TOP_KEY = re.compile(r"^[^\s#-][^:]*:")

Values = dict[str, Any]


class VariantError(Exception):
    """A problem with the `variants:` block or with rendering one combination."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line  # 1-based line in the scenario file, 0 when unknown


@dataclass(frozen=True)
class Variants:
    """The declared variables, each with its ordered choices (the first is canonical)."""

    choices: dict[str, tuple[Any, ...]]
    line: int = 0  # the line of the `variants:` key

    def __bool__(self) -> bool:
        return bool(self.choices)

    @property
    def names(self) -> list[str]:
        return sorted(self.choices)

    def canonical(self) -> Values:
        return {name: self.choices[name][0] for name in self.names}

    def pick(self, scenario_id: str, seed: int) -> Values:
        """The values for a seed: deterministic, seed 0 gives the first choices."""
        if seed == 0:
            return self.canonical()
        rng = random.Random(f"{scenario_id}:{seed}")
        return {name: rng.choice(self.choices[name]) for name in self.names}

    def count(self) -> int:
        total = 1
        for options in self.choices.values():
            total *= len(options)
        return total

    def combinations(self, limit: int = MAX_COMBINATIONS, sample_seed: str = "") -> list[Values]:
        """Every combination (canonical first), or a seeded sample of `limit` of them."""
        names = self.names
        if self.count() <= limit:
            return [dict(zip(names, combo, strict=True))
                    for combo in itertools.product(*(self.choices[n] for n in names))]
        rng = random.Random(f"sample:{sample_seed}")
        seen = {key(self.canonical())}
        picked = [self.canonical()]
        while len(picked) < limit:
            values = {n: rng.choice(self.choices[n]) for n in names}
            if key(values) not in seen:
                seen.add(key(values))
                picked.append(values)
        return picked


def key(values: Values) -> str:
    """A hashable, stable spelling of one combination (for caches and sets)."""
    return repr(sorted(values.items()))


def describe(values: Values) -> str:
    """`flag=listen-client-url, port=8081/8080`: how lint and tests name a variant. A mapping
    choice is its one-word values joined by `/` when short, else its first value (put the
    telling one first)."""
    def one(value: Any) -> str:
        if not isinstance(value, dict):
            return str(value)
        joined = "/".join(str(v) for v in value.values() if " " not in str(v))
        return joined if len(joined) <= 30 else str(next(iter(value.values())))
    return ", ".join(f"{name}={one(values[name])}" for name in sorted(values))


# --- reading the block ---------------------------------------------------------------------


def extract(text: str) -> Variants:
    """The `variants:` block of a scenario file, read before the rest is rendered (the block
    itself must not use templates). A file without one has no variants."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if re.match(r"^variants\s*:", line)), None)
    if start is None:
        return Variants({})
    end = start + 1
    while end < len(lines) and not _TOP_KEY.match(lines[end]):
        end += 1
    block = "\n".join(lines[start:end])
    if "{{" in block or "{%" in block:
        raise VariantError("variants: the variants block itself cannot use templates",
                           start + 1)
    try:
        loader = yaml.SafeLoader(block)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = start + 1 + (mark.line if mark else 0)
        raise VariantError(f"variants: invalid YAML: {getattr(exc, 'problem', exc)}",
                           line) from None
    raw = (data or {}).get("variants") if isinstance(data, dict) else None
    if not isinstance(raw, dict) or not raw:
        raise VariantError("variants: must be a mapping of names to lists of choices "
                           "or to {min, max, step}", start + 1)
    lines_of = _key_lines(root)
    choices: dict[str, tuple[Any, ...]] = {}
    for name, spec in raw.items():
        line = start + lines_of.get(str(name), 1)
        choices[str(name)] = _choices(str(name), spec, line)
    return Variants(choices, start + 1)


def _key_lines(root: yaml.Node | None) -> dict[str, int]:
    # Line (0-based within the block, +1) of each variable's key.
    if not isinstance(root, yaml.MappingNode) or not root.value:
        return {}
    inner = root.value[0][1]
    if not isinstance(inner, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in inner.value
            if isinstance(k, yaml.ScalarNode)}


def _choices(name: str, spec: Any, line: int) -> tuple[Any, ...]:
    where = f"variants.{name}"
    if not _NAME.match(name):
        raise VariantError(f"{where}: a variable name is lowercase letters, digits and "
                           "underscores, like 'bad_flag'", line)
    if isinstance(spec, dict):
        return _range(where, spec, line)
    if not isinstance(spec, list) or not spec:
        raise VariantError(f"{where}: must be a non-empty list of choices or "
                           "{min, max, step}", line)
    for choice in spec:
        if isinstance(choice, dict) and not all(isinstance(k, str) and _NAME.match(k)
                                                for k in choice):
            raise VariantError(f"{where}: the keys of a choice are names like 'bad_flag' "
                               f"(YAML reads on/off/yes/no as true/false), got "
                               f"{list(choice)!r}", line)
        scalars = choice.values() if isinstance(choice, dict) else [choice]
        for value in scalars:
            if value is None or isinstance(value, dict | list):
                raise VariantError(f"{where}: a choice is a single value or a flat mapping "
                                   f"of values, got {value!r}", line)
            if "\n" in str(value):
                raise VariantError(f"{where}: choices must be single-line, got {value!r}", line)
    if isinstance(spec[0], dict) and any(not isinstance(c, dict) or c.keys() != spec[0].keys()
                                         for c in spec):
        raise VariantError(f"{where}: every choice needs the same keys as the first", line)
    if len({repr(c) for c in spec}) != len(spec):
        raise VariantError(f"{where}: the same choice is listed twice", line)
    return tuple(spec)


def _range(where: str, spec: dict[str, Any], line: int) -> tuple[Any, ...]:
    unknown = set(spec) - {"min", "max", "step"}
    if unknown or not {"min", "max"} <= set(spec):
        raise VariantError(f"{where}: a range is {{min, max, step?}}", line)
    lo, hi, step = spec["min"], spec["max"], spec.get("step", 1)
    numbers = (lo, hi, step)
    if any(isinstance(n, bool) or not isinstance(n, int | float) for n in numbers):
        raise VariantError(f"{where}: min, max and step must be numbers", line)
    if step <= 0 or hi < lo:
        raise VariantError(f"{where}: needs min <= max and a step above zero", line)
    count = int((hi - lo) / step + 1e-9) + 1
    if count > 10_000:
        raise VariantError(f"{where}: more than 10000 values; use a larger step", line)
    if all(isinstance(n, int) for n in numbers):
        return tuple(lo + i * step for i in range(count))
    return tuple(round(lo + i * step, 10) for i in range(count))


# --- rendering -----------------------------------------------------------------------------


def render(text: str, values: Values) -> str:
    """The text with `{{ name }}` filled in; VariantError carries the line of the problem."""
    try:
        return _ENV.from_string(text).render(values)
    except jinja2.TemplateSyntaxError as exc:
        raise VariantError(f"template error: {exc.message}", exc.lineno or 0) from None
    except jinja2.UndefinedError as exc:
        raise VariantError(f"template error: {exc.message} (declare it under variants:)",
                           _line_using(text, str(exc.message))) from None
    except jinja2.exceptions.SecurityError as exc:
        raise VariantError(f"template error: not allowed: {exc}", 0) from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as exc:
        raise VariantError(f"template error: {exc}", 0) from None


def _line_using(text: str, message: str) -> int:
    # "'foo' is undefined" / "'dict object' has no attribute 'bar'": the first line naming it.
    names = re.findall(r"'([^']+)'", message)
    name = names[-1] if names else ""
    for i, line in enumerate(text.split("\n"), 1):
        for expr in re.findall(r"\{\{(.*?)\}\}|\{%(.*?)%\}", line):
            if name and re.search(rf"\b{re.escape(name)}\b", "".join(expr)):
                return i
    return 0


def uses_templates(text: str) -> bool:
    return "{{" in text or "{%" in text


def iter_values(variants: Variants, scenario_id: str) -> Iterator[Values]:
    yield from variants.combinations(sample_seed=scenario_id)
