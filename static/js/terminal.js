/*
 * kubedrill terminal: the browser side of an attempt's shell.
 *
 * The server runs the (simulated) shell; this file does what readline would do locally:
 * line editing, history, asking the server for completions, and reconnecting after a drop.
 * It needs the vendored xterm UMD builds loaded first (window.Terminal, window.FitAddon)
 * and a <div id="terminal" data-ws-url="/api/attempts/ID/terminal"> on the page.
 *
 * Protocol (JSON text frames):
 *   server → hello {prompt, node, banner} | output {data} | done {exit_code, prompt}
 *            completions {line, items} | clear | ended {detail} | error {detail}
 *   client → exec {command} | complete {line, cursor} | interrupt | resize {cols, rows}
 *
 * Raw mode (a real shell on a kind node, app/web/terminal_raw.py): a hello with
 * mode "raw" hands the keyboard to the server's PTY. Every keystroke goes out as
 * input {data}; output {data} is written to xterm exactly as the shell printed it (the PTY
 * already echoes, edits and ends lines with CR LF); resize {cols, rows} follows the fit
 * addon. No line editing, history or completion happens here: the shell does all of it.
 * A close code of 1008 or 4000–4999 means "do not come back" (auth, unknown attempt);
 * any other drop is retried with backoff.
 */
(() => {
  'use strict';

  const THEME = {
    background: '#0b0f14',
    foreground: '#d6dde6',
    cursor: '#f0f3f6',
    cursorAccent: '#0b0f14',
    selectionBackground: '#2f4a6d',
    black: '#1b222c',
    red: '#ff7b72',
    green: '#7ee787',
    yellow: '#e3b341',
    blue: '#79c0ff',
    magenta: '#d2a8ff',
    cyan: '#56d4dd',
    white: '#c9d1d9',
    brightBlack: '#8b949e',
    brightRed: '#ffa198',
    brightGreen: '#aff5b4',
    brightYellow: '#f8e3a1',
    brightBlue: '#a5d6ff',
    brightMagenta: '#e2c5ff',
    brightCyan: '#b3f0ff',
    brightWhite: '#f0f6fc',
  };
  const FONT = 'ui-monospace, "SFMono-Regular", "SF Mono", Menlo, Consolas, '
    + '"DejaVu Sans Mono", "Liberation Mono", monospace';

  const MAX_HISTORY = 500;
  const MAX_TYPEAHEAD = 64 * 1024;
  const CONNECT_TIMEOUT_MS = 10000;
  const COMPLETE_TIMEOUT_MS = 4000;
  // An error during a command may or may not be followed by "done"; wait this long for it.
  const ERROR_GRACE_MS = 1500;
  // Raw mode: characters per input frame; JSON-escaped control characters take up to six
  // bytes each, so this stays under the server's 64 KiB frame limit.
  const RAW_CHUNK = 8192;

  const RESET = '\x1b[0m';
  const RED = '\x1b[31m';
  const DIM = '\x1b[2m';
  const NOTICE = '\x1b[1;33m';
  const CSI = '\x1b[';

  const ANSI_RE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
  const stripAnsi = (s) => s.replace(ANSI_RE, '');
  const crlf = (s) => s.replace(/\r?\n/g, '\r\n');

  // Columns a character takes in the terminal: wide East Asian and emoji take two.
  function charWidth(ch) {
    const cp = ch.codePointAt(0);
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0x300 && cp <= 0x36f)) return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf)
      || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff)
      || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60)
      || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff)
      || (cp >= 0x20000 && cp <= 0x3fffd)) return 2;
    return 1;
  }
  const widthOf = (chars) => chars.reduce((n, ch) => n + charWidth(ch), 0);
  const strWidth = (s) => widthOf(Array.from(s));
  const isPrintable = (tok) => !/[\x00-\x1f\x7f]/.test(tok);
  const isWordChar = (ch) => /[\p{L}\p{N}_]/u.test(ch);

  // One key or character from the input stream: [token, length consumed].
  function nextToken(s, i) {
    if (s[i] === '\r' && s[i + 1] === '\n') return ['\r', 2];
    if (s[i] !== '\x1b') {
      const ch = String.fromCodePoint(s.codePointAt(i));
      return [ch, ch.length];
    }
    const rest = s.slice(i);
    const m = /^\x1b\[[0-?]*[ -/]*[@-~]/.exec(rest) || /^\x1bO[\s\S]/.exec(rest);
    if (m) return [m[0], m[0].length];
    if (rest.length > 1) {  // Alt+key arrives as ESC followed by the key
      const ch = String.fromCodePoint(rest.codePointAt(1));
      return ['\x1b' + ch, 1 + ch.length];
    }
    return ['\x1b', 1];
  }

  // Lay items out in columns down then across, as bash lists completions.
  function columns(items, width) {
    const colWidth = Math.max(...items.map(strWidth)) + 2;
    const perRow = Math.max(1, Math.floor(width / colWidth));
    const rows = Math.ceil(items.length / perRow);
    const lines = [];
    for (let r = 0; r < rows; r++) {
      let line = '';
      for (let c = 0; c < perRow; c++) {
        const i = c * rows + r;
        if (i >= items.length) break;
        const last = (c + 1) * rows + r >= items.length;
        line += last ? items[i] : items[i] + ' '.repeat(colWidth - strWidth(items[i]));
      }
      lines.push(line);
    }
    return lines.join('\r\n') + '\r\n';
  }

  function socketUrl(path) {
    const url = new URL(path, window.location.href);
    if (url.protocol === 'http:') url.protocol = 'ws:';
    if (url.protocol === 'https:') url.protocol = 'wss:';
    return url.href;
  }

  function loadHistory(key) {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(key) || '[]');
      return Array.isArray(saved) ? saved.filter((s) => typeof s === 'string') : [];
    } catch (e) {
      return [];
    }
  }

  class TerminalSession {
    constructor(host) {
      this.host = host;
      this.url = socketUrl(host.dataset.wsUrl);
      this.historyKey = 'kubedrill:history:' + host.dataset.wsUrl;
      this.history = loadHistory(this.historyKey);
      this.histPos = this.history.length;
      this.draft = '';

      this.line = [];          // the edit buffer, one code point per entry
      this.cursor = 0;         // index into line
      this.killed = '';        // last killed text, for Ctrl-Y
      this.prompt = '';
      this.dirty = false;      // line changed since it was last painted

      // What the screen shows: whether prompt + line are painted, and on which row of the
      // (possibly wrapped) input the cursor sits, counted from the prompt's row.
      this.promptShown = false;
      this.cursorRow = 0;
      this.atLineStart = true;

      this.phase = 'connecting';  // connecting | idle | running | completing | ended
      this.typeahead = '';        // input that arrived while not idle, replayed at the prompt
      this.bannerShown = false;
      this.interrupted = false;
      this.completion = null;
      this.raw = false;           // the server runs a real shell: keystrokes go straight to it

      this.socket = null;
      this.retries = 0;
      this.retryTimer = null;
      this.noticeShown = false;
      this.leaving = false;
      this.errorTimer = null;
      this.completeTimer = null;

      this.mount();
    }

    // ----- set-up -------------------------------------------------------------------

    mount() {
      // xterm goes in an unpadded inner box so FitAddon measures exactly the space it has.
      const viewport = document.createElement('div');
      viewport.className = 'terminal-viewport';
      viewport.style.cssText = 'width:100%;height:100%;';
      this.host.replaceChildren(viewport);

      // The container's CSS font size (so the page's own scaling for big screens applies),
      // unless the page asks for one with data-font-size.
      const cssSize = Math.round(parseFloat(window.getComputedStyle(this.host).fontSize));
      const fontSize = Number(this.host.dataset.fontSize) || cssSize || 14;
      this.term = new window.Terminal({
        cursorBlink: true,
        fontFamily: FONT,
        fontSize,
        scrollback: 5000,
        theme: THEME,
        minimumContrastRatio: 4.5,
      });
      this.fitAddon = new window.FitAddon.FitAddon();
      this.term.loadAddon(this.fitAddon);
      this.term.open(viewport);
      this.term.attachCustomKeyEventHandler((ev) => this.browserKeys(ev));
      this.term.onData((data) => this.onData(data));
      this.term.onResize(() => this.onResize());

      this.fit();
      let pending = false;
      const refit = () => {
        if (pending) return;
        pending = true;
        window.requestAnimationFrame(() => { pending = false; this.fit(); });
      };
      window.addEventListener('resize', refit);
      if (window.ResizeObserver) new ResizeObserver(refit).observe(this.host);
      if (document.fonts && document.fonts.ready) document.fonts.ready.then(refit);

      window.addEventListener('online', () => this.reconnectNow());
      window.addEventListener('pagehide', () => {
        this.leaving = true;
        if (this.socket) this.socket.close(1000, 'page closed');
      });
      window.addEventListener('pageshow', (ev) => {
        if (ev.persisted && this.phase !== 'ended') { this.leaving = false; this.reconnectNow(); }
      });

      this.setPhase('connecting');
      this.connect();
      this.term.focus();
    }

    fit() {
      try { this.fitAddon.fit(); } catch (e) { /* hidden or not laid out yet */ }
    }

    // Let the browser copy and paste instead of sending ^C / ^V to the shell.
    browserKeys(ev) {
      if (ev.type !== 'keydown') return true;
      const key = ev.key.toLowerCase();
      const mod = ev.ctrlKey || ev.metaKey;
      if (mod && !ev.altKey && key === 'v') return false;
      if (mod && key === 'c' && (ev.shiftKey || ev.metaKey || this.term.hasSelection())) return false;
      if (ev.shiftKey && ev.key === 'Insert') return false;
      return true;
    }

    setPhase(phase) {
      this.phase = phase;
      this.host.dataset.state = phase;
    }

    // ----- the connection -----------------------------------------------------------

    connect() {
      let ws;
      try {
        ws = new WebSocket(this.url);
      } catch (e) {
        this.printAsync(RED + 'cannot open the terminal: ' + e.message + RESET + '\r\n');
        this.setPhase('ended');
        return;
      }
      this.socket = ws;
      const timeout = setTimeout(() => {
        if (ws.readyState === WebSocket.CONNECTING) ws.close();
      }, CONNECT_TIMEOUT_MS);
      ws.onopen = () => {
        clearTimeout(timeout);
        this.sendResize();
      };
      ws.onmessage = (ev) => {
        if (ws !== this.socket || typeof ev.data !== 'string') return;
        let msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        if (msg && typeof msg === 'object') this.onMessage(msg);
      };
      ws.onclose = (ev) => {
        clearTimeout(timeout);
        if (ws === this.socket) this.onClose(ev);
      };
    }

    reconnectNow() {
      if (!this.retryTimer) return;
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.connect();
    }

    send(msg) {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
      this.socket.send(JSON.stringify(msg));
      return true;
    }

    sendResize() {
      this.send({ type: 'resize', cols: this.term.cols, rows: this.term.rows });
    }

    onClose(ev) {
      this.socket = null;
      clearTimeout(this.errorTimer);
      clearTimeout(this.completeTimer);
      if (this.leaving || this.phase === 'ended') return;

      if (ev.code === 1008 || (ev.code >= 4000 && ev.code <= 4999)) {
        const why = ev.reason || 'the terminal was closed by the server';
        this.printFinal(RED + why + RESET);
        return;
      }
      // A command in flight may or may not have run; don't replay what was queued after it.
      if (this.phase === 'running') this.typeahead = '';
      if (this.raw) {
        // The shell went with the connection; the next hello brings a new one.
        if (!this.noticeShown) this.write('\r\n' + DIM + 'reconnecting…' + RESET + '\r\n');
        this.noticeShown = true;
      } else if (!this.noticeShown) {
        this.noticeShown = true;
        this.printAsync(DIM + 'reconnecting…' + RESET + '\r\n', false);
      } else if (this.promptShown) {
        this.clearInput();
      }
      this.setPhase('connecting');
      const delay = Math.min(10000, 500 * 2 ** this.retries) * (0.8 + Math.random() * 0.4);
      this.retries += 1;
      this.retryTimer = setTimeout(() => { this.retryTimer = null; this.connect(); }, delay);
    }

    onMessage(msg) {
      switch (msg.type) {
        case 'hello': return msg.mode === 'raw' ? this.onRawHello(msg) : this.onHello(msg);
        case 'output': return this.onOutput(msg);
        case 'done': return this.onDone(msg);
        case 'completions': return this.onCompletions(msg);
        case 'clear': return this.onClear();
        case 'ended': return this.onEnded(msg);
        case 'error': return this.onError(msg);
        case 'edit': return this.onEdit(msg);
        default: return undefined;
      }
    }

    // `vi file` / `nano file`: an editor pane over the terminal; saving writes the file on the
    // node through the server (the same path as `sed -i`), cancelling leaves it untouched.
    onEdit(msg) {
      clearTimeout(this.errorTimer);
      const host = this.host || document.body;
      const pane = document.createElement('div');
      pane.className = 'editor-pane';
      pane.setAttribute('role', 'dialog');
      pane.setAttribute('aria-label', 'Edit ' + msg.path);
      const title = document.createElement('div');
      title.className = 'editor-title';
      title.textContent = (msg.readonly ? 'view ' : 'edit ') + msg.path + '  (' + msg.node + ')';
      const area = document.createElement('textarea');
      area.className = 'editor-text';
      area.value = String(msg.content || '');
      area.spellcheck = false;
      area.readOnly = !!msg.readonly;
      const bar = document.createElement('div');
      bar.className = 'editor-bar';
      const save = document.createElement('button');
      save.type = 'button';
      save.className = 'button button-primary';
      save.textContent = 'Save (Ctrl-S)';
      save.disabled = !!msg.readonly;
      const cancel = document.createElement('button');
      cancel.type = 'button';
      cancel.className = 'button';
      cancel.textContent = 'Cancel (Esc)';
      bar.append(save, cancel);
      pane.append(title, area, bar);
      host.appendChild(pane);
      area.focus();
      const close = (reply) => {
        pane.remove();
        this.send(reply);
        this.term.focus();
      };
      save.addEventListener('click', () => close({ type: 'save', path: msg.path, content: area.value }));
      cancel.addEventListener('click', () => close({ type: 'cancel', path: msg.path }));
      area.addEventListener('keydown', (ev) => {
        if (ev.key === 'Escape') { ev.preventDefault(); cancel.click(); }
        if ((ev.ctrlKey || ev.metaKey) && ev.key === 's' && !msg.readonly) {
          ev.preventDefault();
          save.click();
        }
      });
    }

    onHello(msg) {
      this.retries = 0;
      this.noticeShown = false;
      const prompt = typeof msg.prompt === 'string' ? msg.prompt : this.prompt;
      if (!this.bannerShown) {
        this.bannerShown = true;
        if (msg.banner) {
          this.write(crlf(String(msg.banner)));
          if (!this.atLineStart) this.write('\r\n');
        }
      }
      if (this.phase === 'ended') return;
      if (this.promptShown) {  // a second hello on a live prompt: never print it twice
        if (prompt !== this.prompt) { this.prompt = prompt; this.paint(false); }
        return;
      }
      this.prompt = prompt;
      this.setPhase('idle');
      this.paint(true);
      this.drain();
    }

    // A real shell (kind): from here on the server's PTY does what readline does.
    onRawHello(msg) {
      this.retries = 0;
      this.noticeShown = false;
      this.raw = true;
      if (!this.bannerShown) {
        this.bannerShown = true;
        if (msg.banner) this.write(crlf(String(msg.banner)));
      }
      if (this.phase === 'ended') return;
      this.setPhase('idle');
      this.sendResize();
      const early = this.typeahead;  // typed while connecting
      this.typeahead = '';
      if (early) this.sendInput(early);
    }

    // A big paste goes out in pieces the server accepts (it refuses frames over 64 KiB),
    // never cutting a surrogate pair in two.
    sendInput(data) {
      for (let i = 0; i < data.length;) {
        let end = Math.min(data.length, i + RAW_CHUNK);
        const last = data.charCodeAt(end - 1);
        if (end < data.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
        this.send({ type: 'input', data: data.slice(i, end) });
        i = end;
      }
    }

    onOutput(msg) {
      if (this.raw) {
        this.write(String(msg.data == null ? '' : msg.data));
        return;
      }
      const text = crlf(String(msg.data == null ? '' : msg.data));
      if (!text) return;
      if (this.phase === 'running') {
        clearTimeout(this.errorTimer);
        this.write(text);
      } else {
        this.printAsync(text);  // unsolicited (a broadcast, say): keep the edit line intact
      }
    }

    onDone(msg) {
      const prompt = typeof msg.prompt === 'string' ? msg.prompt : this.prompt;
      if (this.phase !== 'running') {  // late or duplicate: only pick up a new prompt
        if (prompt !== this.prompt) {
          this.prompt = prompt;
          if (this.promptShown) this.paint(false);
        }
        return;
      }
      this.prompt = prompt;
      this.finishCommand();
    }

    finishCommand() {
      clearTimeout(this.errorTimer);
      this.interrupted = false;
      this.setPhase('idle');
      this.paint(true);
      this.drain();
    }

    onCompletions(msg) {
      if (this.phase !== 'completing') return;  // cancelled or timed out
      clearTimeout(this.completeTimer);
      const { before, after } = this.completion;
      this.setPhase('idle');
      if (typeof msg.line === 'string') {
        const line = Array.from(msg.line);
        const tail = Array.from(after);
        // Keep the cursor where the completion was inserted when the rest is unchanged.
        const kept = msg.line.startsWith(before) && msg.line.endsWith(after)
          && msg.line.length >= before.length + after.length;
        this.line = line;
        this.cursor = kept ? line.length - tail.length : line.length;
        this.dirty = true;
      }
      const items = Array.isArray(msg.items) ? msg.items.map(String) : [];
      if (items.length > 1) {
        this.flush();
        this.endOfInput();
        this.write(columns(items, this.term.cols));
        this.paint(true);
      } else {
        this.flush();
      }
      this.drain();
    }

    onClear() {
      this.write(CSI + 'H' + CSI + '2J' + CSI + '3J');
      this.cursorRow = 0;
      this.atLineStart = true;
      if (this.promptShown) {
        this.promptShown = false;
        this.paint(true);
      }
    }

    onEnded(msg) {
      if (this.phase === 'ended') return;
      const detail = String(msg.detail || 'This attempt has ended.');
      this.printFinal(NOTICE + crlf(detail) + RESET);
      document.dispatchEvent(new CustomEvent('kubedrill:ended', { detail: { detail } }));
    }

    onError(msg) {
      const text = RED + crlf(String(msg.detail || 'error')) + RESET + '\r\n';
      if (this.phase === 'running') {
        if (!this.atLineStart) this.write('\r\n');
        this.write(text);
        clearTimeout(this.errorTimer);
        this.errorTimer = setTimeout(() => {
          if (this.phase === 'running') this.finishCommand();
        }, ERROR_GRACE_MS);
        return;
      }
      if (this.phase === 'completing') {
        clearTimeout(this.completeTimer);
        this.setPhase('idle');
        this.printAsync(text);
        this.drain();
        return;
      }
      this.printAsync(text);
    }

    // Stop for good: print why, take no more input.
    printFinal(text) {
      this.flush();
      if (this.promptShown) this.endOfInput();
      else if (!this.atLineStart) this.write('\r\n');
      this.write(text + '\r\n' + CSI + '?25l');
      this.setPhase('ended');
      this.typeahead = '';
      clearTimeout(this.errorTimer);
      clearTimeout(this.completeTimer);
      clearTimeout(this.retryTimer);
      this.term.options.cursorBlink = false;
      this.term.options.disableStdin = true;
    }

    // ----- the screen ---------------------------------------------------------------

    write(s) {
      if (!s) return;
      const visible = stripAnsi(s);
      if (visible) this.atLineStart = /[\r\n]$/.test(visible);
      this.term.write(s);
    }

    promptTail() {
      const nl = this.prompt.lastIndexOf('\n');
      return nl < 0 ? this.prompt : this.prompt.slice(nl + 1);
    }

    promptWidth() {
      return strWidth(stripAnsi(this.promptTail()));
    }

    // Paint prompt + line. fresh: on a new line below whatever is there; otherwise redraw
    // the input in place, from the row the prompt started on.
    paint(fresh) {
      const cols = this.term.cols;
      let s = '';
      if (fresh) {
        if (!this.atLineStart) s += '\r\n';
        const nl = this.prompt.lastIndexOf('\n');
        if (nl >= 0) s += crlf(this.prompt.slice(0, nl + 1));
      } else if (this.cursorRow > 0) {
        s += CSI + this.cursorRow + 'A';
      }
      s += '\r' + CSI + 'J' + this.promptTail() + this.line.join('');
      const pw = this.promptWidth();
      const end = pw + widthOf(this.line);
      const endRow = Math.floor(end / cols);
      // A line that exactly fills the width leaves xterm in a pending wrap; force the wrap
      // so the cursor really is at the start of the next row, where the arithmetic says.
      if (end > 0 && end % cols === 0) s += ' \r';
      const pos = pw + widthOf(this.line.slice(0, this.cursor));
      const row = Math.floor(pos / cols);
      const col = pos % cols;
      if (endRow > row) s += CSI + (endRow - row) + 'A';
      s += '\r';
      if (col) s += CSI + col + 'C';
      this.write(s);
      this.atLineStart = false;
      this.cursorRow = row;
      this.promptShown = true;
      this.dirty = false;
    }

    flush() {
      if (this.dirty && this.promptShown) this.paint(false);
    }

    // Move the cursor just past the end of the input.
    moveToEnd() {
      const cols = this.term.cols;
      const end = this.promptWidth() + widthOf(this.line);
      const row = Math.floor(end / cols);
      const col = end % cols;
      let s = row > this.cursorRow ? CSI + (row - this.cursorRow) + 'B' : '';
      s += '\r';
      if (col) s += CSI + col + 'C';
      this.cursorRow = row;
      return { seq: s, wrapped: end > 0 && col === 0 };
    }

    // Leave the input as it is on screen and go to a fresh line below it.
    endOfInput() {
      const { seq, wrapped } = this.moveToEnd();
      this.write(seq + (wrapped ? CSI + 'K' : '\r\n'));
      this.atLineStart = true;
      this.promptShown = false;
      this.cursorRow = 0;
    }

    // Erase the prompt and input from the screen.
    clearInput() {
      const up = this.cursorRow > 0 ? CSI + this.cursorRow + 'A' : '';
      this.term.write(up + '\r' + CSI + 'J');
      this.atLineStart = true;
      this.promptShown = false;
      this.cursorRow = 0;
    }

    // Print something that is not a command's output without mangling the edit line:
    // erase the input, print, then paint the prompt and input again below it.
    printAsync(text, repaint = true) {
      const hadPrompt = this.promptShown;
      if (hadPrompt) this.clearInput();
      else if (!this.atLineStart) this.write('\r\n');
      this.write(text);
      if (!this.atLineStart) this.write('\r\n');
      if (hadPrompt && repaint) this.paint(true);
    }

    onResize() {
      this.sendResize();
      if (this.raw || !this.promptShown) return;
      // xterm reflowed the wrapped input; find the cursor's row again, then repaint.
      const pos = this.promptWidth() + widthOf(this.line.slice(0, this.cursor));
      this.cursorRow = Math.floor(pos / this.term.cols);
      this.paint(false);
    }

    // ----- input --------------------------------------------------------------------

    onData(data) {
      if (this.phase === 'ended') return;
      if (this.raw) {
        // Keystrokes typed while reconnecting are dropped: the next shell is a new one.
        if (this.phase === 'idle') this.sendInput(data);
        return;
      }
      if (this.phase !== 'idle') {
        const i = data.lastIndexOf('\x03');
        if (i < 0) { this.queue(data); return; }
        this.typeahead = '';
        this.interrupt();
        data = data.slice(i + 1);
        if (this.phase !== 'idle') { this.queue(data); return; }
      }
      this.feed(data);
    }

    queue(data) {
      this.typeahead = (this.typeahead + data).slice(0, MAX_TYPEAHEAD);
    }

    drain() {
      const data = this.typeahead;
      this.typeahead = '';
      if (data) this.feed(data);
    }

    // Ctrl-C while not at the prompt.
    interrupt() {
      if (this.phase === 'running') {
        this.send({ type: 'interrupt' });
        if (!this.interrupted) this.write('^C');
        this.interrupted = true;
      } else if (this.phase === 'completing') {
        clearTimeout(this.completeTimer);
        this.setPhase('idle');
        this.cancelLine();
      } else {
        this.line = [];
        this.cursor = 0;
      }
    }

    feed(data) {
      let i = 0;
      while (i < data.length) {
        if (this.phase !== 'idle') {  // a command or completion is under way: keep the rest
          this.typeahead = (data.slice(i) + this.typeahead).slice(0, MAX_TYPEAHEAD);
          break;
        }
        const [tok, len] = nextToken(data, i);
        i += len;
        this.key(tok);
      }
      this.flush();
    }

    key(tok) {
      const line = this.line;
      switch (tok) {
        case '\r': case '\n': return this.submit();
        case '\t': return this.complete();
        case '\x03': return this.cancelLine();
        case '\x0c': return this.clearScreen();
        case '\x7f': case '\x08':
          if (this.cursor > 0) { line.splice(this.cursor - 1, 1); this.cursor -= 1; break; }
          return undefined;
        case '\x04':  // Ctrl-D: delete; on an empty line bash would log out, which we don't
        case '\x1b[3~':
          if (this.cursor < line.length) { line.splice(this.cursor, 1); break; }
          return undefined;
        case '\x1b[D': case '\x1bOD': case '\x02':
          this.cursor = Math.max(0, this.cursor - 1); break;
        case '\x1b[C': case '\x1bOC': case '\x06':
          this.cursor = Math.min(line.length, this.cursor + 1); break;
        case '\x1b[H': case '\x1bOH': case '\x1b[1~': case '\x1b[7~': case '\x01':
          this.cursor = 0; break;
        case '\x1b[F': case '\x1bOF': case '\x1b[4~': case '\x1b[8~': case '\x05':
          this.cursor = line.length; break;
        case '\x1b[A': case '\x1bOA': case '\x10': return this.historyMove(-1);
        case '\x1b[B': case '\x1bOB': case '\x0e': return this.historyMove(1);
        case '\x15': this.kill(0, this.cursor); break;
        case '\x0b': this.kill(this.cursor, line.length); break;
        case '\x17': this.kill(this.wordStart(/\s/), this.cursor); break;
        case '\x1b\x7f': case '\x1b\x08': this.kill(this.wordStart(null), this.cursor); break;
        case '\x1bd': this.kill(this.cursor, this.wordEnd()); break;
        case '\x1bb': case '\x1b[1;5D': case '\x1b[1;3D':
          this.cursor = this.wordStart(null); break;
        case '\x1bf': case '\x1b[1;5C': case '\x1b[1;3C':
          this.cursor = this.wordEnd(); break;
        case '\x19':
          this.insert(this.killed); break;
        default:
          if (tok[0] === '\x1b' || !isPrintable(tok)) return undefined;
          this.insert(tok);
      }
      this.dirty = true;
      return undefined;
    }

    insert(text) {
      const chars = Array.from(text).filter(isPrintable);
      this.line.splice(this.cursor, 0, ...chars);
      this.cursor += chars.length;
    }

    kill(from, to) {
      if (to <= from) return;
      this.killed = this.line.slice(from, to).join('');
      this.line.splice(from, to - from);
      this.cursor = from;
    }

    // Start of the word before the cursor. sep: what separates words (Ctrl-W: whitespace);
    // null means anything that is not a letter, digit or underscore (Alt-Backspace, Alt-B).
    wordStart(sep) {
      const isSep = sep ? (ch) => sep.test(ch) : (ch) => !isWordChar(ch);
      let i = this.cursor;
      while (i > 0 && isSep(this.line[i - 1])) i -= 1;
      while (i > 0 && !isSep(this.line[i - 1])) i -= 1;
      return i;
    }

    wordEnd() {
      let i = this.cursor;
      while (i < this.line.length && !isWordChar(this.line[i])) i += 1;
      while (i < this.line.length && isWordChar(this.line[i])) i += 1;
      return i;
    }

    historyMove(step) {
      const next = this.histPos + step;
      if (next < 0 || next > this.history.length) return;
      if (this.histPos === this.history.length) this.draft = this.line.join('');
      this.histPos = next;
      const text = next === this.history.length ? this.draft : this.history[next];
      this.line = Array.from(text);
      this.cursor = this.line.length;
      this.dirty = true;
    }

    remember(command) {
      if (this.history[this.history.length - 1] !== command) {
        this.history.push(command);
        if (this.history.length > MAX_HISTORY) this.history.splice(0, this.history.length - MAX_HISTORY);
        try {
          window.sessionStorage.setItem(this.historyKey, JSON.stringify(this.history));
        } catch (e) { /* storage full or disabled: history lasts for this page only */ }
      }
      this.histPos = this.history.length;
      this.draft = '';
    }

    resetLine() {
      this.line = [];
      this.cursor = 0;
      this.histPos = this.history.length;
      this.draft = '';
    }

    submit() {
      this.flush();
      const command = this.line.join('');
      this.endOfInput();
      this.resetLine();
      if (!command.trim()) { this.paint(true); return; }
      this.remember(command);
      if (!this.send({ type: 'exec', command })) {
        // The socket is going down; run it once we are back.
        this.typeahead = command + '\r' + this.typeahead;
        this.setPhase('connecting');
        return;
      }
      this.interrupted = false;
      this.setPhase('running');
    }

    complete() {
      const before = this.line.slice(0, this.cursor).join('');
      const after = this.line.slice(this.cursor).join('');
      if (!this.send({ type: 'complete', line: before + after, cursor: this.cursor })) return;
      this.completion = { before, after };
      this.setPhase('completing');
      this.completeTimer = setTimeout(() => {
        if (this.phase !== 'completing') return;
        this.setPhase('idle');
        this.drain();
      }, COMPLETE_TIMEOUT_MS);
    }

    // Ctrl-C at the prompt: abandon the line, like bash.
    cancelLine() {
      this.flush();
      const { seq } = this.moveToEnd();
      this.write(seq + '^C\r\n');
      this.promptShown = false;
      this.cursorRow = 0;
      this.resetLine();
      this.paint(true);
    }

    // Ctrl-L: clear the screen, keep the line being typed.
    clearScreen() {
      this.term.write(CSI + 'H' + CSI + '2J');
      this.atLineStart = true;
      this.promptShown = false;
      this.cursorRow = 0;
      this.paint(true);
    }
  }

  function start() {
    const host = document.getElementById('terminal');
    if (!host || !host.dataset.wsUrl || host.dataset.started) return;
    host.dataset.started = '1';
    if (typeof window.Terminal !== 'function' || !window.FitAddon) {
      host.textContent = 'The terminal could not load: its scripts are missing '
        + '(static/vendor/ is built by scripts/vendor-assets.sh).';
      return;
    }
    const session = new TerminalSession(host);
    window.kubedrillTerminal = {
      term: session.term,
      fitAddon: session.fitAddon,
      get socket() { return session.socket; },
      get state() { return session.phase; },
    };
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
