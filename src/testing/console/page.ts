/**
 * The emulator's web console: the one page served at `GET /console`, with its CSS and script inline, for a developer
 * to watch the emulator while integrating (requests and why a signature was refused, what the emulator holds,
 * notifications and their deliveries, the member's side, scripted faults).
 *
 * Design:
 * - One static HTML document: no framework, no build step, nothing fetched from another host (it works offline; the
 *   system font stack; a `Content-Security-Policy` meta allows connections to this origin only). Everything it shows
 *   comes from the JSON routes and the event stream of `api.ts`, by absolute paths (`/console/api/…`,
 *   `/console/events`).
 * - The script is plain ES2022 in a `String.raw` template, so it holds no backtick and no dollar-brace; `\n` in it is
 *   the script's own escape. Elements are built with a small `h(tag, attrs, ...children)` and every piece of data is
 *   set as text (`append` of strings, `textContent`): the page shows request bodies from any client, so no server
 *   data ever goes through `innerHTML` (the page never uses it).
 * - Views are tabs routed by the location hash (`#requests`, `#requests/42`, `#state`, `#notifications`,
 *   `#member`, `#faults`). Each is re-fetched whole when its SSE event says it changed (debounced), except the request
 *   list, which takes each `request` event's summary as a new row (500 rows at most). After the stream reconnects,
 *   everything is re-fetched, as events may have been missed.
 * - The `data-*` attributes are the hooks the browser tests use; keep them when changing the markup.
 *
 * @internal
 */
export const page: string = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'">
<link rel="icon" href="data:,">
<title>WeChat Pay emulator · console</title>
<style>
:root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --soft: #f6f8fa; --accent: #0969da;
  --good: #1a7f37; --good-bg: #dafbe1; --warn: #9a6700; --warn-bg: #fff8c5; --bad: #cf222e; --bad-bg: #ffebe9;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; color: var(--fg); background: #fff; }
code, pre, .wire, td.mono { font-family: var(--mono); font-size: 12px; }
pre { margin: 0; white-space: pre-wrap; word-break: break-all; }
h2 { font-size: 15px; margin: 18px 0 6px; } h3 { font-size: 13px; margin: 16px 0 6px; }
a { color: var(--accent); }
body > header { padding: 8px 16px; border-bottom: 1px solid var(--line); background: var(--soft); }
.top { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.top h1 { font-size: 15px; margin: 0; }
#live { margin-left: auto; font-weight: 600; }
#live::before { content: "●"; margin-right: 4px; }
#live.on { color: var(--good); } #live.off { color: var(--bad); }
#identities { list-style: none; margin: 4px 0 0; padding: 0; color: var(--muted); font-size: 12px; }
#identities code { color: var(--fg); }
nav { display: flex; gap: 2px; padding: 0 16px; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; background: #fff; }
nav a { padding: 8px 12px; text-decoration: none; color: var(--muted); border-bottom: 2px solid transparent; }
nav a.on { color: var(--fg); border-bottom-color: #fd8c73; font-weight: 600; }
.count { background: var(--soft); border: 1px solid var(--line); border-radius: 9px; padding: 0 6px; font-size: 11px; }
.count:empty { display: none; }
main > section { padding: 8px 16px 40px; }
#error { margin: 8px 16px 0; }
.muted { color: var(--muted); } .empty { color: var(--muted); padding: 12px 0; }
.err, .verdict.bad { color: var(--bad); } .verdict.good { color: var(--good); }
.box-err { background: var(--bad-bg); border: 1px solid #ffcecb; padding: 6px 10px; border-radius: 6px; color: var(--bad); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { font-weight: 600; color: var(--muted); background: var(--soft); white-space: nowrap; }
.scroll { overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
.scroll table { border: 0; }
.scroll thead th { position: sticky; top: 0; z-index: 1; }
#request-list { max-height: 45vh; }
#request-list td { font-family: var(--mono); font-size: 12px; white-space: nowrap; max-width: 300px; overflow: hidden; text-overflow: ellipsis; }
#request-list td[data-field="request-id"] { max-width: 130px; }
#request-list tbody tr { cursor: pointer; }
#request-list tbody tr:hover { background: #f3f6fa; }
#request-list tbody tr.sel { background: #ddf4ff; }
td.num { text-align: right; }
.st, .badge, .tag { display: inline-block; padding: 0 6px; border-radius: 4px; font-family: var(--mono); font-size: 12px; background: var(--soft); border: 1px solid var(--line); }
.good { color: var(--good); background: var(--good-bg); border-color: #aceebb; }
.warn { color: var(--warn); background: var(--warn-bg); border-color: #eed888; }
.bad { color: var(--bad); background: var(--bad-bg); border-color: #ffcecb; }
.toolbar { display: flex; gap: 8px; align-items: center; margin: 4px 0 8px; }
input, select, button { font: inherit; }
input, select { padding: 3px 6px; border: 1px solid var(--line); border-radius: 4px; background: #fff; min-width: 0; }
button { padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--soft); cursor: pointer; }
button:hover { background: #eaeef2; } button:disabled { opacity: .6; cursor: default; }
button.small { padding: 0 6px; font-size: 11px; font-weight: normal; }
#request-detail { margin-top: 12px; border: 1px solid var(--line); border-radius: 6px; padding: 4px 14px 14px; }
.detail-head { display: flex; align-items: baseline; gap: 12px; }
.detail-head h2 { font-family: var(--mono); word-break: break-all; }
.detail-head a { margin-left: auto; white-space: nowrap; }
.verdict { font-size: 14px; margin: 8px 0; padding: 4px 8px; border: 1px solid; border-radius: 6px; }
.cause { border: 1px solid #ffcecb; border-left: 4px solid var(--bad); background: #fff6f5; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.cause strong { font-size: 14px; }
.cause p { margin: 6px 0; }
.diff { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.diff pre, pre.wire { background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 6px 8px; }
mark { background: #ffd33d; color: #000; outline: 1px solid var(--bad); }
mark.end { background: var(--bad-bg); color: var(--bad); font-style: italic; }
.ws { color: #8c959f; }
.ctl { border: 1px solid #afb8c1; border-radius: 3px; font-size: 10px; padding: 0 2px; margin: 0 1px; }
.label { color: var(--muted); font-size: 12px; margin: 8px 0 2px; }
table.kv td:first-child, table.lines th { width: 1%; white-space: nowrap; }
table.kv td { font-family: var(--mono); font-size: 12px; word-break: break-all; }
table.kv tr.sig td { background: #fff8c5; font-weight: 600; }
table.lines th { text-align: right; background: none; font-weight: normal; font-style: italic; }
table.lines td { white-space: pre-wrap; word-break: break-all; }
pre.hex { word-break: normal; white-space: pre; overflow-x: auto; }
.block { border: 1px solid var(--line); border-radius: 6px; padding: 0 12px 12px; margin: 12px 0; }
.block > h2 small { font-weight: normal; color: var(--muted); }
details > summary { cursor: pointer; color: var(--accent); font-family: var(--mono); font-size: 12px; }
.notif { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.notif > header { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.notif > header button { margin-left: auto; }
.cols { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; margin-top: 6px; }
.cols pre { max-height: 18em; overflow: auto; }
dl.kv { display: grid; grid-template-columns: auto 1fr; gap: 1px 10px; margin: 0; }
dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; font-family: var(--mono); font-size: 12px; word-break: break-all; }
ol.attempts { margin: 2px 0; padding-left: 22px; font-family: var(--mono); font-size: 12px; }
[data-field="next-attempt"] { color: var(--warn); margin: 6px 0; }
.forms { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 12px; align-items: start; }
form.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px 12px; }
form.card h3 { margin: 4px 0; } form.card p { margin: 0 0 8px; color: var(--muted); font-size: 12px; }
form label { display: grid; grid-template-columns: 96px minmax(0, 1fr); align-items: center; gap: 8px; margin: 4px 0; font-family: var(--mono); font-size: 12px; }
form .actions { margin-top: 8px; }
[data-field="member-result"] { margin-top: 8px; }
#fault-form { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; margin: 8px 0 12px; }
#fault-form label { display: flex; flex-direction: column; align-items: stretch; gap: 2px; margin: 0; font-family: inherit; color: var(--muted); }
#fault-form input[name="times"] { width: 70px; }
@media (max-width: 800px) { .diff, .cols { grid-template-columns: minmax(0, 1fr); } }
</style>
</head>
<body>
<header>
  <div class="top">
    <h1>WeChat Pay emulator</h1>
    <code id="base-url"></code><span id="version" class="muted"></span>
    <span id="live" class="off" title="The event stream from the emulator">offline</span>
  </div>
  <ul id="identities"></ul>
</header>
<nav>
  <a href="#requests" data-view="requests">Requests</a>
  <a href="#state" data-view="state">State</a>
  <a href="#notifications" data-view="notifications">Notifications <span class="count" id="pending-count" title="pending"></span></a>
  <a href="#member" data-view="member">Member's side</a>
  <a href="#faults" data-view="faults">Faults <span class="count" id="fault-count" title="scripted"></span></a>
</nav>
<div id="error" class="box-err" hidden></div>
<main>
  <section data-view="requests">
    <div class="toolbar">
      <input id="request-filter" type="search" placeholder="Filter: target, caller, code, status…" size="40">
      <span class="muted" id="request-count"></span>
    </div>
    <div id="request-list" class="scroll">
      <table>
        <thead><tr><th>time</th><th>method</th><th>target</th><th>status</th><th>code</th><th>Request-ID</th><th>caller</th><th>duration</th><th>fault</th></tr></thead>
        <tbody id="requests"></tbody>
      </table>
    </div>
    <div id="request-detail" hidden></div>
  </section>
  <section data-view="state" hidden><div id="state-body"><p class="empty">Loading…</p></div></section>
  <section data-view="notifications" hidden>
    <p id="notifier-off" class="box-err" hidden>No notifier runs: notifications are recorded, not delivered (see <code>layerNotifier</code>).</p>
    <div id="notifications-body"><p class="empty">Loading…</p></div>
  </section>
  <section data-view="member" hidden>
    <p class="muted">What a member does in WeChat, and what WeChat then notifies. Pick a template, code or openid from the lists, or type one.</p>
    <div id="member-forms" class="forms"></div>
    <datalist id="dl-templates"></datalist><datalist id="dl-codes"></datalist><datalist id="dl-openids"></datalist>
    <datalist id="dl-brand-templates"></datalist><datalist id="dl-brand-openids"></datalist>
  </section>
  <section data-view="faults" hidden>
    <p class="muted">The next answers of an endpoint, shaped by a fault: watch your client retry, or give up.</p>
    <form id="fault-form">
      <label>endpoint <select name="endpoint"><option value="">any endpoint</option></select></label>
      <label>fault <select name="kind"></select></label>
      <label>times <input name="times" type="number" min="1" max="100" value="1" required></label>
      <button type="submit">Script fault</button>
      <span id="fault-error" class="err"></span>
    </form>
    <div class="scroll"><table data-table="faults"><thead><tr><th>endpoint</th><th>fault</th><th>answers left</th></tr></thead><tbody id="faults"></tbody></table></div>
    <p><button type="button" data-action="clear-faults">Clear all</button></p>
  </section>
</main>
<script>
"use strict"
const API = "/console/api/"
const VIEWS = ["requests", "state", "notifications", "member", "faults"]
const MAX_ROWS = 500
const STATE_CLASS = { pending: "warn", delivered: "good", failed: "bad" }
const DELIVER_OUTCOMES = { woken: "attempting now; the schedule then goes on", redelivering: "delivering again from the start of the schedule", attempting: "an attempt is under way already" }
const S = { overview: null, state: null, requests: new Map(), detailId: null, everOpen: false, failed: false }

// ---- helpers ---------------------------------------------------------------------------------------------------
const $ = (sel, root) => (root || document).querySelector(sel)
const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel))

/** An element: attributes (functions are listeners, true is present, false/null absent) and children as text or nodes. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue
    if (typeof v === "function") el.addEventListener(k.slice(2), v)
    else el.setAttribute(k, v === true ? "" : String(v))
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c))
  return el
}
const pad = (n, w) => String(n).padStart(w || 2, "0")
const clock = (ms) => { const d = new Date(ms); return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3) }
const pretty = (v) => JSON.stringify(v, null, 2)
const statusClass = (s) => s === "dropped" || s >= 500 ? "bad" : s >= 400 ? "warn" : s >= 200 && s < 300 ? "good" : ""
function relative(at) {
  const s = Math.round((at - Date.now()) / 1000)
  if (s <= 0) return "due now"
  if (s < 60) return "in " + s + "s"
  if (s < 3600) return "in " + Math.floor(s / 60) + "m " + pad(s % 60) + "s"
  return "in " + Math.floor(s / 3600) + "h " + pad(Math.floor(s / 60) % 60) + "m"
}
/** Text with its control characters made visible: ↵ for a line feed (kept), CR, TAB and BOM in a box. */
function visible(text) {
  const marks = { "\n": "↵", "\r": "CR", "\t": "TAB", "\uFEFF": "BOM" }
  return String(text).split(/([\r\n\t\uFEFF])/).map((part) =>
    Object.hasOwn(marks, part) ? [h("span", { class: part === "\n" ? "ws" : "ws ctl" }, marks[part]), part === "\n" ? "\n" : ""] : part)
}
/** Nested JSON in a table cell, collapsed; which ones are open (by table, row and column) survives a re-render. */
const openDetails = new Set()
function jsonCell(value, key) {
  const summary = Array.isArray(value) ? "[" + value.length + "]" : "{" + Object.keys(value).length + " keys}"
  return h("details", { open: openDetails.has(key), ontoggle: (e) => e.target.open ? openDetails.add(key) : openDetails.delete(key) },
    h("summary", {}, summary), h("pre", {}, pretty(value)))
}

async function api(path, method, body) {
  const init = method ? { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body === undefined ? {} : body) } : undefined
  const res = await fetch(API + path, init)
  const data = await res.json().catch(() => null)
  if (!res.ok) throw new Error(data && typeof data.error === "string" ? data.error : "HTTP " + res.status + " " + res.statusText)
  return data
}
function showError(e) { const box = $("#error"); box.textContent = String(e && e.message || e); box.hidden = false }
const timers = {}
const later = (key, load) => { clearTimeout(timers[key]); timers[key] = setTimeout(() => load().catch(showError), 200) }

// ---- header and routing ----------------------------------------------------------------------------------------
function renderOverview() {
  const ov = S.overview
  $("#base-url").textContent = ov.baseUrl
  $("#version").textContent = [ov.version ? "v" + ov.version : "", ov.notifier ? "" : "notifier off"].filter(Boolean).join(" · ")
  const item = (label, value) => value ? [" · " + label + " ", h("code", {}, value)] : null
  $("#identities").replaceChildren(
    ...ov.merchants.map((m) => h("li", {}, m.serviceProvider ? "service provider " : "merchant ", h("code", {}, m.mchid),
      item("serial", m.merchantSerialNumber), item("public key", m.publicKeyId), item("APIv3 key", m.apiV3Key), item("notify →", m.callbackUrl))),
    ...ov.brands.map((b) => h("li", {}, "brand ", h("code", {}, b.brand_id),
      item("serial", b.brandSerialNumber), item("public key", b.publicKeyId), item("brand API key", b.brandApiKey))))
  $("#notifier-off").hidden = ov.notifier
  renderMemberForms()
  const form = $("#fault-form")
  form.endpoint.replaceChildren(h("option", { value: "" }, "any endpoint"), ...ov.endpoints.map((e) => h("option", { value: e }, e)))
  form.kind.replaceChildren(...ov.faultKinds.map((k) => h("option", { value: k.kind }, k.label)))
}

/** The overview, rendered again only when it changed (the forms keep what the developer typed across reconnections). */
async function loadOverview() {
  const overview = await api("overview")
  if (JSON.stringify(overview) === JSON.stringify(S.overview)) return
  S.overview = overview
  renderOverview()
}

function route() {
  const [view, arg] = location.hash.slice(1).split("/")
  const active = VIEWS.includes(view) ? view : "requests"
  for (const s of $$("main > section[data-view]")) s.hidden = s.dataset.view !== active
  for (const a of $$("nav a[data-view]")) {
    a.classList.toggle("on", a.dataset.view === active)
    if (a.dataset.view === active) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current")
  }
  if (active === "requests" && arg && /^\d+$/.test(arg)) openDetail(Number(arg))
  else if (active === "requests") closeDetail()
}

// ---- requests --------------------------------------------------------------------------------------------------
function requestRow(r) {
  const cell = (field, value, attrs) => h("td", Object.assign({ "data-field": field }, attrs), value)
  return h("tr", { "data-request-id": r.id, class: r.id === S.detailId ? "sel" : null, onclick: () => { location.hash = "requests/" + r.id } },
    cell("time", clock(r.at)),
    cell("method", r.method),
    cell("target", r.target, { title: r.target + "\n→ " + r.endpoint }),
    cell("status", h("span", { class: "st " + statusClass(r.status) }, String(r.status))),
    cell("code", r.code || ""),
    cell("request-id", r.requestId || "", { title: r.requestId || null }),
    cell("caller", r.caller || ""),
    cell("duration", Math.round(r.durationMs) + " ms", { class: "num" }),
    cell("fault", r.fault ? h("span", { class: "tag warn" }, r.fault) : ""))
}
function filterRow(tr) {
  const q = $("#request-filter").value.trim().toLowerCase()
  tr.hidden = q !== "" && !tr.textContent.toLowerCase().includes(q)
}
function requestCount() {
  const n = S.requests.size
  $("#request-count").textContent = n === 0 ? "" : n + (n === MAX_ROWS ? " (the latest)" : "") + " request" + (n === 1 ? "" : "s")
  if (n === 0) $("#requests").replaceChildren(h("tr", {}, h("td", { colspan: 9, class: "empty" },
    "No request yet. Point your client at " + (S.overview ? S.overview.baseUrl : "the emulator") + ".")))
}
function renderRequests() {
  const rows = [...S.requests.values()].sort((a, b) => b.id - a.id).slice(0, MAX_ROWS)
  S.requests = new Map(rows.map((r) => [r.id, r]))
  $("#requests").replaceChildren(...rows.map(requestRow))
  $$("#requests tr").forEach(filterRow)
  requestCount()
}
function addRequest(r) {
  if (S.requests.has(r.id)) return
  const body = $("#requests")
  if (S.requests.size === 0) body.replaceChildren()
  S.requests.set(r.id, r)
  const tr = requestRow(r)
  const after = $$("tr[data-request-id]", body).find((row) => Number(row.dataset.requestId) < r.id)
  body.insertBefore(tr, after || null)
  filterRow(tr)
  while (S.requests.size > MAX_ROWS) {
    const last = body.lastElementChild
    S.requests.delete(Number(last.dataset.requestId))
    last.remove()
  }
  requestCount()
}
async function loadRequests() {
  const { requests } = await api("requests")
  for (const r of requests) S.requests.set(r.id, r)
  renderRequests()
}

function closeDetail() {
  S.detailId = null
  $("#request-detail").hidden = true
  $$("#requests tr.sel").forEach((tr) => tr.classList.remove("sel"))
}
async function openDetail(id) {
  S.detailId = id
  $$("#requests tr.sel").forEach((tr) => tr.classList.remove("sel"))
  const row = $("#requests tr[data-request-id=\"" + id + "\"]")
  if (row) { row.classList.add("sel"); row.scrollIntoView({ block: "nearest" }) }
  const box = $("#request-detail")
  box.hidden = false
  box.replaceChildren(h("p", { class: "muted" }, "Loading request #" + id + "…"))
  try {
    const d = await api("requests/" + id)
    if (S.detailId === id) box.replaceChildren(...detailView(d).filter(Boolean))
  } catch (e) {
    if (S.detailId === id) box.replaceChildren(h("p", { class: "err" }, "Request #" + id + ": " + e.message), h("a", { href: "#requests" }, "close"))
  }
}
function detailView(d) {
  const sig = d.signature
  return [
    h("div", { class: "detail-head" }, h("h2", {}, "#" + d.id + " " + d.method + " " + d.target), h("a", { href: "#requests" }, "close ×")),
    h("div", { class: "muted" }, clock(d.at) + " · endpoint " + d.endpoint + " · " + (d.caller || "no caller named") + " · " +
      sig.scheme + " scheme · " + Math.round(d.durationMs) + " ms", d.fault ? [" · fault ", h("span", { class: "tag warn" }, d.fault)] : null),
    h("div", { "data-field": "verdict", class: "verdict " + (sig.verdict.ok ? "good" : "bad") },
      h("span", { class: "badge " + (sig.verdict.ok ? "good" : "bad") }, sig.verdict.ok ? "ok" : "refused"), " ", sig.verdict.summary),
    sig.cause ? causeView(sig.cause) : null,
    h("h3", {}, "Request as received"),
    headersTable(d.request.headers, "request-headers", (name) => name.toLowerCase() === "authorization"),
    h("div", { class: "label" }, "body · " + d.request.bodyBytes + " bytes"),
    h("pre", { class: "wire", "data-field": "request-body" }, d.request.body === "" ? h("span", { class: "muted" }, "(empty)") : d.request.body),
    signStringView(sig.signString),
    responseView(d.response)
  ]
}
function causeView(c) {
  return h("div", { class: "cause", "data-field": "cause" },
    h("div", {}, h("span", { class: "tag bad", "data-field": "cause-kind" }, c.kind), " ", h("strong", { "data-field": "cause-title" }, c.title)),
    h("p", { "data-field": "cause-detail" }, c.detail),
    c.signed !== undefined || c.sent !== undefined ? diffView(c.signed, c.sent) : null)
}
/** What was signed beside what was sent, the first differing character marked in both. */
function diffView(signed, sent) {
  const a = Array.from(signed === undefined ? "" : signed), b = Array.from(sent === undefined ? "" : sent)
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  const same = a.length === b.length && i === a.length
  const marked = (chars) => same ? visible(chars.join("")) : i >= chars.length
    ? [visible(chars.join("")), h("mark", { class: "end" }, "(ends here)")]
    : [visible(chars.slice(0, i).join("")), h("mark", {}, visible(chars[i])), visible(chars.slice(i + 1).join(""))]
  const side = (field, label, value, chars) => value === undefined ? h("div", {}) :
    h("div", {}, h("div", { class: "label" }, label), h("pre", { "data-field": field }, marked(chars)))
  return [
    h("div", { class: "diff" }, side("signed", "signed: what the caller signed", signed, a), side("sent", "sent: what reached the emulator", sent, b)),
    signed !== undefined && sent !== undefined ? h("div", { class: "label" }, same ? "identical text" : "first difference highlighted (character " + i + ", counting from 0)") : null
  ]
}
function headersTable(headers, field, highlight) {
  const names = Object.keys(headers)
  return h("table", { class: "kv", "data-field": field },
    names.length === 0 ? h("tr", {}, h("td", { class: "muted" }, "(no headers)")) :
    names.map((name) => h("tr", { class: highlight(name) ? "sig" : null }, h("td", {}, name), h("td", {}, headers[name]))))
}
function signStringView(ss) {
  const box = h("div", { "data-field": "sign-string" })
  if (!ss) return box.append(h("h3", {}, "Sign string"), h("p", { class: "muted" }, "Not rebuilt: the Authorization header could not be read.")), box
  const lines = h("table", { class: "lines wire" }, ["method", "target", "timestamp", "nonce", "body"].map((name) =>
    h("tr", { "data-line": name }, h("th", {}, name), h("td", {}, ss.lines[name] === "" ? h("span", { class: "ws" }, "(empty)") : visible(ss.lines[name]), h("span", { class: "ws" }, "↵")))))
  const hex = h("pre", { class: "wire hex", hidden: true }, hexDump(ss.hex, ss.bytes))
  const toggle = h("button", { type: "button", class: "small", onclick: () => {
    hex.hidden = !hex.hidden
    lines.hidden = !hex.hidden
    toggle.textContent = hex.hidden ? "hex" : "text"
  } }, "hex")
  box.append(h("h3", {}, "Sign string the emulator rebuilt ", h("span", { class: "muted" }, "· " + ss.bytes + " bytes "), toggle), lines, hex)
  return box
}
function hexDump(hex, bytes) {
  const pairs = hex.replace(/[^0-9a-f]/gi, "").match(/../g) || []
  const out = []
  for (let off = 0; off < pairs.length; off += 16) {
    const row = pairs.slice(off, off + 16)
    const ascii = row.map((p) => { const c = parseInt(p, 16); return c >= 32 && c < 127 ? String.fromCharCode(c) : "." }).join("")
    out.push(pad(off.toString(16), 6) + "  " + row.slice(0, 8).join(" ").padEnd(24) + row.slice(8).join(" ").padEnd(24) + " " + ascii)
  }
  if (pairs.length < bytes) out.push("… " + (bytes - pairs.length) + " more bytes not shown")
  return out.join("\n")
}
function responseView(r) {
  const box = h("div", { "data-field": "response" }, h("h3", {}, "Response as sent"))
  if (!r) return box.append(h("p", { class: "verdict bad" }, "connection dropped: no answer was sent")), box
  box.append(h("p", {}, "status ", h("span", { class: "st " + statusClass(r.status) }, String(r.status))),
    headersTable(r.headers, null, (name) => name.toLowerCase().startsWith("wechatpay-")),
    h("div", { class: "label" }, "body"), h("pre", { class: "wire" }, r.body === "" ? h("span", { class: "muted" }, "(empty)") : r.body))
  return box
}

// ---- state -----------------------------------------------------------------------------------------------------
const CARD_COLUMNS = ["card_id", "code", "openid", "status", "points", "balance", "level", "membership_number"]
const ORDER_COLUMNS = ["out_trade_no", "card_id", "code", "total", "points", "bonus_value"]
const POINTS_CLASS = { due: "warn", prepared: "", committed: "good" }

/** A table of records: the columns given, else every key in order of appearance; nested values as collapsible JSON. */
function table(name, rows, columns, key) {
  const cols = columns || [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const cell = (row, col, i) => {
    const v = row[col]
    if (v !== null && typeof v === "object") return h("td", {}, jsonCell(v, key + "/" + name + "/" + i + "/" + col))
    if (name.endsWith("orders") && col === "points") return h("td", {}, h("span", { class: "badge " + (POINTS_CLASS[v] || "") }, v))
    return h("td", { class: "mono" }, v === undefined || v === null ? "" : String(v))
  }
  return h("div", { class: "scroll" }, h("table", { "data-table": name },
    h("thead", {}, h("tr", {}, cols.length ? cols.map((c) => h("th", {}, c)) : h("th", {}, ""))),
    h("tbody", {}, rows.length === 0 ? h("tr", {}, h("td", { colspan: Math.max(cols.length, 1), class: "muted" }, "none")) :
      rows.map((row, i) => h("tr", {}, cols.map((col) => cell(row, col, i)))))))
}
function renderState() {
  const st = S.state
  const part = (title, count, content) => [h("h3", {}, title, h("span", { class: "muted" }, " (" + count + ")")), content]
  const blocks = [
    ...st.merchants.map((m) => h("div", { class: "block" },
      h("h2", {}, "Merchant ", h("code", {}, m.mchid), h("small", {}, " · ledger: " + m.ledger + " write" + (m.ledger === 1 ? "" : "s"))),
      part("Card templates", m.templates.length, table("templates", m.templates, null, m.mchid)),
      part("Members and their cards", m.cards.length, table("cards", m.cards, CARD_COLUMNS, m.mchid)),
      part("Activities", m.activities.length, table("activities", m.activities, null, m.mchid)),
      part("Service modules", m.serviceModules.length, table("service-modules", m.serviceModules, null, m.mchid)),
      part("Orders", m.orders.length, table("orders", m.orders, ORDER_COLUMNS, m.mchid)))),
    ...st.brands.map((b) => h("div", { class: "block" },
      h("h2", {}, "Brand ", h("code", {}, b.brand_id)),
      part("Card templates", b.templates.length, table("brand-templates", b.templates, null, b.brand_id)),
      part("User cards", b.userCards.length, table("brand-user-cards", b.userCards, null, b.brand_id)),
      part("Activities", b.activities.length, table("brand-activities", b.activities, null, b.brand_id)),
      part("Points", b.points.length, table("brand-points", b.points, ["card_id", "user_card_code", "point_balance"], b.brand_id))))
  ]
  $("#state-body").replaceChildren(...(blocks.length ? blocks : [h("p", { class: "empty" }, "The emulator holds no merchant and no brand.")]))
  renderDatalists()
}
async function loadState() { S.state = await api("state"); renderState() }

// ---- notifications ---------------------------------------------------------------------------------------------
const nextText = (at) => "next attempt " + relative(at) + " (" + clock(at).slice(0, 8) + ")"
function notificationView(n) {
  const note = h("span", { class: "muted" })
  const deliver = h("button", { type: "button", "data-action": "deliver", onclick: async () => {
    deliver.disabled = true
    note.className = "muted"
    note.textContent = "asking…"
    try {
      const answer = await api("notifications/" + encodeURIComponent(n.id) + "/deliver", "POST")
      note.textContent = DELIVER_OUTCOMES[answer.outcome] || answer.outcome
    }
    catch (e) { note.className = "err"; note.textContent = e.message }
    finally { deliver.disabled = false }
  } }, "Deliver again now")
  const attempt = (a) => h("li", {}, clock(a.at), " ",
    a.status !== undefined ? h("span", { class: "st " + statusClass(a.status) }, String(a.status)) : null,
    a.answer ? [" ", h("code", { "data-field": "answer" }, a.answer)] : null,
    a.error ? h("span", { class: "err" }, " " + a.error) : null,
    a.fault ? [" ", h("span", { class: "tag warn" }, a.fault)] : null)
  const dd = (label, value) => [h("dt", {}, label), h("dd", {}, value)]
  return h("article", { class: "notif", "data-notification-id": n.id },
    h("header", {}, h("span", { class: "badge " + STATE_CLASS[n.state], "data-field": "state" }, n.state),
      h("strong", { "data-field": "event-type" }, n.event_type), h("span", {}, n.summary), deliver, note),
    h("div", { class: "cols" },
      h("div", {},
        h("dl", { class: "kv" }, dd("id", n.id), dd("created", n.create_time), dd("recipient", n.recipient),
          dd("url", n.url || h("span", { class: "muted" }, "no URL known yet"))),
        n.nextAttemptAt != null ? h("div", { "data-field": "next-attempt", "data-next-at": n.nextAttemptAt }, nextText(n.nextAttemptAt)) : null,
        h("div", { class: "label" }, "attempts (" + n.attempts.length + ")"),
        h("ol", { class: "attempts", "data-field": "attempts" }, n.attempts.map(attempt))),
      h("div", {}, h("div", { class: "label" }, "content (decrypted resource)"), h("pre", { class: "wire", "data-field": "content" }, pretty(n.content)))))
}
async function loadNotifications() {
  const { notifications } = await api("notifications")
  $("#notifications-body").replaceChildren(...(notifications.length ? notifications.map(notificationView)
    : [h("p", { class: "empty" }, "No notification yet: WeChat notifies what a member does (see Member's side).")]))
  const pending = notifications.filter((n) => n.state === "pending").length
  $("#pending-count").textContent = pending ? String(pending) : ""
}
setInterval(() => { for (const el of $$("[data-next-at]")) el.textContent = nextText(Number(el.dataset.nextAt)) }, 1000)

// ---- member's side ---------------------------------------------------------------------------------------------
/** Per action: title, what it does, and its fields as [name, list or "number", required]. */
const MEMBER_ACTIONS = {
  "claim": ["Claim a card", "领卡: MEMBERCARD.ACCEPT_CARD is notified; answers the jump URL of the activation page.",
    [["card_id", "templates", true], ["openid", "openids"]]],
  "activation-form": ["Fill the activation form", "The member submits the form of a claimed card; answers a new activate_ticket (nothing is notified).",
    [["card_id", "templates", true], ["code", "codes", true], ["nickname"], ["mobile"], ["name"]]],
  "pay": ["Pay an order", "TRANSACTION.SUCCESS: points are then due (PrepareBonus / CommitBonus). total in fen.",
    [["card_id", "templates", true], ["code", "codes", true], ["total", "number", true]]],
  "delete": ["Delete the card", "In WeChat: MEMBERCARD.USERCARD_MANAGE (USER_DELETE_MEMBERCARD) is notified.",
    [["card_id", "templates", true], ["code", "codes", true]]],
  "brand-open": ["Open a brand card", "USER_CARD.CREATE is notified to the brand (or its provider).",
    [["card_id", "brand-templates", true], ["openid", "brand-openids"]]],
  "brand-delete": ["Delete a brand card", "USER_CARD.DELETE is notified.",
    [["card_id", "brand-templates", true], ["openid", "brand-openids", true]]],
  "brand-points-sync": ["Ask for a points sync", "SYNC_USER_POINT: the merchant answers with SyncUserPoints.",
    [["card_id", "brand-templates", true], ["openid", "brand-openids", true]]],
  "brand-redeem": ["Redeem points", "POINT_EXCHANGE_COUPON: the merchant answers with ConfirmPointsExchange.",
    [["card_id", "brand-templates", true], ["openid", "brand-openids", true], ["deduct_points", "number", true]]]
}
function renderMemberForms() {
  const ov = S.overview
  const actions = (ov.memberActions || Object.keys(MEMBER_ACTIONS)).filter((a) => a in MEMBER_ACTIONS)
  $("#member-forms").replaceChildren(...actions.map((action) => {
    const [title, note, fields] = MEMBER_ACTIONS[action]
    const brand = action.startsWith("brand-")
    const owners = brand ? ov.brands.map((b) => b.brand_id) : ov.merchants.map((m) => m.mchid)
    const ownerName = brand ? "brand_id" : "mchid"
    const form = h("form", { class: "card", "data-action": action, onsubmit: (e) => { e.preventDefault(); submitMember(form, action) } },
      h("h3", {}, title, h("span", { class: "muted" }, " · " + action)), h("p", {}, note),
      h("label", {}, ownerName, h("select", { name: ownerName }, owners.map((id, i) => h("option", { value: i === 0 ? "" : id }, id + (i === 0 ? " (the first)" : ""))))),
      fields.map(([name, kind, required]) => h("label", {}, name + (required ? "" : "?"),
        h("input", { name, required, type: kind === "number" ? "number" : "text", min: kind === "number" ? 0 : null,
          list: kind && kind !== "number" ? "dl-" + kind : null, autocomplete: "off", placeholder: required ? null : "optional",
          onchange: name === "code" || (brand && name === "openid") ? () => completeCard(form, name, brand) : null }))),
      h("div", { class: "actions" }, h("button", { type: "submit" }, title)))
    return form
  }))
}
/** A code (or a brand member's openid) picked from the list: its card's card_id (and openid) filled in. */
function completeCard(form, field, brand) {
  if (!S.state) return
  const value = form[field].value
  const cards = brand ? S.state.brands.flatMap((b) => b.userCards) : S.state.merchants.flatMap((m) => m.cards)
  const card = cards.find((c) => c[field] === value)
  if (card && typeof card.card_id === "string") form.card_id.value = card.card_id
  if (card && form.openid && !form.openid.value && typeof card.openid === "string") form.openid.value = card.openid
}
async function submitMember(form, action) {
  const body = { action }
  for (const el of form.elements) {
    if (!el.name || el.value === "") continue
    body[el.name] = el.type === "number" ? Number(el.value) : el.value
  }
  $$("[data-field=\"member-result\"]").forEach((el) => el.remove())
  const out = h("div", { "data-field": "member-result" }, h("span", { class: "muted" }, "…"))
  form.append(out)
  const button = $("button[type=submit]", form)
  button.disabled = true
  try {
    const { result } = await api("member/" + action, "POST", body)
    out.replaceChildren(h("div", { class: "label" }, "result"), h("pre", { class: "wire" }, pretty(result)))
  } catch (e) {
    out.replaceChildren(h("div", { class: "box-err" }, e.message))
  } finally { button.disabled = false }
}
function renderDatalists() {
  const fill = (id, entries) => $("#dl-" + id).replaceChildren(...entries.map(([value, label]) => h("option", { value }, label)))
  const str = (v) => typeof v === "string" && v !== ""
  const uniq = (entries) => [...new Map(entries.filter(([v]) => str(v)).map((e) => [e[0], e])).values()]
  const ms = S.state.merchants, bs = S.state.brands
  fill("templates", uniq(ms.flatMap((m) => m.templates.map((t) => [t.card_id, "mchid " + m.mchid + (str(t.brand_name) ? " · " + t.brand_name : "")]))))
  fill("codes", uniq(ms.flatMap((m) => m.cards.map((c) => [c.code, c.card_id + " · " + c.openid + " · " + c.status]))))
  fill("openids", uniq(ms.flatMap((m) => m.cards.map((c) => [c.openid, c.card_id + " · " + c.code]))))
  fill("brand-templates", uniq(bs.flatMap((b) => b.templates.map((t) => [t.card_id, "brand_id " + b.brand_id]))))
  fill("brand-openids", uniq(bs.flatMap((b) => b.userCards.map((c) => [c.openid, [c.card_id, c.user_card_code].filter(str).join(" · ")]))))
}

// ---- faults ----------------------------------------------------------------------------------------------------
function renderFaults(faults) {
  $("#faults").replaceChildren(...(faults.length ? faults.map((f) => h("tr", { "data-fault": (f.endpoint || "*") + " " + f.kind },
    h("td", { class: "mono" }, f.endpoint || h("span", { class: "muted" }, "any endpoint")),
    h("td", { class: "mono" }, f.kind), h("td", {}, String(f.left))))
    : [h("tr", {}, h("td", { colspan: 3, class: "muted" }, "No fault scripted: every answer is the usual one."))]))
  const left = faults.reduce((n, f) => n + f.left, 0)
  $("#fault-count").textContent = left ? String(left) : ""
}
async function loadFaults() { renderFaults((await api("faults")).faults) }
$("#fault-form").addEventListener("submit", async (e) => {
  e.preventDefault()
  const form = e.target
  const script = { kind: form.kind.value, times: Number(form.times.value) }
  if (form.endpoint.value) script.endpoint = form.endpoint.value
  $("#fault-error").textContent = ""
  try { renderFaults((await api("faults", "POST", script)).faults) } catch (err) { $("#fault-error").textContent = err.message }
})
$("button[data-action=\"clear-faults\"]").addEventListener("click", async () => {
  try { renderFaults((await api("faults", "DELETE")).faults) } catch (err) { $("#fault-error").textContent = err.message }
})

// ---- live updates ----------------------------------------------------------------------------------------------
function setLive(on) {
  const live = $("#live")
  live.textContent = on ? "live" : "offline"
  live.className = on ? "on" : "off"
}
const onEvent = (handle) => (e) => { try { handle(JSON.parse(e.data || "{}")) } catch (err) { showError(err) } }
function connect() {
  const events = new EventSource("/console/events")
  events.onopen = () => {
    setLive(true)
    if (S.everOpen || S.failed) loadAll()
    S.everOpen = true
  }
  events.onerror = () => {
    setLive(false)
    if (events.readyState === EventSource.CLOSED) setTimeout(connect, 3000)
  }
  events.addEventListener("request", onEvent(addRequest))
  events.addEventListener("notification", onEvent(() => later("notifications", loadNotifications)))
  events.addEventListener("state", onEvent(() => later("state", loadState)))
  events.addEventListener("faults", onEvent(() => later("faults", loadFaults)))
}
async function loadAll() {
  const loads = [["overview", loadOverview], ["requests", loadRequests],
    ["state", loadState], ["notifications", loadNotifications], ["faults", loadFaults]]
  const results = await Promise.allSettled(loads.map(([, load]) => load()))
  const failures = results.flatMap((r, i) => r.status === "rejected" ? [loads[i][0] + ": " + (r.reason && r.reason.message || r.reason)] : [])
  S.failed = failures.length > 0
  $("#error").hidden = !S.failed
  if (S.failed) $("#error").textContent = "Could not load " + failures.join("; ")
}

$("#request-filter").addEventListener("input", () => $$("#requests tr").forEach(filterRow))
window.addEventListener("hashchange", route)
route()
loadAll()
connect()
</script>
</body>
</html>
`
