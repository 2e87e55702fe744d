"""kubelet-config sets one field of /var/lib/kubelet/config.yaml and keeps every other line."""

from __future__ import annotations

import pytest
import yaml

from app.faults.kubelet_config import edit
from app.faults.registry import get
from app.providers.sim.cluster import create_cluster

CONFIG = "/var/lib/kubelet/config.yaml"


def test_replacing_a_field_changes_exactly_one_line() -> None:
    text = create_cluster("kind", 1, 0).node("control-plane").read_file(CONFIG).decode()
    new = edit(text, "rotateCertificates", False)
    old_lines, new_lines = text.split("\n"), new.split("\n")
    assert len(old_lines) == len(new_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    assert changed == [("rotateCertificates: true", "rotateCertificates: false")]


def test_a_missing_field_is_inserted_in_sorted_position_and_the_file_stays_valid() -> None:
    text = "apiVersion: v1beta1\nkind: KubeletConfiguration\nstaticPodPath: /x\n"
    new = edit(text, "maxPods", 50)
    assert new == ("apiVersion: v1beta1\nkind: KubeletConfiguration\nmaxPods: 50\n"
                   "staticPodPath: /x\n")
    assert yaml.safe_load(new)["maxPods"] == 50


def test_a_nested_block_is_replaced_whole() -> None:
    text = "a: 1\nevictionHard:\n  memory.available: 5%\nz: 2\n"
    assert edit(text, "evictionHard", "{}") == "a: 1\nevictionHard: '{}'\nz: 2\n"


def test_bad_field_names_are_refused() -> None:
    with pytest.raises(ValueError):
        edit("a: 1\n", "bad name", 1)


def test_the_fault_writes_the_node_file_and_restarts_the_kubelet() -> None:
    c = create_cluster("kind", 1, 1)
    node = c.node("worker")
    pid = node.kubelet_pid
    ft = get("kubelet-config")
    ft.inject(c, node, ft.params(field="rotateCertificates", value=False))
    assert "rotateCertificates: false\n" in node.read_file(CONFIG).decode()
    assert node.kubelet_pid != pid
