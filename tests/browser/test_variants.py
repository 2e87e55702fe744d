"""Variants in the browser: a replay link gives the same drill, the debrief shows the seed."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_a_variant_is_replayed_from_its_debrief(server: str, page) -> None:  # noqa: ANN001
    page.goto(server + "/scenarios/etcd-manifest-typo?seed=3")
    assert "#3" in page.locator(".variant").inner_text()
    page.get_by_role("button", name="Start the drill").click()
    page.wait_for_url(re.compile(r"/attempts/[0-9a-f]+$"))
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Give up").click()
    page.wait_for_url(re.compile(r"/debrief$"))
    assert "seed 3" in page.locator(".verdict").inner_text()
    page.get_by_role("link", name="replay this variant").click()
    page.wait_for_url(re.compile(r"/scenarios/etcd-manifest-typo\?seed=3$"))
    assert "#3" in page.locator(".variant").inner_text()
