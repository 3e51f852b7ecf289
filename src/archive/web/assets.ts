/**
 * The viewer's one style sheet and one script, served from /assets/ (no
 * inline script or style: the content security policy forbids them, so a
 * body that slipped through as markup could still not run). No build step.
 */

export const STYLE = `:root { color-scheme: light dark; --fg: #1d1f21; --bg: #fdfdfd; --dim: #6a6f75; --line: #e6e6e6; --mark: #ffe27a; --hl: #fff5c2; --link: #1a5fb4; }
@media (prefers-color-scheme: dark) { :root { --fg: #e4e4e4; --bg: #16181a; --dim: #9aa0a6; --line: #2c2f33; --mark: #7a6300; --hl: #3a3420; --link: #8ab4f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
header, main, footer { max-width: 64rem; margin: 0 auto; padding: 0.5rem 1rem; }
header { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: baseline; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.15rem; margin: 0; }
header form { margin-left: auto; }
nav.crumbs a + a::before { content: " / "; color: var(--dim); }
input, select, button { font: inherit; padding: 0.2rem 0.4rem; max-width: 100%; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid var(--line); }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.dim { color: var(--dim); }
.lines { font: 14px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
.l { display: grid; grid-template-columns: 5.2rem 9rem 1fr; gap: 0 0.6rem; padding: 0.05rem 0.25rem; border-radius: 3px; }
.l:target, .l.hl { background: var(--hl); }
.l .t { color: var(--dim); }
.l .f { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; text-align: right; }
.l .b { white-space: pre-wrap; overflow-wrap: anywhere; }
.l.ev .b { color: var(--dim); font-style: italic; }
.m { margin: 0.3rem 0; padding: 0.2rem 0.5rem; border-left: 3px solid var(--dim); color: var(--dim); }
.m.reset { border-color: #c01c28; }
.sep { margin: 0.8rem 0 0.3rem; font-weight: 600; }
mark { background: var(--mark); color: inherit; }
.hits li { margin: 0.5rem 0; list-style: none; }
.hits ol { padding: 0; }
.hit .meta { font-size: 0.85rem; color: var(--dim); }
.hit .s { white-space: pre-wrap; overflow-wrap: anywhere; }
.cal { display: flex; flex-wrap: wrap; gap: 1rem; }
.cal table { width: auto; }
.cal td, .cal th { text-align: center; padding: 0.15rem 0.3rem; border: 0; font-variant-numeric: tabular-nums; }
.cal td a { display: block; }
.cal td small { display: block; color: var(--dim); font-size: 0.7rem; }
.filters { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: end; margin: 0.5rem 0 1rem; }
.filters label { display: flex; flex-direction: column; font-size: 0.8rem; color: var(--dim); }
.live { font-size: 0.8rem; padding: 0 0.4rem; border-radius: 3px; }
.live.on { background: #2ec27e33; }
.live.off { background: #c01c2833; }
.error { color: #c01c28; }
@media (max-width: 40rem) {
  .l { grid-template-columns: 4.6rem 1fr; }
  .l .f { grid-column: 2; text-align: left; }
  .l .b { grid-column: 1 / -1; padding-left: 1rem; }
  header form { margin-left: 0; width: 100%; }
}
`;

/**
 * Live lines on the newest day page: an EventSource on the topic's stream
 * (the browser resumes it with Last-Event-ID after a drop). Each event
 * carries the line's HTML as the server renders it (bodies escaped there,
 * as on the page); the script only places it.
 */
export const LIVE_SCRIPT = `"use strict";
(() => {
  const main = document.querySelector("[data-live]");
  if (!main) return;
  const lines = document.getElementById("lines");
  const state = document.getElementById("live");
  const say = (text, on) => {
    if (!state) return;
    state.textContent = text;
    state.className = on ? "live on" : "live off";
  };
  const source = new EventSource(main.getAttribute("data-live"));
  source.addEventListener("open", () => say("live", true));
  source.addEventListener("error", () => say("reconnecting…", false));
  source.addEventListener("line", (event) => {
    const { html } = JSON.parse(event.data);
    const atEnd = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    lines.insertAdjacentHTML("beforeend", html);
    if (atEnd) window.scrollTo(0, document.body.scrollHeight);
  });
})();
`;

export const ROBOTS = "User-agent: *\nDisallow: /\n";
