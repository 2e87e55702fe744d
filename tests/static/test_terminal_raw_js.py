"""static/js/terminal.js in raw mode, run by node against stand-ins for xterm.js, the DOM and
WebSocket (no browser): keystrokes go out as `input` frames, output is written as printed,
resizes follow, and line mode stays as it was."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TERMINAL_JS = ROOT / "static" / "js" / "terminal.js"

HARNESS = r"""
const fs = require('fs');
const vm = require('vm');
const sockets = [];
class FakeSocket {
  constructor(url) { this.url = url; this.readyState = 0; this.sent = []; sockets.push(this); }
  send(s) { this.sent.push(JSON.parse(s)); }
  close() { this.readyState = 3; }
  open() { this.readyState = 1; this.onopen(); }
  message(obj) { this.onmessage({ data: JSON.stringify(obj) }); }
}
FakeSocket.CONNECTING = 0; FakeSocket.OPEN = 1;
class FakeTerminal {
  constructor(options) { this.options = options; this.cols = 80; this.rows = 24; this.out = ''; }
  loadAddon() {} open() {} focus() {} hasSelection() { return false; }
  attachCustomKeyEventHandler() {}
  onData(cb) { this.dataCb = cb; } onResize(cb) { this.resizeCb = cb; }
  write(s) { this.out += s; }
}
const el = () => ({ style: {}, dataset: {}, append() {}, appendChild() {}, remove() {},
                    addEventListener() {}, setAttribute() {}, replaceChildren() {} });
const host = Object.assign(el(), { dataset: { wsUrl: '/api/attempts/a1/terminal' } });
const document = { readyState: 'complete', getElementById: () => host, createElement: el,
                   addEventListener() {}, dispatchEvent() {} };
const window = {
  location: { href: 'http://127.0.0.1:8000/play/a1' }, addEventListener() {},
  getComputedStyle: () => ({ fontSize: '14px' }), requestAnimationFrame: (f) => f(),
  sessionStorage: { getItem: () => null, setItem() {} },
  Terminal: FakeTerminal, FitAddon: { FitAddon: class { fit() {} } },
};
const context = { window, document, WebSocket: FakeSocket, URL, JSON, Math, Array, Object,
                  String, Number, setTimeout, clearTimeout, CustomEvent: class {} };
vm.runInNewContext(fs.readFileSync(process.argv[2], 'utf8'), context);
const term = window.kubedrillTerminal.term;
const ws = sockets[0];
ws.open();
const result = {};
const step = process.argv[3];
if (step === 'raw') {
  ws.message({ type: 'hello', mode: 'raw', node: 'kd-a-control-plane', prompt: '',
               banner: 'kubedrill: you are root on kd-a-control-plane\n' });
  result.stateAfterHello = window.kubedrillTerminal.state;
  ws.message({ type: 'output', data: 'root@kd-a-control-plane:~# ' });
  term.dataCb('l'); term.dataCb('s'); term.dataCb('\x7f'); term.dataCb('\r'); term.dataCb('\x1b[A');
  ws.message({ type: 'output', data: '\x1b[?1049h\x1b[H' });
  term.cols = 120; term.rows = 40; term.resizeCb();
  term.dataCb('x' + '\u{1F600}'.repeat(4096) + 'x'.repeat(20000));   // a big paste
  ws.message({ type: 'ended', detail: 'This attempt has ended (solved).' });
  term.dataCb('x');
  result.state = window.kubedrillTerminal.state;
} else {
  ws.message({ type: 'hello', node: 'kind-control-plane', prompt: '# ', banner: 'hi\n' });
  term.dataCb('pwd'); term.dataCb('\r');
}
result.sent = ws.sent;
result.out = term.out;
console.log(JSON.stringify(result));
"""


def run(tmp_path: Path, step: str) -> dict:
    script = tmp_path / "harness.js"
    script.write_text(HARNESS)
    proc = subprocess.run(["node", str(script), str(TERMINAL_JS), step],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_raw_mode_sends_every_keystroke_as_input_and_resizes(tmp_path: Path) -> None:
    got = run(tmp_path, "raw")
    sent = got["sent"]
    assert sent[0] == {"type": "resize", "cols": 80, "rows": 24}   # on open, as line mode
    inputs = [m["data"] for m in sent if m["type"] == "input"]
    assert inputs[:5] == ["l", "s", "\x7f", "\r", "\x1b[A"]          # no local editing at all
    assert {"type": "resize", "cols": 120, "rows": 40} in sent
    assert not [m for m in sent if m["type"] in ("exec", "complete")]
    assert got["stateAfterHello"] == "idle" and got["state"] == "ended"


def test_a_big_paste_goes_out_in_frames_the_server_accepts(tmp_path: Path) -> None:
    inputs = [m["data"] for m in run(tmp_path, "raw")["sent"] if m["type"] == "input"][5:]
    # The first frame would end inside an emoji's surrogate pair: it ends before it.
    assert "".join(inputs) == "x" + "\U0001F600" * 4096 + "x" * 20000
    assert len(inputs) > 1
    assert all(len(json.dumps({"type": "input", "data": d})) <= 65536 for d in inputs)


def test_raw_mode_writes_output_exactly_as_the_shell_printed_it(tmp_path: Path) -> None:
    out = run(tmp_path, "raw")["out"]
    assert "kubedrill: you are root on kd-a-control-plane\r\n" in out
    # The prompt is the shell's: no prompt painting, no CR LF rewriting, escapes untouched.
    assert "root@kd-a-control-plane:~# \x1b[?1049h\x1b[H" in out
    assert "This attempt has ended (solved)." in out


def test_line_mode_is_unchanged_a_line_goes_out_as_one_exec(tmp_path: Path) -> None:
    sent = run(tmp_path, "line")["sent"]
    assert [m for m in sent if m["type"] != "resize"] == [{"type": "exec", "command": "pwd"}]
