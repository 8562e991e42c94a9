// agentcast studio page: plain JS, no build step. The server streams changed message cards
// (Server-Sent Events); this file renders them, the first-person filter, the browser input
// forms and the usage charts. All user content goes through textContent, never innerHTML.
"use strict";

const S = { runs: [], run: null, info: null, agent: null, tab: "conversation", es: null,
  cards: new Map(), usageTimer: null };
const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "style") e.style.cssText = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return e;
}

const fmtTime = (ts) => ts ? new Date(ts * 1000).toLocaleTimeString([], { hour12: false }) : "";
const fmtDate = (ts) => ts ? new Date(ts * 1000).toLocaleString([], { hour12: false }) : "-";
const fmtCost = (c) => c === null || c === undefined ? "" : "$" + (c < 0.01 ? c.toFixed(5) : c.toFixed(4));
// A usage row's cost: "no price" when none of its calls had a price, never a made-up $0.
const costOf = (u) => u && u.calls && u.unpriced_calls >= u.calls ? "no price"
  : (fmtCost(u ? u.cost : 0) || "$0") + (u && u.unpriced_calls ? " + unpriced" : "");
const fmtInt = (n) => (n || 0).toLocaleString();
const fmtDur = (s) => s === null || s === undefined ? "" : s < 1 ? Math.round(s * 1000) + " ms" : s.toFixed(2) + " s";

async function api(path, opts) {
  const r = await fetch(path, opts);
  if (!r.ok) throw new Error(path + ": " + r.status);
  return r.json();
}

// --- routing: #run=<id>&agent=<name>&tab=usage ---------------------------------------------
function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  return { run: p.get("run"), agent: p.get("agent"), tab: p.get("tab") || "conversation" };
}
function writeHash() {
  const p = new URLSearchParams();
  if (S.run) p.set("run", S.run);
  if (S.agent) p.set("agent", S.agent);
  if (S.tab !== "conversation") p.set("tab", S.tab);
  history.replaceState(null, "", "#" + p.toString());
}

// --- runs list -------------------------------------------------------------------------------
async function loadRuns() {
  try { S.runs = await api("/api/runs"); } catch (e) { return; }
  const ul = $("#runs");
  ul.replaceChildren(...S.runs.map((r) => {
    const status = r.pending_inputs ? "waiting" : r.status;
    return el("li", { class: r.run_id === S.run ? "active" : "", "data-run": r.run_id,
      onclick: () => selectRun(r.run_id) },
      el("div", { class: "r-name", text: r.name || r.run_id }),
      el("div", { class: "r-meta" },
        el("span", { class: "pill " + status, text: r.pending_inputs ? "needs input" : r.status }),
        el("span", { text: fmtDate(r.started) }),
        el("span", { text: r.messages + " msgs" }),
        r.usage.cost ? el("span", { text: fmtCost(r.usage.cost) }) : null));
  }));
  $("#runs-count").textContent = S.runs.length ? "(" + S.runs.length + ")" : "";
}

function selectRun(id, agent) {
  if (S.run !== id || (agent || null) !== S.agent) {
    S.run = id; S.agent = agent || null; S.info = null;
    S.cards.clear(); $("#conversation").replaceChildren(); $("#inputs").replaceChildren();
    $("#agents").replaceChildren();
  }
  for (const li of document.querySelectorAll("#runs li")) li.classList.toggle("active", li.dataset.run === id);
  $("#empty").hidden = true; $("#run-view").hidden = false;
  writeHash(); connect(); showTab(S.tab);
}

// "Ann thinking… 12 s": the seconds tick between server updates.
setInterval(() => {
  for (const p of document.querySelectorAll('[data-testid="thinking"]'))
    p.textContent = p.dataset.agent + " thinking… " +
      Math.max(0, Math.round(Date.now() / 1000 - Number(p.dataset.since))) + " s";
}, 1000);

// --- live stream -----------------------------------------------------------------------------
function connect() {
  if (S.es) S.es.close();
  const q = S.agent ? "?agent=" + encodeURIComponent(S.agent) : "";
  const es = new EventSource("/api/runs/" + encodeURIComponent(S.run) + "/events" + q);
  S.es = es;
  es.addEventListener("run", (ev) => { S.info = JSON.parse(ev.data); renderHeader(); renderAgents(); if (S.tab === "usage") loadUsage(); });
  es.addEventListener("messages", (ev) => { for (const c of JSON.parse(ev.data)) upsertCard(c); });
  es.addEventListener("inputs", (ev) => renderInputs(JSON.parse(ev.data)));
}

function renderHeader() {
  const i = S.info; if (!i) return;
  $("#run-title").replaceChildren(el("b", { text: i.name || i.run_id }), "  ",
    el("span", { class: "mono", text: i.name ? i.run_id : "" }), "  ",
    el("span", { class: "pill " + i.status, "data-testid": "run-status", text: i.status }));
  const u = i.usage;
  $("#run-totals").replaceChildren(
    ...(i.thinking || []).map((t) => el("span", { class: "pill running", "data-testid": "thinking",
      "data-since": t.since, "data-agent": t.agent, text: t.agent + " thinking… " +
      Math.max(0, Math.round(Date.now() / 1000 - t.since)) + " s" })),
    el("span", {}, el("b", { text: fmtInt(i.messages) }), " messages"),
    el("span", {}, el("b", { text: fmtInt(u.total_tokens) }), " tokens"),
    el("span", {}, el("b", { "data-testid": "run-cost", text: costOf(u) }), " cost"));
}

function renderAgents() {
  const box = $("#agents");
  const agents = (S.info && S.info.agents) || [];
  const chip = (a) => el("button", { class: "chip" + (S.agent === (a ? a.name : null) ? " active" : ""),
      style: a ? "--c:" + a.color : "", "data-agent": a ? a.name : "", "data-testid": "agent-chip",
      title: a ? "see only what " + a.name + " saw and said" : "everyone",
      onclick: () => { selectRun(S.run, a ? a.name : null); renderAgents(); } },
    el("span", { class: "av", style: "--c:" + (a ? a.color : "#5eb1ff") , text: a ? a.icon : "👥" }),
    el("span", { class: "n", text: a ? a.name : "Everyone" }));
  box.replaceChildren(chip(null), ...agents.map(chip));
  const pov = $("#pov");
  const me = agents.find((a) => a.name === S.agent);
  pov.hidden = !S.agent;
  if (S.agent) {
    pov.style.cssText = "--c:" + (me ? me.color : "#5eb1ff");
    pov.replaceChildren("First-person view: only what ", el("b", { text: S.agent }), " saw and said.");
  }
}

function avatar(style) { return el("div", { class: "av", style: "--c:" + style.color, text: style.icon }); }

function mediaNode(m) {
  if (!m.src) return el("span", { class: "blocked", title: "outside the run directory: not served", text: m.name });
  if (m.kind === "image") return el("img", { src: m.src, alt: m.name, title: m.url, loading: "lazy",
    onclick: () => { $("#lightbox img").src = m.src; $("#lightbox").hidden = false; } });
  if (m.kind === "audio") return el("audio", { src: m.src, controls: true, preload: "none", title: m.name });
  if (m.kind === "video") return el("video", { src: m.src, controls: true, preload: "metadata", title: m.name });
  return el("a", { class: "file", href: m.src, target: "_blank", rel: "noopener", text: "📎 " + m.name });
}

function callNode(c) {
  const tokens = (c.estimated ? "~" : "") + (c.prompt_tokens || 0) + " + " + (c.completion_tokens || 0) + " tokens" + (c.estimated ? " (estimated)" : "");
  return el("div", { class: "call" + (c.error ? " err" : "") },
    el("div", { class: "h" }, el("b", { text: "🧠 " + (c.model || c.config_name || "model") }),
      el("span", { text: tokens }), c.cost !== null ? el("span", { text: fmtCost(c.cost) }) : null,
      el("span", { text: fmtDur(c.latency) }), c.retries ? el("span", { text: c.retries + " retries" }) : null,
      el("span", { text: (c.n_messages || 0) + " messages in" })),
    c.error ? el("pre", { text: c.error }) : null,
    c.response ? el("pre", { text: c.response }) : null);
}

function toolNode(t) {
  return el("div", { class: "call" + (t.error ? " err" : "") },
    el("div", { class: "h" }, el("b", { text: "🛠 " + t.name }), el("span", { text: t.status || "" }),
      el("span", { text: fmtDur(t.duration) })),
    el("pre", { text: typeof t.arguments === "string" ? t.arguments : JSON.stringify(t.arguments, null, 2) }),
    t.error ? el("pre", { text: t.error }) : null);
}

function cardNode(c) {
  const tokens = c.prompt_tokens + c.completion_tokens;
  const calls = c.model_calls.length, tools = c.tool_calls.length;
  const summary = [calls ? calls + " model call" + (calls > 1 ? "s" : "") : null,
    tools ? tools + " tool call" + (tools > 1 ? "s" : "") : null].filter(Boolean).join(" · ");
  const to = c.receivers.filter((r) => r !== c.sender);
  return el("article", { class: "msg" + (S.agent && c.sender === S.agent ? " self" : ""),
      style: "--c:" + c.style.color, "data-testid": "msg", "data-sender": c.sender, "data-msg": c.msg_id },
    avatar(c.style),
    el("div", { class: "body" },
      el("div", { class: "meta" },
        el("span", { class: "name", text: c.sender }),
        c.role !== "assistant" ? el("span", { class: "role pill", text: c.role }) : null,
        c.seq_id ? el("span", { class: "mono", text: c.seq_id }) : null,
        to.length ? el("span", { text: "→ " + to.join(", ") }) : null,
        el("span", { class: "time", title: fmtDate(c.time), text: fmtTime(c.time) }),
        c.started && c.ended ? el("span", { text: fmtDur(c.ended - c.started) }) : null,
        tokens ? el("span", { class: "tok", "data-testid": "tokens", text: (c.estimated ? "~" : "") + fmtInt(tokens) + " tok",
          title: c.estimated ? "estimated: the server reported no token counts" : "" }) : null,
        c.cost !== null ? el("span", { class: "cost", text: fmtCost(c.cost) }) : null),
      c.content ? el("div", { class: "content" + (c.json ? " json" : ""), text: c.content }) : null,
      c.media.length ? el("div", { class: "media" }, c.media.map(mediaNode)) : null,
      summary ? el("details", { class: "calls" }, el("summary", { text: summary }),
        c.model_calls.map(callNode), c.tool_calls.map(toolNode)) : null));
}

function upsertCard(c) {
  const box = $("#conversation");
  const old = S.cards.get(c.msg_id);
  const node = cardNode(c);
  if (old) {
    const open = old.node.querySelector("details[open]");
    if (open) { const d = node.querySelector("details"); if (d) d.open = true; }
    old.node.replaceWith(node);
  } else {
    node.classList.add("fresh");
    const after = [...S.cards.values()].filter((x) => x.row < c.row).sort((a, b) => b.row - a.row)[0];
    if (after) after.node.after(node); else box.prepend(node);
    if (atBottom()) requestAnimationFrame(() => node.scrollIntoView({ block: "end" }));
  }
  S.cards.set(c.msg_id, { row: c.row, node });
}

function atBottom() { const m = $("#main"); return m.scrollHeight - m.scrollTop - m.clientHeight < 160; }

// --- human in the loop -----------------------------------------------------------------------
function renderInputs(reqs) {
  const box = $("#inputs");
  const keep = new Map([...box.children].map((n) => [n.dataset.request, n]));
  const nodes = reqs.filter((r) => !S.agent || S.agent === r.agent).map((r) => {
    const id = String(r.id);
    if (keep.has(id)) return keep.get(id);
    const area = el("textarea", { name: "text", rows: 2, placeholder: "Reply as " + r.agent + " (Enter to send, Shift+Enter for a new line)",
      "data-testid": "input-text" });
    const form = el("form", { onsubmit: async (ev) => {
      ev.preventDefault();
      const btn = form.querySelector("button"); btn.disabled = true;
      try {
        await api("/api/runs/" + encodeURIComponent(S.run) + "/inputs/" + id,
          { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: area.value }) });
        node.remove();
      } catch (e) { btn.disabled = false; alert("could not send: " + e.message); }
    } }, area, el("button", { type: "submit", "data-testid": "input-send", text: "Send" }));
    area.addEventListener("keydown", (ev) => { if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); } });
    const ctx = (r.context || []).slice(-1).map((c) => el("div", { class: "ctx", style: c.style ? "--c:" + c.style.color : "" },
      el("b", { text: c.name + ": " }), c.content || ""));
    const node = el("div", { class: "request", "data-request": id, "data-testid": "input-request", style: "--c:" + r.style.color },
      el("div", { class: "who" }, avatar(r.style), el("span", { text: r.agent + " is waiting for your reply" }),
        r.prompt ? el("span", { class: "muted mono", text: r.prompt }) : null),
      ctx, form);
    return node;
  });
  box.replaceChildren(...nodes);
  const first = box.querySelector("textarea");
  if (first && document.activeElement === document.body) first.focus();
}

// --- usage dashboard -------------------------------------------------------------------------
const SVGNS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids.flat()) if (k) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

function barChart(title, rows, keys, colors, fmt) {
  const W = 940, bar = 22, gap = 10, left = 150, right = 90;
  const H = rows.length * (bar + gap) + 10;
  const max = Math.max(1e-12, ...rows.map((r) => keys.reduce((s, k) => s + (r[k] || 0), 0)));
  const g = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
  rows.forEach((r, i) => {
    const y = 5 + i * (bar + gap);
    g.append(svg("text", { x: left - 10, y: y + bar * 0.7, "text-anchor": "end" }, r.label));
    let x = left, total = 0;
    keys.forEach((k, j) => {
      const w = ((r[k] || 0) / max) * (W - left - right);
      total += r[k] || 0;
      if (w > 0) g.append(svg("rect", { x, y, width: Math.max(w, 1), height: bar, rx: 3, fill: j === 0 ? r.color : colors[j] || r.color, opacity: j === 0 ? 1 : 0.55 },
        svg("title", {}, `${r.label} ${k}: ${fmt(r[k] || 0)}`)));
      x += w;
    });
    g.append(svg("text", { x: x + 8, y: y + bar * 0.7 }, fmt(total, r)));
  });
  return g;
}

function lineChart(timeline, key, styles) {
  const W = 940, H = 240, L = 60, R = 20, T = 10, B = 28;
  const g = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "cumulative " + key });
  if (!timeline.length) return g;
  const t0 = timeline[0].ts, t1 = Math.max(timeline[timeline.length - 1].ts, t0 + 1e-3);
  const series = new Map();
  for (const c of timeline) {
    const s = series.get(c.agent) || [[t0, 0]];
    s.push([c.ts, s[s.length - 1][1] + (c[key] || 0)]);
    series.set(c.agent, s);
  }
  const max = Math.max(1e-12, ...[...series.values()].map((s) => s[s.length - 1][1]));
  const X = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R), Y = (v) => T + (1 - v / max) * (H - T - B);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4, y = Y(v);
    g.append(svg("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#2a313b" }),
      svg("text", { x: L - 6, y: y + 4, "text-anchor": "end" }, key === "cost" ? fmtCost(v) : fmtInt(Math.round(v))));
  }
  g.append(svg("text", { x: L, y: H - 8 }, fmtTime(t0)), svg("text", { x: W - R, y: H - 8, "text-anchor": "end" }, fmtTime(t1)));
  for (const [agent, pts] of series) {
    pts.push([t1, pts[pts.length - 1][1]]);
    const d = pts.map(([t, v], i) => (i ? "L" : "M") + X(t).toFixed(1) + " " + Y(v).toFixed(1) + (i ? "" : "")).join(" ");
    const stepped = pts.map(([t, v], i) => i ? `H${X(t).toFixed(1)} V${Y(v).toFixed(1)}` : `M${X(t).toFixed(1)} ${Y(v).toFixed(1)}`).join(" ");
    g.append(svg("path", { d: stepped || d, fill: "none", stroke: (styles[agent] || {}).color || "#5eb1ff", "stroke-width": 2 },
      svg("title", {}, agent)));
  }
  return g;
}

async function loadUsage() {
  if (!S.run) return;
  let u; try { u = await api("/api/runs/" + encodeURIComponent(S.run) + "/usage"); } catch (e) { return; }
  const t = u.total, styles = u.styles || {};
  const card = (k, v) => el("div", { class: "card" }, el("div", { class: "k", text: k }), el("div", { class: "v", text: v }));
  const agents = Object.entries(u.by_agent).map(([name, a]) => ({ label: name, color: (styles[name] || {}).color || "#5eb1ff", ...a }));
  const palette = ["#5eb1ff", "#4cc38a", "#f5a524", "#c084fc", "#f26464", "#2dd4bf"];
  const models = Object.entries(u.by_model).map(([name, m], i) => ({ label: name, color: palette[i % palette.length], ...m }));
  const table = (title, rows) => el("table", { class: "usage" },
    el("thead", {}, el("tr", {}, [title, "calls", "prompt", "completion", "total tokens", "cost"].map((h) => el("th", { text: h })))),
    el("tbody", {}, rows.map((r) => el("tr", {}, el("td", { text: r.label }), el("td", { text: fmtInt(r.calls) }),
      el("td", { text: fmtInt(r.prompt_tokens) }), el("td", { text: fmtInt(r.completion_tokens) }),
      el("td", { text: fmtInt(r.total_tokens) }), el("td", { text: costOf(r) })))));
  const legend = (items) => el("div", { class: "legend" }, items.map(([c, n]) => el("span", {}, el("i", { style: "background:" + c }), n)));
  const chart = (title, ...kids) => el("div", { class: "chart" }, el("h3", { text: title }), ...kids);
  $("#usage").replaceChildren(
    el("div", { class: "cards" }, card("model calls", fmtInt(t.calls)), card("prompt tokens", fmtInt(t.prompt_tokens)),
      card("completion tokens", fmtInt(t.completion_tokens)), card("cost", costOf(t)),
      t.unpriced_calls ? card("unpriced calls", fmtInt(t.unpriced_calls)) : null),
    chart("Tokens per agent", barChart("tokens per agent", agents, ["prompt_tokens", "completion_tokens"], [null, "#8b95a3"], fmtInt),
      legend([["#8b95a3", "completion tokens (grey)"]].concat(agents.slice(0, 1).map((a) => [a.color, "prompt tokens (agent colour)"])))),
    chart("Cost per agent", barChart("cost per agent", agents, ["cost"], [],
      (v, r) => r && r.unpriced_calls && !v ? "unpriced" : fmtCost(v) + (r && r.unpriced_calls ? " + unpriced" : ""))),
    chart("Tokens per model", barChart("tokens per model", models, ["prompt_tokens", "completion_tokens"], [null, "#8b95a3"], fmtInt)),
    chart("Tokens over the run (cumulative, per agent)", lineChart(u.timeline, "tokens", styles),
      legend(agents.map((a) => [a.color, a.label]))),
    table("agent", agents), table("model", models));
}

function showTab(tab) {
  S.tab = tab; writeHash();
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === tab);
  $("#conversation").hidden = tab !== "conversation"; $("#inputs").hidden = tab !== "conversation";
  $("#agents").hidden = tab !== "conversation"; $("#pov").hidden = tab !== "conversation" || !S.agent;
  $("#usage").hidden = tab !== "usage";
  $("#approvals").hidden = tab !== "approvals";
  if (tab === "usage") loadUsage();
  if (tab === "approvals") loadApprovals();
}

// --- approvals and budget decisions (durable runs) ------------------------------------------
async function loadApprovals() {
  if (!S.run) return;
  let a; try { a = await api("/api/runs/" + encodeURIComponent(S.run) + "/approvals"); } catch (e) { return; }
  const when = (ts) => ts ? new Date(ts * 1000).toLocaleString() : "";
  const decideBtn = (r, approve) => el("button", { class: approve ? "approve" : "deny",
    "data-testid": (approve ? "approve-" : "deny-") + r.id, text: approve ? "Approve" : "Deny",
    onclick: async () => {
      const reason = approve ? "" : (prompt("Reason (shown to the model)?") || "");
      await api("/api/runs/" + encodeURIComponent(S.run) + "/approvals/" + encodeURIComponent(r.id),
        { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ approve, reason }) });
      loadApprovals();
    } });
  const rows = a.requests.map((r) => el("tr", { "data-testid": "approval-" + r.id, class: "st-" + r.status },
    el("td", { text: r.id }), el("td", { text: r.agent || "" }),
    el("td", {}, el("b", { text: r.tool }), el("div", { class: "muted", text: r.call || "", "data-testid": "call-" + r.id })),
    el("td", {}, el("code", { text: r.arguments })), el("td", { text: r.status, "data-testid": "status-" + r.id }),
    el("td", { text: [r.decided_by, r.reason].filter(Boolean).join(": ") }), el("td", { text: when(r.requested) }),
    el("td", {}, r.status === "pending" ? decideBtn(r, true) : null, r.status === "pending" ? decideBtn(r, false) : null)));
  const decisions = a.budget_decisions.map((d) => el("li", { "data-testid": "budget-decision" },
    el("b", { text: d.action }), " ", el("span", { text: (d.agent || "") + " · " + (d.budget || "") + " · " + when(d.ts) }),
    el("div", { class: "muted", text: d.reason || "" })));
  $("#approvals").replaceChildren(
    el("h3", { text: "Approval requests" }),
    rows.length ? el("table", { class: "usage" }, el("tr", {}, ...["id", "agent", "tool", "arguments", "status", "decided", "asked", ""].map((h) => el("th", { text: h }))), ...rows)
      : el("p", { class: "muted", text: "No tool call or budget has asked for approval in this run." }),
    el("h3", { text: "Budget decisions" }),
    decisions.length ? el("ul", { class: "decisions" }, ...decisions)
      : el("p", { class: "muted", text: "No budget was reached." }));
}

// --- start -----------------------------------------------------------------------------------
for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => showTab(b.dataset.tab));
$("#lightbox").addEventListener("click", () => { $("#lightbox").hidden = true; });
(async () => {
  if (new URLSearchParams(location.search).has("token")) {
    // the server has set its cookie by now: keep the token out of the address bar
    history.replaceState(null, "", location.pathname + location.hash);
  }
  const h = readHash();
  S.tab = h.tab;
  await loadRuns();
  if (h.run) selectRun(h.run, h.agent);
  setInterval(loadRuns, 3000);
})();
