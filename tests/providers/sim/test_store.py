"""The API store lists objects sorted by namespace and name, whatever changed since."""

from __future__ import annotations

from app.providers.sim.store import Store


def cm(name: str, ns: str = "default", **labels: str) -> dict:
    return {"kind": "ConfigMap", "metadata": {"name": name, "namespace": ns, "labels": labels}}


def names(objs: list[dict]) -> list[str]:
    return [f"{o['metadata'].get('namespace', '')}/{o['metadata']['name']}" for o in objs]


def test_lists_follow_creates_deletes_and_replaced_objects() -> None:
    store = Store()
    store.create(cm("b"), 0)
    store.create(cm("a", "kube-system"), 0)
    assert names(store.list("ConfigMap")) == ["default/b", "kube-system/a"]
    store.create(cm("a"), 0)
    assert names(store.list("ConfigMap")) == ["default/a", "default/b", "kube-system/a"]
    assert names(store.list("ConfigMap", "kube-system")) == ["kube-system/a"]
    store.delete("ConfigMap", "b", "default")
    assert names(store.list("ConfigMap")) == ["default/a", "kube-system/a"]
    replaced = cm("a", team="x")
    replaced["metadata"]["namespace"] = "default"
    store.update(replaced)
    assert store.list("ConfigMap", selector="team=x") == [replaced]


def test_a_list_is_the_callers_to_change() -> None:
    store = Store()
    store.create(cm("a"), 0)
    store.list("ConfigMap").clear()
    assert names(store.list("ConfigMap")) == ["default/a"]
