/*
 * kubedrill countdown: time left in an attempt, on the server's clock.
 *
 *   <span data-countdown role="timer"
 *         data-deadline="2025-01-01T10:20:00Z"       the attempt's deadline (UTC)
 *         data-server-now="2025-01-01T10:00:00Z"     the server's now when it rendered the page
 *         data-status-url="/api/attempts/ID"         GET → {deadline, elapsed_s, status}
 *         data-ended-url="/attempts/ID/debrief">20:00</span>
 *
 * The text goes into a [data-countdown-value] child if there is one, else the element.
 * The element gets the class "warning" under two minutes. Every 30 s (and when the tab
 * comes back into view, or the terminal reports the attempt ended) the status is fetched
 * again: a new deadline is taken, the clock offset is checked against the response's Date
 * header, and a status other than "active" leaves for data-ended-url, as does zero.
 */
(() => {
  'use strict';

  const RESYNC_MS = 30000;
  const WARNING_S = 120;
  const started = new WeakSet();

  // Date.parse reads a time without a zone as local time, and not every browser reads more
  // than three fractional digits; the server means UTC and Python prints microseconds.
  function parseUtc(text) {
    if (!text) return NaN;
    let s = text.trim().replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
    if (/^\d{4}-\d\d-\d\dT[\d:.]+$/.test(s)) s += 'Z';
    return Date.parse(s);
  }

  function format(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    const pad = (n) => String(n).padStart(2, '0');
    return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
  }

  function startCountdown(el) {
    if (started.has(el)) return;
    started.add(el);

    let deadline = parseUtc(el.dataset.deadline);
    const serverNow = parseUtc(el.dataset.serverNow);
    // offset: server clock minus local clock, in ms.
    let offset = Number.isFinite(serverNow) ? serverNow - Date.now() : 0;
    const display = el.querySelector('[data-countdown-value]') || el;
    const statusUrl = el.dataset.statusUrl;
    const endedUrl = el.dataset.endedUrl;
    let tickTimer = null;
    let syncTimer = null;
    let leaving = false;
    if (!el.hasAttribute('role')) el.setAttribute('role', 'timer');
    if (!Number.isFinite(deadline)) return;

    function leave(reason) {
      if (leaving) return;
      leaving = true;
      clearTimeout(tickTimer);
      clearTimeout(syncTimer);
      el.dispatchEvent(new CustomEvent('kubedrill:countdown-ended', { bubbles: true, detail: { reason } }));
      if (endedUrl) window.location.assign(endedUrl);
    }

    function tick() {
      if (leaving) return;
      if (!el.isConnected) { clearTimeout(syncTimer); return; }  // swapped out by htmx
      const remainingMs = deadline - (Date.now() + offset);
      const seconds = Math.max(0, Math.ceil(remainingMs / 1000));
      const text = format(seconds);
      if (display.textContent !== text) display.textContent = text;
      el.classList.toggle('warning', seconds < WARNING_S);
      if (remainingMs <= 0) { leave('time'); return; }
      // Wake just after the displayed second changes.
      const untilNext = remainingMs % 1000 || 1000;
      tickTimer = setTimeout(tick, untilNext + 20);
    }

    async function sync() {
      clearTimeout(syncTimer);
      if (leaving || !el.isConnected || !statusUrl) return;
      try {
        const sent = Date.now();
        const res = await fetch(statusUrl, {
          headers: { Accept: 'application/json' },
          cache: 'no-store',
          credentials: 'same-origin',
        });
        const received = Date.now();
        if (res.ok) {
          const body = await res.json();
          // Date has whole seconds, so the server's clock read somewhere in
          // [date, date + 1 s) between sent and received. Keep the offset we have if it fits
          // that window (it is likely finer); otherwise move it to the nearest edge.
          const date = Date.parse(res.headers.get('Date') || '');
          if (Number.isFinite(date)) {
            const lowest = date - received;
            const highest = date + 1000 - sent;
            offset = Math.min(Math.max(offset, lowest), highest);
          }
          const next = parseUtc(body.deadline);
          if (Number.isFinite(next)) deadline = next;
          if (body.status && body.status !== 'active') { leave('status'); return; }
          clearTimeout(tickTimer);
          tick();
        }
      } catch (e) {
        // Offline or the server is restarting: keep counting on the clock we have.
      }
      if (!leaving) syncTimer = setTimeout(sync, RESYNC_MS);
    }

    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') sync();
    });
    // The terminal says the attempt is over: confirm with the server, after a moment to
    // let the trainee read why.
    document.addEventListener('kubedrill:ended', () => setTimeout(sync, 1500));

    tick();
    syncTimer = setTimeout(sync, RESYNC_MS);
  }

  function scan(root) {
    const scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches('[data-countdown]')) startCountdown(scope);
    scope.querySelectorAll('[data-countdown]').forEach(startCountdown);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => scan(document));
  else scan(document);
  // Countdowns that arrive in an htmx swap.
  document.addEventListener('htmx:load', (ev) => scan(ev.target));
})();
