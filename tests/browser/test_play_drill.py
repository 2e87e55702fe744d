"""A trainee plays etcd-manifest-typo from the catalog to the debrief in a real browser."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


def type_command(page, line: str) -> None:  # noqa: ANN001
    """Type a line and wait for the next prompt (the command's output is then complete)."""
    prompts = _buffer(page).count("root@kind-")
    page.locator("#terminal").click()
    page.keyboard.type(line)
    page.keyboard.press("Enter")
    deadline = time.monotonic() + 15
    while _buffer(page).count("root@kind-") <= prompts:
        assert time.monotonic() < deadline, f"no prompt after {line!r}"
        time.sleep(0.05)


def terminal_text(page) -> str:  # noqa: ANN001
    """The terminal's text with line wraps undone (long lines wrap at the terminal's width)."""
    return _buffer(page).replace("\n", "")


def _buffer(page) -> str:  # noqa: ANN001
    return page.evaluate("""() => {
        const t = window.kubedrillTerminal.term; const b = t.buffer.active; const out = [];
        for (let i = 0; i < b.length; i++) out.push(b.getLine(i).translateToString(true));
        return out.join('\\n'); }""")


def test_a_trainee_plays_the_etcd_typo_drill_to_a_correct_answer(server: str, page) -> None:  # noqa: ANN001
    page.goto(server + "/")
    page.screenshot(path=str(SCREENSHOTS / "01-catalog.png"))
    page.get_by_role("link", name="API server down after an etcd maintenance window").click()
    assert "PagerDuty" in page.locator(".briefing").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "02-briefing.png"))
    page.get_by_role("link", name="replay this one").wait_for()
    page.goto(server + "/scenarios/etcd-manifest-typo?seed=0")  # the canonical variant
    page.fill("#name", "Ana")
    page.get_by_role("button", name="Start the drill").click()
    page.wait_for_url(re.compile(r"/attempts/[0-9a-f]+$"))
    page.locator('#terminal[data-state="idle"]').wait_for(timeout=15000)
    assert re.match(r"\d\d:\d\d", page.locator("[data-countdown-value]").inner_text())

    type_command(page, "kubectl get nodes")
    assert "was refused - did you specify the right host or port?" in terminal_text(page)
    type_command(page, "crictl ps -a | grep etcd")
    type_command(page, "crictl logs $(crictl ps -a --name etcd -q | head -1) 2>&1 | head -3")
    assert "flag provided but not defined: -listen-client-url" in terminal_text(page)
    page.screenshot(path=str(SCREENSHOTS / "03-terminal.png"))

    page.get_by_role("button", name=re.compile("Take a hint")).click()
    page.wait_for_selector(".hint-list li")

    # A symptom is not a cause.
    page.select_option("#component", "etcd")
    page.fill("#cause", "etcd is down")
    page.get_by_role("button", name="Submit answer").click()
    page.wait_for_selector("#feedback .flash-error")
    assert "symptom" in page.locator("#feedback").inner_text()

    type_command(page, "sed -i 's#--listen-client-url=#--listen-client-urls=#' "
                       "/etc/kubernetes/manifests/etcd.yaml")
    type_command(page, "systemctl restart kubelet")
    page.get_by_role("button", name="Verify the cluster").click()
    page.wait_for_selector("#checks .flash")

    page.fill("#cause", "The --listen-client-urls flag is misspelled in the etcd static pod "
                        "manifest, so etcd exits at start")
    page.get_by_role("button", name="Submit answer").click()
    page.wait_for_url(re.compile(r"/debrief$"))
    assert "Root cause found" in page.locator(".verdict").inner_text()
    assert "crictl ps -a | grep etcd" in page.locator(".timeline").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "04-debrief.png"), full_page=True)


def test_an_unknown_page_is_a_friendly_404(server: str, page) -> None:  # noqa: ANN001
    response = page.goto(server + "/no/such/page")
    assert response is not None and response.status == 404
    assert "Not found" in page.locator("h1").inner_text()
