"""Raw-mode terminal (app/web/terminal_raw.py): line assembly from keystrokes, the bridge
between a RawTerminal and a WebSocket, and the kind branch of the terminal endpoint.

The RawTerminal here is a Python object (no PTY, no subprocess): it records what is written
and plays back what a shell would print.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
import types

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

import app.training
from app.db import get_engine
from app.training.models import Attempt
from app.web import terminal_raw
from app.web.terminal_raw import LineAssembler
from tests.conftest import SCENARIOS

# ----- line assembly ------------------------------------------------------------------------


def lines_of(*chunks: str, outputs: dict[int, str] | None = None) -> list[str]:
    """Feed chunks in order; outputs[i] is what the shell prints right after chunk i."""
    asm, out = LineAssembler(), []
    for i, chunk in enumerate(chunks):
        out += asm.feed(chunk)
        if outputs and i in outputs:
            asm.observe_output(outputs[i])
    return out


def test_a_typed_line_is_recorded_when_enter_is_pressed() -> None:
    assert lines_of("kubectl get ", "nodes\r") == ["kubectl get nodes"]
    assert lines_of("crictl ps -a\n", "pwd\r") == ["crictl ps -a", "pwd"]


def test_blank_lines_are_not_recorded() -> None:
    assert lines_of("\r", "   \r") == []


def test_backspace_and_ctrl_h_delete_the_character_before_the_cursor() -> None:
    assert lines_of("kubectl get nodez\x7fs\r") == ["kubectl get nodes"]
    assert lines_of("lss\x08 -l\r") == ["ls -l"]


def test_ctrl_u_kills_to_the_start_and_ctrl_k_to_the_end() -> None:
    assert lines_of("rm -rf /\x15ls\r") == ["ls"]
    assert lines_of("ls -l /tmp" + "\x1b[D" * 5 + "\x0b\r") == ["ls -l"]


def test_ctrl_c_and_ctrl_g_abandon_the_line() -> None:
    assert lines_of("systemctl stop kubelet\x03", "\r") == []
    assert lines_of("hostname\x07\r") == []


def test_ctrl_w_deletes_the_word_before_the_cursor() -> None:
    assert lines_of("kubectl get pods --all\x17-A\r") == ["kubectl get pods -A"]


def test_cursor_moves_put_inserted_text_where_the_cursor_is() -> None:
    # "cat etcd.yaml", Home, "sudo " -> inserted at the start.
    assert lines_of("cat etcd.yaml\x1b[Hsudo \r") == ["sudo cat etcd.yaml"]
    # Left twice then a character; ^A and ^E; SS3 arrows as xterm sends in app-cursor mode.
    assert lines_of("crictl p\x1b[D\x1b[Dx\x05s\r") == ["crictlx ps"]
    assert lines_of("ls\x01a\x1bOC\x1bOC \r") == ["als "]
    assert lines_of("echo abc\x1b[D\x1b[3~\r") == ["echo ab"]


def test_alt_and_ctrl_arrows_move_by_words() -> None:
    assert lines_of("kubectl get pods\x1bb\x1bbx\r") == ["kubectl xget pods"]
    assert lines_of("a bb\x1b[1;5D\x1b[1;5D\x1b[1;5Cz\r") == ["az bb"]


def test_a_recalled_history_line_is_dropped_not_recorded_wrong() -> None:
    assert lines_of("\x1b[A\r", "ls\r") == ["ls"]
    assert lines_of("\x10\r", "\x12etcd\r") == []


def test_escape_sequences_split_across_chunks_are_understood() -> None:
    assert lines_of("ab\x1b", "[D", "x\r") == ["axb"]
    assert lines_of("ab\x1b[", "1;5", "D_\r") == ["_ab"]


def test_a_multi_line_paste_records_each_line_without_the_paste_markers() -> None:
    assert lines_of("\x1b[200~kubectl get nodes\rcrictl ps\r\x1b[201~") == [
        "kubectl get nodes", "crictl ps"]


def test_tab_inserts_the_completion_the_shell_prints() -> None:
    assert lines_of("cat /etc/kubernetes/manifests/et", "\t", ".\r",
                    outputs={1: "cd.yaml "}) == ["cat /etc/kubernetes/manifests/etcd.yaml ."]


def test_tab_with_a_list_of_candidates_or_a_bell_inserts_nothing() -> None:
    listing = "\r\netcd.yaml  kube-apiserver.yaml\r\nroot@kind-control-plane:~# cat e"
    assert lines_of("cat e", "\t", "\r", outputs={1: listing}) == ["cat e"]
    assert lines_of("cat e", "\t", "\r", outputs={1: "\x07"}) == ["cat e"]


def test_echoed_output_without_a_tab_is_never_inserted() -> None:
    assert lines_of("ls", "\r", outputs={0: "ls"}) == ["ls"]


def test_keystrokes_in_a_full_screen_program_are_not_commands() -> None:
    asm = LineAssembler()
    assert asm.feed("vi /etc/kubernetes/manifests/etcd.yaml\r") == [
        "vi /etc/kubernetes/manifests/etcd.yaml"]
    asm.observe_output("\x1b[?1049h\x1b[22;0;0t\x1b[1;24r")
    assert asm.feed("dd:wq\r") == []
    asm.observe_output("\x1b[?1049l\x1b[23;0;0t")
    assert asm.feed("crictl ps\r") == ["crictl ps"]


def test_a_line_longer_than_the_limit_is_cut_at_the_limit() -> None:
    asm = LineAssembler(max_line=10)
    assert asm.feed("x" * 50 + "\r") == ["x" * 10]


# ----- the bridge, with a fake RawTerminal --------------------------------------------------


class FakeRawTerminal:
    """Answers like a PTY: read() returns what the 'shell' printed, or b"" after a wait."""

    def __init__(self, node: str = "kd-x-control-plane") -> None:
        self.node = node
        self.written = bytearray()
        self.sizes: list[tuple[int, int]] = []
        self.closed = threading.Event()
        self.exited = threading.Event()
        self.output: queue.Queue[bytes] = queue.Queue()

    def say(self, data: bytes) -> None:
        self.output.put(data)

    def write(self, data: bytes) -> None:
        self.written += data

    def read(self, timeout: float) -> bytes:
        try:
            return self.output.get(timeout=timeout)
        except queue.Empty:
            if self.exited.is_set():
                raise EOFError from None
            return b""

    def resize(self, cols: int, rows: int) -> None:
        self.sizes.append((cols, rows))

    def close(self) -> None:
        self.closed.set()


class Harness:
    def __init__(self) -> None:
        self.terminal = FakeRawTerminal()
        self.recorded: list[str] = []
        self.ended: str | None = None
        self.admit = None

    def app(self) -> Starlette:
        async def endpoint(ws: WebSocket) -> None:
            await ws.accept()

            async def check_ended() -> str | None:
                return self.ended

            await terminal_raw.bridge(ws, self.terminal, record=self.recorded.append,
                                      check_ended=check_ended, status_every_s=0.05,
                                      read_timeout_s=0.02, admit=self.admit)

        return Starlette(routes=[WebSocketRoute("/t", endpoint)])


def wait_for(predicate, timeout: float = 3.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def receive_until(ws, kind: str) -> list[dict]:  # noqa: ANN001
    frames = []
    while True:
        frame = ws.receive_json()
        frames.append(frame)
        if frame["type"] == kind:
            return frames


@pytest.fixture
def harness() -> Harness:
    return Harness()


def test_output_reaches_the_browser_as_printed(harness: Harness) -> None:
    harness.terminal.say(b"root@kd-x-control-plane:~# ")
    with TestClient(harness.app()) as client, client.websocket_connect("/t") as ws:
        frame = ws.receive_json()
        assert frame == {"type": "output", "data": "root@kd-x-control-plane:~# "}


def test_input_is_written_through_and_resize_reaches_the_pty(harness: Harness) -> None:
    with TestClient(harness.app()) as client, client.websocket_connect("/t") as ws:
        ws.send_json({"type": "resize", "cols": 132, "rows": 40})
        ws.send_json({"type": "input", "data": "crictl ps\r"})
        ws.send_json({"type": "resize", "cols": 0, "rows": 40})      # ignored: not a size
        ws.send_json({"type": "resize", "cols": "80", "rows": 24})   # ignored: not a number
        wait_for(lambda: bytes(harness.terminal.written) == b"crictl ps\r")
        assert harness.terminal.sizes == [(132, 40)]


def test_typed_lines_are_recorded_through_the_callback(harness: Harness) -> None:
    with TestClient(harness.app()) as client, client.websocket_connect("/t") as ws:
        for key in "journalctl -u kubeletx\x7f\r":
            ws.send_json({"type": "input", "data": key})
        ws.send_json({"type": "input", "data": "cat /etc/shadow\x03"})
        wait_for(lambda: harness.recorded == ["journalctl -u kubelet"])
        wait_for(lambda: bytes(harness.terminal.written).endswith(b"\x03"))
    assert harness.recorded == ["journalctl -u kubelet"]


def test_a_shell_that_exits_ends_the_session_and_the_pty_is_closed(harness: Harness) -> None:
    harness.terminal.say(b"logout\r\n")
    harness.terminal.exited.set()
    with TestClient(harness.app()) as client, client.websocket_connect("/t") as ws:
        frames = receive_until(ws, "ended")
    assert frames[0] == {"type": "output", "data": "logout\r\n"}
    assert frames[-1]["reason"] == "shell-exited" and "exited" in frames[-1]["detail"]
    wait_for(harness.terminal.closed.is_set)


def test_an_attempt_that_ends_ends_the_session(harness: Harness) -> None:
    with TestClient(harness.app()) as client, client.websocket_connect("/t") as ws:
        harness.ended = "This attempt has ended (expired)."
        frames = receive_until(ws, "ended")
    assert frames[-1] == {"type": "ended", "detail": "This attempt has ended (expired)."}
    wait_for(harness.terminal.closed.is_set)


def test_closing_the_browser_closes_the_pty(harness: Harness) -> None:
    with TestClient(harness.app()) as client, client.websocket_connect("/t") as ws:
        ws.send_json({"type": "input", "data": "ls\r"})
        wait_for(lambda: harness.recorded == ["ls"])
    wait_for(harness.terminal.closed.is_set)


def test_oversized_and_malformed_messages_are_refused_and_the_session_goes_on(
        harness: Harness) -> None:
    with TestClient(harness.app()) as client, client.websocket_connect("/t") as ws:
        ws.send_text('{"type": "input", "data": "' + "a" * terminal_raw.MAX_FRAME + '"}')
        assert ws.receive_json() == {"type": "error", "detail": "message too large"}
        ws.send_text("not json")
        assert ws.receive_json() == {"type": "error", "detail": "invalid JSON"}
        ws.send_json({"type": "exec", "command": "ls"})
        assert "real shell" in ws.receive_json()["detail"]
        ws.send_json({"type": "input", "data": "id\r"})
        wait_for(lambda: bytes(harness.terminal.written) == b"id\r")
    assert harness.terminal.written == bytearray(b"id\r")


def test_utf8_split_between_reads_arrives_whole(harness: Harness) -> None:
    text = "état ✓\r\n".encode()
    harness.terminal.say(text[:2])       # cuts the two-byte "é"
    harness.terminal.say(text[2:])
    with TestClient(harness.app()) as client, client.websocket_connect("/t") as ws:
        got = ""
        while got != "état ✓\r\n":
            got += ws.receive_json()["data"]
            assert "\ufffd" not in got


def test_a_large_burst_is_split_into_bounded_frames(harness: Harness) -> None:
    burst = b"x" * (terminal_raw.MAX_OUTPUT_CHARS * 2 + 100)
    harness.terminal.say(burst)
    with TestClient(harness.app()) as client, client.websocket_connect("/t") as ws:
        sizes = []
        while sum(sizes) < len(burst):
            sizes.append(len(ws.receive_json()["data"]))
    assert max(sizes) <= terminal_raw.MAX_OUTPUT_CHARS and sum(sizes) == len(burst)


# ----- the terminal endpoint for a kind attempt ---------------------------------------------


@pytest.fixture
def kind_attempt(client: TestClient, attempt: dict, settings,  # noqa: ANN001
                 monkeypatch: pytest.MonkeyPatch) -> dict:
    """The `attempt` fixture turned into a kind attempt, with a fake kind_runtime."""
    with Session(get_engine(settings.database_url)) as db:
        row = db.get(Attempt, attempt["id"])
        row.provider = "kind"
        db.add(row)
        db.commit()
    terminal = FakeRawTerminal(node="kd-abc-control-plane")
    recorded: list[tuple[str, str, str]] = []
    fake = types.ModuleType("app.training.kind_runtime")
    fake.open_raw_terminal = lambda state, a: terminal
    fake.record_command = lambda db, a, node, command: recorded.append((a.id, node, command))
    monkeypatch.setitem(sys.modules, "app.training.kind_runtime", fake)
    monkeypatch.setattr(app.training, "kind_runtime", fake, raising=False)
    return {**attempt, "terminal": terminal, "recorded": recorded}


def test_a_kind_attempt_gets_a_raw_terminal_and_its_lines_are_recorded(
        client: TestClient, kind_attempt: dict) -> None:
    terminal = kind_attempt["terminal"]
    terminal.say(b"root@kd-abc-control-plane:~# ")
    url = f"/api/attempts/{kind_attempt['id']}/terminal?token={kind_attempt['token']}"
    with client.websocket_connect(url) as ws:
        hello = ws.receive_json()
        assert hello["type"] == "hello" and hello["mode"] == "raw"
        assert hello["node"] == "kd-abc-control-plane"
        assert ws.receive_json() == {"type": "output", "data": "root@kd-abc-control-plane:~# "}
        ws.send_json({"type": "input", "data": "crictl ps -a\r"})
        wait_for(lambda: kind_attempt["recorded"])
    assert kind_attempt["recorded"] == [(kind_attempt["id"], "kd-abc-control-plane",
                                         "crictl ps -a")]
    assert bytes(terminal.written) == b"crictl ps -a\r"
    wait_for(terminal.closed.is_set)


def test_a_kind_attempt_that_ends_sends_ended_to_its_raw_terminal(
        client: TestClient, kind_attempt: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terminal_raw, "STATUS_EVERY_S", 0.05)
    url = f"/api/attempts/{kind_attempt['id']}/terminal?token={kind_attempt['token']}"
    with client.websocket_connect(url) as ws:
        assert ws.receive_json()["mode"] == "raw"
        r = client.post(f"/api/attempts/{kind_attempt['id']}/finish",
                        headers=kind_attempt["headers"])
        assert r.status_code == 200, r.text
        frames = receive_until(ws, "ended")
    assert "has ended" in frames[-1]["detail"]


def test_a_raw_terminal_of_an_ended_kind_attempt_says_so_and_opens_no_shell(
        client: TestClient, kind_attempt: dict) -> None:
    client.post(f"/api/attempts/{kind_attempt['id']}/finish", headers=kind_attempt["headers"])
    url = f"/api/attempts/{kind_attempt['id']}/terminal?token={kind_attempt['token']}"
    with client.websocket_connect(url) as ws:
        assert ws.receive_json()["type"] == "ended"
    assert not kind_attempt["terminal"].closed.is_set() and not kind_attempt["terminal"].written


def test_a_kind_attempt_still_provisioning_is_told_to_come_back_later(
        client: TestClient, kind_attempt: dict, settings) -> None:  # noqa: ANN001
    with Session(get_engine(settings.database_url)) as db:
        row = db.get(Attempt, kind_attempt["id"])
        row.status = "provisioning"
        db.add(row)
        db.commit()
    url = f"/api/attempts/{kind_attempt['id']}/terminal?token={kind_attempt['token']}"
    with client.websocket_connect(url) as ws:
        frame = ws.receive_json()
        assert frame["type"] == "error" and "still being created" in frame["detail"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1013          # "try again later": terminal.js reconnects
    assert not kind_attempt["terminal"].written


def test_a_shell_that_cannot_open_is_reported_and_retried(
        client: TestClient, kind_attempt: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(state, attempt):  # noqa: ANN001, ANN202
        raise RuntimeError("docker exec failed: No such container: kd-abc-control-plane")

    monkeypatch.setattr(sys.modules["app.training.kind_runtime"], "open_raw_terminal", refuse)
    url = f"/api/attempts/{kind_attempt['id']}/terminal?token={kind_attempt['token']}"
    with client.websocket_connect(url) as ws:
        frame = ws.receive_json()
        assert frame["type"] == "error" and "No such container" in frame["detail"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1011


def test_a_sim_attempt_keeps_the_line_mode_terminal(client: TestClient, attempt: dict) -> None:
    url = f"/api/attempts/{attempt['id']}/terminal?token={attempt['token']}"
    with client.websocket_connect(url) as ws:
        hello = ws.receive_json()
    assert hello["type"] == "hello" and "mode" not in hello and hello["prompt"]


# ----- end to end through the training layer's kind runtime ---------------------------------


def test_a_real_shell_s_lines_reach_the_debrief_timeline(settings) -> None:  # noqa: ANN001
    """KindRuntime (with the in-process cluster maker) opens the shell on the attempt's
    control-plane node; the lines typed into it are in the debrief."""
    from app.main import create_app
    from app.training.kind_runtime import KindRuntime
    from tests.training.fake_maker import FakeMaker

    maker = FakeMaker()
    app_ = create_app(settings)
    app_.state.provider = KindRuntime(maker, get_engine(settings.database_url),
                                      app_.state.catalog, max_clusters=2, poll_s=0.05)
    shells: list[FakeRawTerminal] = []
    with TestClient(app_) as client:
        r = client.post("/api/attempts", json={"scenario_id": "etcd-manifest-typo", "seed": 0})
        body = r.json()
        headers = {"Authorization": f"Bearer {body['token']}"}
        url = f"/api/attempts/{body['id']}"
        wait_for(lambda: client.get(url, headers=headers).json()["status"] == "active", 20)
        (cluster,) = maker.made.values()

        def open_terminal(node: str) -> FakeRawTerminal:
            shells.append(FakeRawTerminal(node))
            return shells[-1]

        cluster.open_terminal = open_terminal
        with client.websocket_connect(f"{url}/terminal?token={body['token']}") as ws:
            hello = ws.receive_json()
            assert hello["mode"] == "raw" and hello["node"] == "kind-control-plane"
            for keys in ("crictl ps -a\r", "journalctl -u kubelet | tail\r", "vi x\x03"):
                ws.send_json({"type": "input", "data": keys})
            wait_for(lambda: shells and bytes(shells[0].written).endswith(b"\x03"))
        client.post(url + "/finish", headers=headers)
        timeline = client.get(url + "/debrief", headers=headers).json()["timeline"]
    assert [(t["node"], t["command"]) for t in timeline] == [
        ("kind-control-plane", "crictl ps -a"),
        ("kind-control-plane", "journalctl -u kubelet | tail")]
    wait_for(shells[0].closed.is_set)


def limits(**overrides: float) -> tuple:
    from app.config import Settings
    from app.web.limits import Limiter

    settings = Settings(database_url="sqlite://", scenarios_dir=SCENARIOS, secret_key="k",
                        **overrides)
    return settings, Limiter(settings)


def test_keystrokes_past_the_input_rate_are_dropped_whole_with_a_retry_after(
        harness: Harness) -> None:
    settings, limiter = limits(terminal_input_bytes_per_s=10)
    harness.admit = terminal_raw.input_limits(settings, limiter, "a:1")
    paste = "x" * (terminal_raw.MAX_FRAME - 100)
    with TestClient(harness.app()) as client, client.websocket_connect("/t") as ws:
        ws.send_json({"type": "input", "data": paste})  # one full frame: the burst allows it
        ws.send_json({"type": "input", "data": "y" * 500})  # past the 100 bytes left
        frame = ws.receive_json()
        assert frame["type"] == "error" and "typing too fast" in frame["detail"]
        assert frame["retry_after"] >= 1
        wait_for(lambda: len(harness.terminal.written) == len(paste))
    assert b"y" not in harness.terminal.written, "the refused input never reached the shell"


def test_enter_counts_against_the_attempts_command_limit(harness: Harness) -> None:
    settings, limiter = limits(commands_per_s=0.01, commands_burst=2)
    harness.admit = terminal_raw.input_limits(settings, limiter, "a:1")
    with TestClient(harness.app()) as client, client.websocket_connect("/t") as ws:
        for line in ("ls\r", "id\r", "df\r"):
            ws.send_json({"type": "input", "data": line})
        frame = ws.receive_json()
        assert frame["type"] == "error" and "too many commands" in frame["detail"]
        ws.send_json({"type": "input", "data": "d"})  # plain keys still go through
        wait_for(lambda: bytes(harness.terminal.written) == b"ls\rid\rd")
    assert harness.recorded == ["ls", "id"]
