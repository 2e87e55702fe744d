"""The terminal: a pipeline typed with tab completion, then a fix saved in the editor pane."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_play_drill import _buffer, terminal_text, type_command

pytestmark = pytest.mark.browser


def test_tab_completion_pipeline_and_editor_fix(server: str, page) -> None:  # noqa: ANN001
    page.goto(server + "/scenarios/etcd-manifest-typo?seed=0")
    page.get_by_role("button", name="Start the drill").click()
    page.wait_for_url(re.compile(r"/attempts/[0-9a-f]+$"))
    page.locator('#terminal[data-state="idle"]').wait_for(timeout=15000)

    # "crict<Tab>" completes the command; the rest of the pipeline is typed after it.
    prompts = _buffer(page).count("root@kind-")
    page.locator("#terminal").click()
    page.keyboard.type("crict")
    page.keyboard.press("Tab")
    page.keyboard.type("ps -a | grep -c etc")
    page.keyboard.press("Enter")
    deadline = time.monotonic() + 10
    while _buffer(page).count("root@kind-") <= prompts and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "crictl ps -a | grep -c etc" in terminal_text(page)

    # "/etc/kubernetes/manif<Tab>" completes the directory inside the editor command.

    page.locator("#terminal").click()
    page.keyboard.type("vi /etc/kubernetes/manif")
    page.keyboard.press("Tab")
    page.keyboard.type("etcd.yaml")
    page.keyboard.press("Enter")
    editor = page.locator(".editor-pane textarea")
    editor.wait_for(timeout=10000)
    text = editor.input_value()
    assert "--listen-client-url=" in text
    editor.fill(text.replace("--listen-client-url=", "--listen-client-urls="))
    page.screenshot(path=str(SCREENSHOTS / "05-editor.png"))
    page.get_by_role("button", name=re.compile("Save")).click()
    page.locator(".editor-pane").wait_for(state="detached")
    # The save's confirmation and the next prompt arrive after the pane closes.
    deadline = time.monotonic() + 10
    while not (terminal_text(page).rstrip().endswith("written" + "root@kind-control-plane:~#")
               or time.monotonic() > deadline):
        time.sleep(0.05)
    type_command(page, "grep -c listen-client-urls= /etc/kubernetes/manifests/etcd.yaml")
    assert terminal_text(page).rstrip().endswith("1root@kind-control-plane:~#")


def test_a_streaming_command_runs_until_ctrl_c(server: str, page) -> None:  # noqa: ANN001
    page.goto(server + "/scenarios/readiness-wrong-port?seed=0")
    page.get_by_role("button", name="Start the drill").click()
    page.wait_for_url(re.compile(r"/attempts/[0-9a-f]+$"))
    terminal = page.locator("#terminal")
    page.locator('#terminal[data-state="idle"]').wait_for(timeout=15000)
    terminal.click()
    page.keyboard.type("kubectl get pods -w")
    page.keyboard.press("Enter")
    page.locator('#terminal[data-state="running"]').wait_for(timeout=10000)
    deadline = time.monotonic() + 10
    while "READY" not in terminal_text(page) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)  # a beat or two of the watch: still running, no prompt yet
    assert page.locator('#terminal[data-state="running"]').count() == 1
    page.keyboard.press("Control+c")
    page.locator('#terminal[data-state="idle"]').wait_for(timeout=10000)
    assert terminal_text(page).rstrip().endswith("^Croot@kind-control-plane:~#")
