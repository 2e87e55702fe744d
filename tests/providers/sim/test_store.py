"""The API store lists objects sorted by namespace and name, whatever changed since."""

from __future__ import annotations

import json

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


def _shared_store() -> tuple[Store, dict]:
    from app.providers.sim import store as store_module

    template = {"kind": "ClusterRole", "metadata": {"name": "test:shared-reader"},
                "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
    store_module.share(template, lambda t: {**t, "metadata": dict(t["metadata"])})
    s = Store(seed=7)
    s.create_shared(template, 100.0)
    return s, template


def test_a_snapshot_names_an_unchanged_shared_object_and_restores_it_whole() -> None:
    s, template = _shared_store()
    raw = json.loads(json.dumps(s.to_json()))
    assert raw["objects"] == [{"shared": ["ClusterRole", "", "test:shared-reader"],
                               "uid": s.get("ClusterRole", "test:shared-reader")["metadata"]["uid"],
                               "resourceVersion": "1001",
                               "creationTimestamp": "1970-01-01T00:01:40Z"}]
    back = Store.from_json(raw)
    assert back.objects == s.objects
    assert json.dumps(back.objects[("ClusterRole", "", "test:shared-reader")]) == \
        json.dumps(s.objects[("ClusterRole", "", "test:shared-reader")])  # same key order
    assert back.to_json() == raw


def test_a_changed_shared_object_is_written_out_whole() -> None:
    s, _ = _shared_store()
    role = s.get("ClusterRole", "test:shared-reader")
    role = {**role, "rules": [], "metadata": {**role["metadata"], "labels": {"edited": "yes"}}}
    s.update(role)
    raw = json.loads(json.dumps(s.to_json()))
    assert raw["objects"][0]["metadata"]["labels"] == {"edited": "yes"}
    assert Store.from_json(raw).get("ClusterRole", "test:shared-reader")["rules"] == []


def test_a_shared_object_this_release_no_longer_has_is_left_out() -> None:
    s = Store.from_json({"objects": [{"shared": ["ClusterRole", "", "gone"], "uid": "u",
                                      "resourceVersion": "5", "creationTimestamp": "x"}],
                         "revision": 5, "seed": 0, "uids": 1})
    assert s.objects == {}
