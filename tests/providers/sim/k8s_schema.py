"""Validate twin API objects against the Kubernetes OpenAPI schema (kubernetes-validate).

kubernetes-validate ships its JSON schemas inside the wheel (`kubernetes-json-schema/
v<version>-local-strict/`), so validation needs no network. Its own `validate()` stops at
the first error and re-reads the 8 MB definitions file for every object; here one validator
per kind is built once and reports every error. The strict schemas forbid unknown fields;
`date-time` fields must be what metav1.Time/MicroTime marshal to (`2006-01-02T15:04:05Z`,
MicroTime with six fractional digits). On top of the schema, the fields the apiserver
always sets (uid, resourceVersion, creationTimestamp) must be present, and a Secret is never
returned with `stringData` (the apiserver merges it into `data`).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import jsonschema
from kubernetes_validate.utils import schema_contents
from referencing import Registry, Resource

# kubernetes-validate 1.37 ships schemas for 1.25 ... 1.37; the twin is Kubernetes 1.33.
SCHEMA_VERSION = "1.33.0"
_DIR = f"kubernetes-json-schema/v{SCHEMA_VERSION}-local-strict"
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")
_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _k8s_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_TIME.match(value))


@functools.cache
def _definitions() -> Resource:
    return Resource.from_contents(schema_contents(f"{_DIR}/_definitions.json", SCHEMA_VERSION))


@functools.cache
def validator(kind: str, api_version: str) -> jsonschema.protocols.Validator:
    # rbac.authorization.k8s.io/v1 -> rbac-v1, as kubernetes-validate names its files.
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema = schema_contents(f"{_DIR}/{kind.lower()}-{group_version}.json", SCHEMA_VERSION)
    registry = _definitions() @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=_FORMATS)


def problems(obj: dict[str, Any]) -> list[str]:
    """Every way `obj` differs from what a 1.33 apiserver could return; empty when valid."""
    meta = obj.get("metadata") or {}
    where = f"{obj.get('kind')} {meta.get('namespace', '')}/{meta.get('name')}"
    out = [f"{where}: {'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
           for e in validator(obj["kind"], obj["apiVersion"]).iter_errors(obj)]
    for field in ("uid", "resourceVersion", "creationTimestamp"):
        if not meta.get(field):
            out.append(f"{where}: metadata.{field} is not set")
    if obj["kind"] == "Secret" and "stringData" in obj:
        out.append(f"{where}: stringData is write-only; the apiserver stores it in data")
    return out


def store_problems(objects: list[dict[str, Any]]) -> list[str]:
    return [p for obj in objects for p in problems(obj)]
