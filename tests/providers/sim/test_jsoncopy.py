"""The JSON-shaped deep copy used for API objects and cached YAML."""

from __future__ import annotations

from app.providers.sim import yamlcache
from app.providers.sim.jsoncopy import clone
from app.providers.sim.store import Store


def test_a_clone_shares_nothing_mutable() -> None:
    original = {"a": [1, {"b": "c"}], "d": {"e": [2, 3]}, "f": None}
    copy = clone(original)
    assert copy == original
    copy["a"][1]["b"] = "changed"
    copy["d"]["e"].append(4)
    assert original == {"a": [1, {"b": "c"}], "d": {"e": [2, 3]}, "f": None}


def test_the_store_keeps_its_own_copy_of_a_created_object() -> None:
    store = Store()
    doc = {"kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"},
           "data": {"k": "v"}}
    stored = store.create(doc, 0.0)
    doc["data"]["k"] = "mutated by the caller"
    assert stored["data"]["k"] == "v"


def test_yaml_loads_are_private_copies_and_peeks_share_the_parse() -> None:
    raw = b"a: {b: [1, 2]}\n"
    first = yamlcache.load(raw)
    first["a"]["b"].append(3)
    assert yamlcache.load(raw) == {"a": {"b": [1, 2]}}
    assert yamlcache.peek(raw) is yamlcache.peek(raw)
