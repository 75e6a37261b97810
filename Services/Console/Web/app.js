// 民声一键办 console: one page, no framework, nothing from the internet. Views are drawn from the
// console's JSON API; a server-sent event stream says when to draw them again, so nothing reloads.
"use strict";

// ---------------------------------------------------------------------------------------------
// Names people read

const NAMES = {
  source: { hotline12345: "12345热线", police110: "110", web: "网情民意", grid: "网格上报", walkin: "来访" },
  status: { dispatched: "已派发", signed: "已签收", on_site: "已到场", resolved: "已办结", closed: "已结案", returned: "已退回",
            reopened: "重办", held: "待审核", merged: "已并案" },
  level: { critical: "特急", urgent: "紧急", normal: "一般", low: "低" },
  category: { public_order: "社会治安", fraud: "诈骗", traffic: "道路交通", urban_management: "城市管理", environment: "生态环境",
              market: "市场监管", labor: "劳动保障", dispute: "矛盾纠纷", housing: "住房物业", safety: "安全隐患",
              utilities: "水电气公用", education: "教育", health: "卫生健康", social_security: "社会保障", other: "其他" },
  change: { created: "派发", held: "待审核", released: "审核派发", answered: "即时办结", merged: "并案", attached: "并案",
            signed: "签收", on_site: "到场", progress: "进展", resolved: "办结", closed: "结案", returned: "退回",
            reassigned: "改派", escalated: "升级", reopened: "重办", warning: "预警", overdue: "超时", return_refused: "退回驳回" },
  deadline: { sign: "签收", on_site: "到场", resolve: "办结", review: "审核" },
  requestType: { consult: "咨询", help: "求助", complaint: "投诉", report: "举报", suggestion: "建议", praise: "表扬" },
  lag: { ok: "正常", warning: "积压增长", stalled: "停滞", stopped: "停止" },
  health: { ready: "就绪", not_ready: "未就绪", unreachable: "无法连接" },
  service: { intake: "受理", classification: "分类", dispatch: "派单", notification: "通知", console: "指挥台" },
  outcome: { delivered: "已送达", failed: "失败", undeliverable: "无渠道" },
  kind: { new_work_order: "指令单", reassigned: "改派单", escalated: "升级单", feedback: "回访结果", reopened: "重办通知",
          return_refused: "退回驳回", warning: "预警", overdue: "督办", escalation_notice: "升级告知", hotspot: "热点预警",
          returned_notice: "退回待审", citizen_receipt: "受理短信", citizen_signed: "签收短信", citizen_resolved: "办结短信",
          citizen_survey: "回访短信" },
  channel: { webhook: "接口", dingtalk: "浙政钉", wecom: "企业微信", sms: "短信", none: "无" },
  verdict: { handling: "办理中", watching: "观察中", stopped: "已止住", continuing: "仍有反映" },
  role: { staff: "中心坐席", supervisor: "中心领导", unit: "单位经办人", viewer: "只读" },
};
const name = (kind, key) => (key == null ? "—" : (NAMES[kind] && NAMES[kind][key]) || key);

// ---------------------------------------------------------------------------------------------
// Small helpers

const $ = (selector, root = document) => root.querySelector(selector);

/** h("div", {class: "x", onclick: f}, "text", child…): builds elements; text is always text, never HTML. */
function h(tag, attrs, ...children) {
  const element = document.createElementNS(tag === "svg" || attrs?.svg ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml",
    tag === "svgtext" ? "text" : tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false || key === "svg") continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key === "value") element.value = value;
    else if (key === "style") element.style.cssText = value; // CSSOM: allowed by the page's Content-Security-Policy
    else element.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const pct = (value) => (value == null ? "—" : (value * 100).toFixed(1) + "%");
const num = (value) => (value == null ? "—" : String(value));
function duration(seconds) {
  if (seconds == null) return "—";
  if (seconds < 60) return Math.round(seconds) + "秒";
  if (seconds < 3600) return Math.round(seconds / 60) + "分钟";
  if (seconds < 86400 * 2) return (seconds / 3600).toFixed(1) + "小时";
  return (seconds / 86400).toFixed(1) + "天";
}
/** The centre's offset as ISO 8601 writes it, e.g. +08:00. */
function offsetText() {
  const minutes = state.me.utcOffsetMinutes;
  const p = (n) => String(n).padStart(2, "0");
  return (minutes < 0 ? "-" : "+") + p(Math.floor(Math.abs(minutes) / 60)) + ":" + p(Math.abs(minutes) % 60);
}

/** A time as the centre reads it (its own offset from UTC, not the browser's). */
function time(iso) {
  if (!iso) return "—";
  const offset = state.me ? state.me.utcOffsetMinutes : -new Date().getTimezoneOffset();
  const d = new Date(Date.parse(iso) + offset * 60000);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}
function shortTime(iso) { return iso ? time(iso).slice(5) : "—"; }

function toast(message, error = false) {
  const element = $("#toast");
  element.textContent = message;
  element.className = "show" + (error ? " error" : "");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (element.className = ""), error ? 6000 : 3000);
}

// ---------------------------------------------------------------------------------------------
// The API

const state = { me: null, view: null, stream: null, redraw: null, parts: null };

async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.me) headers["X-CSRF-Token"] = state.me.csrfToken;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (response.status === 401 && path !== "/api/session") { state.me = null; showLogin(); throw new Error("请先登录"); }
  if (!response.ok) {
    const error = new Error((data && data.message) || `请求失败（HTTP ${response.status}）`);
    error.field = data && data.field;
    throw error;
  }
  return data;
}

/** Runs an action, tells the person how it went, and keeps the button from being pressed twice. */
async function act(button, path, body, done) {
  if (button) button.disabled = true;
  try {
    const result = await api(path, { method: "POST", body });
    toast("已提交" + (result && result.workOrderId ? `：${result.workOrderId} ${name("status", result.status)}` : ""));
    if (done) done(result);
    return result;
  } catch (error) {
    toast(error.message, true);
  } finally {
    if (button) button.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Log in, the bar, the live stream

function showLogin(message) {
  document.body.className = "";
  $("#bar").hidden = true;
  if (state.stream) { state.stream.close(); state.stream = null; }
  const error = h("div", { class: "error", id: "login-error" }, message || "");
  const form = h("form", { class: "login", id: "login-form" },
    h("h1", null, "民声一键办 · 指挥中心"),
    h("p", { class: "muted small" }, "请使用个人账号登录。"),
    h("label", { for: "login-account" }, "账号"), h("input", { id: "login-account", name: "accountId", autocomplete: "username", required: true }),
    h("label", { for: "login-password" }, "密码"),
    h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true }),
    h("button", { class: "primary", type: "submit", id: "login-submit" }, "登录"), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      state.me = await api("/api/session", { method: "POST", body: { accountId: form.accountId.value.trim(), password: form.password.value } });
      start();
    } catch (e) { error.textContent = e.message; }
  });
  $("#view").replaceChildren(form);
  $("#login-account").focus();
}

const PAGES = [
  { hash: "#/cockpit", label: "驾驶舱", show: (me) => me.account.role !== "unit" },
  { hash: "#/triage", label: "分拨台", show: (me) => me.account.role !== "unit", badge: "triage" },
  { hash: "#/workbench", label: "工作台", show: () => true },
  { hash: "#/search", label: "查询", show: () => true },
  { hash: "#/evaluation", label: "考核", show: (me) => me.account.role !== "unit" },
  { hash: "#/accounts", label: "账号", show: (me) => me.account.role === "supervisor" },
];

function start() {
  const me = state.me;
  $("#bar").hidden = false;
  $("#region").textContent = me.regionName;
  $("#whoami").textContent = `${me.account.name}（${me.roleName}${me.account.unitId ? "·" + unitName(me.account.unitId) : ""}）`;
  $("#nav").replaceChildren(...PAGES.filter((p) => p.show(me)).map((p) => h("a", { href: p.hash, "data-page": p.hash }, p.label)));
  connectStream();
  if (!location.hash || location.hash === "#/") location.hash = me.account.role === "unit" ? "#/workbench" : "#/cockpit";
  route();
}

function connectStream() {
  if (state.stream) state.stream.close();
  const stream = new EventSource("/api/stream");
  stream.addEventListener("open", () => $("#live").classList.add("on"));
  stream.addEventListener("error", () => $("#live").classList.remove("on"));
  stream.addEventListener("change", (event) => {
    const notice = JSON.parse(event.data);
    window.__lastNotice = notice.serial;
    if (!state.redraw) return;
    if (state.parts && !notice.parts.some((p) => state.parts.includes(p))) return;
    clearTimeout(state.redrawTimer);
    state.redrawTimer = setTimeout(() => state.redraw && state.redraw(), 250);
  });
  state.stream = stream;
}

$("#logout").addEventListener("click", async () => {
  try { await api("/api/session", { method: "DELETE" }); } catch {}
  state.me = null;
  showLogin("已退出。");
});

$("#password-button").addEventListener("click", () => {
  openDialog("修改密码", [
    field("当前密码", h("input", { name: "current", type: "password", autocomplete: "current-password", required: true })),
    field("新密码（至少10位）", h("input", { name: "password", type: "password", autocomplete: "new-password", required: true })),
  ], async (form) => {
    await api("/api/session/password", { method: "POST", body: { current: form.current.value, password: form.password.value } });
    toast("密码已修改");
  });
});

function field(label, input) { return [h("label", null, label), input]; }

/** A small form in a dialog; `submit` gets the form, and the dialog stays open when it throws. */
function openDialog(title, fields, submit) {
  const dialog = $("#dialog");
  const form = $("#dialog-form");
  const error = h("p", { class: "error", style: "color:#d93025" });
  form.replaceChildren(h("h3", null, title), ...fields.flat(), error,
    h("div", { class: "actions", style: "margin-top:14px;display:flex;gap:8px;justify-content:flex-end" },
      h("button", { type: "button", onclick: () => dialog.close() }, "取消"), h("button", { class: "primary", type: "submit" }, "确定")));
  form.onsubmit = async (event) => {
    event.preventDefault();
    try { await submit(form); dialog.close(); } catch (e) { error.textContent = e.message; }
  };
  dialog.showModal();
}

function unitName(id) { return (state.me.units.find((u) => u.id === id) || { name: id }).name; }
function unitOptions(selected, { includeCentre = false, blank } = {}) {
  const tiers = { city: "市级部门", town: "镇街", village: "村社", centre: "指挥中心" };
  const groups = {};
  for (const unit of state.me.units) {
    if (unit.tier === "centre" && !includeCentre) continue;
    (groups[unit.tier] = groups[unit.tier] || []).push(unit);
  }
  return [blank ? h("option", { value: "" }, blank) : null,
    ...Object.entries(groups).map(([tier, units]) => h("optgroup", { label: tiers[tier] || tier },
      units.map((u) => h("option", { value: u.id, selected: u.id === selected }, u.name))))];
}
function options(kind, selected) { return Object.entries(NAMES[kind]).map(([k, v]) => h("option", { value: k, selected: k === selected }, v)); }
function townOptions(selected) { return [h("option", { value: "" }, "（未定位）"), ...state.me.towns.map((t) => h("option", { value: t.name, selected: t.name === selected }, t.name))]; }
function villageOptions(town, selected) {
  const villages = (state.me.towns.find((t) => t.name === town) || { villages: [] }).villages;
  return [h("option", { value: "" }, "（不限）"), ...villages.map((v) => h("option", { value: v, selected: v === selected }, v))];
}

// ---------------------------------------------------------------------------------------------
// Routing

window.addEventListener("hashchange", () => state.me && route());

function route() {
  const [path, query] = location.hash.slice(1).split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean);
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", location.hash.startsWith(a.dataset.page));
  document.body.className = parts[0] === "cockpit" ? "screen" : "";
  state.redraw = null;
  state.parts = null;
  state.viewSerial = (state.viewSerial || 0) + 1;
  const views = { cockpit: cockpitView, triage: triageView, search: searchView, order: orderView, workbench: workbenchView,
                  evaluation: evaluationView, accounts: accountsView };
  const view = views[parts[0]] || (state.me.account.role === "unit" ? workbenchView : cockpitView);
  view(parts.slice(1), params);
}

/**
 * Draws a view now and whenever the stream says one of `parts` changed. One drawing at a time: a change
 * during a drawing draws once more after it, so an older answer never lands on top of a newer one; a
 * drawing for a view the person has left is dropped.
 */
function live(parts, draw) {
  state.parts = parts;
  const view = state.viewSerial;
  let running = false;
  let again = false;
  const redraw = async () => {
    if (running) { again = true; return; }
    running = true;
    try {
      do {
        again = false;
        await draw(() => view === state.viewSerial);
      } while (again && view === state.viewSerial);
    } catch (error) {
      if (error.message !== "请先登录") toast(error.message, true);
    } finally {
      running = false;
    }
  };
  state.redraw = redraw;
  return redraw();
}

// ---------------------------------------------------------------------------------------------
// 驾驶舱: the big screen

async function cockpitView(_, params) {
  const period = params.get("period") || "today";
  let map = null;
  await live(["workorders", "events", "hotspots", "operations", "deliveries"], async (current) => {
    map = map || (await api("/api/map"));
    const board = await api("/api/cockpit?period=" + period);
    if (current()) drawCockpit(board, map, period);
  });
}

function drawCockpit(board, map, period) {
  const f = board.figures;
  const kpi = (label, figure, value, text, cls) => h("div", { class: "kpi " + (cls || "") },
    h("div", { class: "v", "data-figure": figure, "data-value": value == null ? "" : String(value) }, text), h("div", { class: "l" }, label));
  const head = h("div", { class: "cockpit-head" },
    h("div", { class: "period" },
      h("button", { class: period === "today" ? "active" : "", onclick: () => (location.hash = "#/cockpit?period=today") }, "今日"),
      h("button", { class: period === "month" ? "active" : "", onclick: () => (location.hash = "#/cockpit?period=month") }, "本月")),
    h("h1", null, "社会治理综合指挥 · 一屏掌控"),
    h("div", { class: "clock" }, `${time(board.from)} 至 ${time(board.to)}　更新 ${time(board.now)}`));

  const maxChannel = Math.max(1, ...board.channels.map((c) => c.count));
  const bars = (rows, max) => h("div", { class: "bars" }, rows.map(([label, n, key]) => h("div", { class: "bar", "data-bar": key },
    h("span", null, label), h("div", { class: "track" }, h("div", { class: "fill", style: `width:${(100 * n) / Math.max(1, max)}%` })),
    h("span", { class: "n" }, n))));
  const statuses = Object.entries(f.byStatus).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const categories = Object.entries(f.byCategory).sort((a, b) => b[1] - a[1]).slice(0, 8);

  const left = h("div", { class: "col" },
    h("section", { class: "panel", "data-panel": "figures", "data-from": board.from, "data-to": board.to },
      h("h3", null, "工单概况", h("small", null, period === "today" ? "今日" : "本月")),
      h("div", { class: "kpis" },
        kpi("受理事件", "eventsReceived", board.events.received, num(board.events.received)),
        kpi("工单总数", "total", f.total, num(f.total)),
        kpi("办结率", "closureRate", f.closureRate, pct(f.closureRate), "green"),
        kpi("按时签收率", "onTimeSignRate", f.onTimeSignRate, pct(f.onTimeSignRate)),
        kpi("按时办结率", "onTimeResolveRate", f.onTimeResolveRate, pct(f.onTimeResolveRate)),
        kpi("超时（红）", "overdueNow", f.overdueNow, num(f.overdueNow), "red"),
        kpi("临期（黄）", "nearlyDueNow", board.nearlyDueNow, num(board.nearlyDueNow), "yellow"),
        kpi("签收中位时长", "timeToSign.medianSeconds", f.timeToSign.medianSeconds, duration(f.timeToSign.medianSeconds)),
        kpi("办结中位时长", "timeToResolve.medianSeconds", f.timeToResolve.medianSeconds, duration(f.timeToResolve.medianSeconds)))),
    h("section", { class: "panel" }, h("h3", null, "来源渠道", h("small", null, `拒收 ${board.rejected}`)),
      bars(board.channels.map((c) => [name("source", c.source), c.count, "source-" + c.source]), maxChannel),
      h("p", { class: "small", style: "color:var(--screen-muted);margin:8px 0 0" },
        `派单 ${board.events.ordered} · 待审核 ${board.events.held} · 并案 ${board.events.attached} · 退回110 ${board.events.returnedTo110} · 流转中 ${board.events.inFlight}`)),
    h("section", { class: "panel" }, h("h3", null, "工单状态"),
      bars(statuses.map(([s, n]) => [name("status", s), n, "status-" + s]), Math.max(1, ...statuses.map((s) => s[1]))),
      h("div", { hidden: true }, Object.entries(f.byStatus).map(([s, n]) => h("span", { "data-figure": "byStatus." + s, "data-value": n }, n)),
        Object.entries(f.byLevel).map(([s, n]) => h("span", { "data-figure": "byLevel." + s, "data-value": n }, n)))),
    h("section", { class: "panel" }, h("h3", null, "事件类别"),
      bars(categories.map(([c, n]) => [name("category", c), n, "category-" + c]), Math.max(1, ...categories.map((c) => c[1])))));

  const centre = h("div", { class: "col centre" },
    h("section", { class: "panel map", "data-panel": "map" }, h("h3", null, "各镇街待办工单", legend()), drawMap(map, board.towns)),
    h("section", { class: "panel grow", "data-panel": "latest" }, h("h3", null, "最新派发"),
      h("ul", { class: "screen-list", id: "latest" }, board.latest.map((o) => h("li", { "data-order": o.workOrderId, "data-status": o.status },
        h("a", { href: "#/order/" + o.workOrderId }, o.workOrderId),
        h("span", { class: "t" }, `${o.town || "未定位"}｜${name("category", o.category)}｜${o.unitName}`),
        h("span", null, levelTag(o.level), statusTag(o)))))));

  const right = h("div", { class: "col" },
    h("section", { class: "panel", "data-panel": "waiting" }, h("h3", null, "待中心处理"),
      h("div", { class: "kpis" },
        kpi("待审核", "waiting.held", board.waiting.held, num(board.waiting.held), board.waiting.held ? "yellow" : ""),
        kpi("退回待审", "waiting.returned", board.waiting.returned, num(board.waiting.returned), board.waiting.returned ? "yellow" : ""),
        kpi("审核超时", "waiting.overdue", board.waiting.overdue, num(board.waiting.overdue), board.waiting.overdue ? "red" : ""))),
    h("section", { class: "panel grow", "data-panel": "hotspots" }, h("h3", null, "热点预警（未诉先办）", h("small", null, board.hotspots.length + " 个")),
      board.hotspots.length ? board.hotspots.map(hotspotLine) : h("p", { class: "small", style: "color:var(--screen-muted)" }, "暂无热点")),
    h("section", { class: "panel", "data-panel": "shuangfei" }, h("h3", null, "110 双非警情"),
      h("div", { class: "kpis" },
        kpi("110 来电", "shuangfei.calls", board.shuangfei.calls, num(board.shuangfei.calls)),
        kpi("双非分流", "shuangfei.shuangfei", board.shuangfei.shuangfei, num(board.shuangfei.shuangfei)),
        kpi("双非办结率", "shuangfei.closureRate", board.shuangfei.closureRate, pct(board.shuangfei.closureRate), "green"))),
    h("section", { class: "panel grow", "data-panel": "alerts" }, h("h3", null, "超时督办 / 临期预警"),
      h("ul", { class: "screen-list" },
        board.red.map((o) => alertLine(o, "red")), board.yellow.map((o) => alertLine(o, "yellow")),
        !board.red.length && !board.yellow.length ? h("li", null, h("span", null, "无"), h("span"), h("span")) : null)),
    h("section", { class: "panel", "data-panel": "health" }, h("h3", null, "系统运行"),
      h("div", { class: "health" },
        board.services.map((s) => h("div", { "data-service": s.service, "data-state": s.state },
          h("span", null, h("span", { class: "dot " + s.state }), name("service", s.service)), h("span", null, name("health", s.state)))),
        board.lag.map((g) => h("div", { "data-group": g.group, "data-lag-status": g.status, title: g.topics.map((t) => `${t.topic}: ${t.lag}`).join("\n") },
          h("span", null, h("span", { class: "dot " + g.status }), "积压·" + name("service", g.group.replace("minsheng-", ""))),
          h("span", null, `${g.lag} ${name("lag", g.status)}`))))));

  $("#view").replaceChildren(head, h("div", { class: "cockpit", id: "cockpit" }, left, centre, right));
}

function legend() {
  return h("small", { class: "legend" }, ["#17406f", "#2f6fb3", "#e0a21b", "#e0541b", "#c8102e"].map((c, i) =>
    h("span", null, h("i", { style: `background:${c}` }), ["0", "1-2", "3-5", "6-9", "10+"][i])));
}
function colourFor(n) { return n >= 10 ? "#c8102e" : n >= 6 ? "#e0541b" : n >= 3 ? "#e0a21b" : n >= 1 ? "#2f6fb3" : "#17406f"; }

function drawMap(map, towns) {
  const counts = Object.fromEntries(towns.map((t) => [t.town, t]));
  return h("svg", { viewBox: `0 0 ${map.width} ${map.height}`, role: "img", "aria-label": "各镇街待办工单地图" },
    map.towns.map((t) => {
      const count = counts[t.name] || { open: 0, overdue: 0 };
      return h("g", { svg: true, "data-town": t.name, "data-open": count.open },
        h("path", { svg: true, class: "town-area", d: t.area, fill: colourFor(count.open) },
          h("title", { svg: true }, `${t.name}：待办 ${count.open}，超时 ${count.overdue}`)),
        h("path", { svg: true, class: "town-outline", d: t.outline }),
        h("svgtext", { svg: true, x: t.labelX, y: t.labelY - 12 }, t.name),
        h("svgtext", { svg: true, class: "count", x: t.labelX, y: t.labelY + 38 }, count.overdue ? `${count.open}（超${count.overdue}）` : count.open));
    }));
}

function hotspotLine(spot) {
  const task = spot.task;
  const follow = task && task.followUp;
  return h("div", { class: "hotspot", "data-hotspot": spot.alertId },
    h("div", null, h("b", null, spot.town + (spot.village || "")), " ", h("span", { class: "theme" }, spot.theme.join("、")),
      " ", h("span", { class: "tag" }, name("category", spot.category))),
    h("div", { class: "small", style: "color:var(--screen-muted)" },
      `${spot.reporterCount}人 ${spot.eventCount}次 · ${spot.sources.map((s) => name("source", s)).join("/")} · ${shortTime(spot.detectedAt)}`,
      task ? h("span", null, " · 任务 ", h("a", { href: "#/order/" + task.workOrderId }, task.workOrderId), " ",
        h("span", { class: "tag" }, name("status", task.status)),
        follow ? h("span", { class: "tag " + (follow.verdict === "stopped" ? "green" : follow.verdict === "continuing" ? "red" : "") },
          `${name("verdict", follow.verdict)}${follow.newReports ? "·新增" + follow.newReports : ""}`) : null)
        : h("span", { class: "tag yellow" }, " 未转任务")));
}

function alertLine(o, colour) {
  const which = colour === "red" ? o.overdue : o.nearlyDue;
  return h("li", { "data-alert": colour, "data-order": o.workOrderId },
    h("a", { href: "#/order/" + o.workOrderId }, o.workOrderId),
    h("span", { class: "t" }, `${o.unitName}｜${name("category", o.category)}`),
    h("span", { class: "tag " + colour }, which.map((d) => name("deadline", d)).join("/") + (colour === "red" ? "超时" : "临期")));
}

function levelTag(level) { return h("span", { class: "tag level-" + level }, name("level", level)); }
function statusTag(o) {
  const cls = o.overdue && o.overdue.length ? "red" : o.nearlyDue && o.nearlyDue.length ? "yellow" : "";
  return h("span", { class: "tag " + cls }, name("status", o.status));
}
function deadlineText(o) {
  const parts = [];
  if (o.status === "held" || o.status === "returned") parts.push(`审核时限 ${shortTime(o.reviewBy)}`);
  else {
    if (["dispatched", "reopened"].includes(o.status)) parts.push(`签收 ${shortTime(o.signBy)}`);
    if (o.onSiteBy && ["dispatched", "signed", "reopened"].includes(o.status)) parts.push(`到场 ${shortTime(o.onSiteBy)}`);
    if (!["resolved", "closed", "merged"].includes(o.status)) parts.push(`办结 ${shortTime(o.resolveBy)}`);
  }
  return parts.join("　");
}

// ---------------------------------------------------------------------------------------------
// 分拨台: the triage desk

async function triageView(_, params) {
  const tab = params.get("tab") || "held";
  await live(["workorders", "events", "hotspots"], async (current) => {
    const triage = await api("/api/triage");
    if (!current()) return;
    const open = triage.hotspots.filter((s) => !s.task).length;
    const tabs = h("div", { class: "tabs" },
      [["held", "待审核", triage.held.length], ["returned", "退回待审", triage.returned.length], ["hotspots", "热点转任务", open]].map(([key, label, n]) =>
        h("button", { class: tab === key ? "active" : "", "data-tab": key, onclick: () => (location.hash = "#/triage?tab=" + key) },
          label, n ? h("span", { class: "badge" }, n) : null)));
    const canAct = state.me.account.role === "staff" || state.me.account.role === "supervisor";
    let body;
    if (tab === "returned") body = triage.returned.length ? triage.returned.map((o) => returnedItem(o, canAct)) : empty("没有退回待审的工单");
    else if (tab === "hotspots") body = triage.hotspots.length ? triage.hotspots.map((s) => hotspotItem(s, canAct)) : empty("近30天没有热点");
    else body = triage.held.length ? triage.held.map((item) => heldItem(item, canAct)) : empty("没有待审核的事件");
    $("#view").replaceChildren(h("h2", null, "分拨台"), tabs, h("div", { id: "triage-" + tab }, body));
  });
}

function empty(text) { return h("p", { class: "muted card" }, text); }

function orderHeader(o, extra) {
  return h("header", null, h("a", { href: "#/order/" + o.workOrderId }, h("b", null, o.workOrderId)), levelTag(o.level), statusTag(o),
    h("span", { class: "tag" }, name("source", o.source)), h("span", { class: "muted small" }, `${o.sourceId} · 受理 ${time(o.dispatchedAt)}`),
    extra, h("span", { class: "muted small" }, deadlineText(o)));
}

function heldItem(item, canAct) {
  const o = item.order;
  const why = [item.needsReview ? `分类置信度低（${item.confidence == null ? "—" : item.confidence.toFixed(2)}）` : null,
    item.requestType === "consult" || item.requestType === "praise" ? name("requestType", item.requestType) + "类，需人工处理" : null].filter(Boolean);
  const town = h("select", { name: "town" }, townOptions(o.town));
  const village = h("select", { name: "village" }, villageOptions(o.town, o.village));
  town.addEventListener("change", () => village.replaceChildren(...villageOptions(town.value, "")));
  const category = h("select", { name: "category" }, options("category", o.category));
  const level = h("select", { name: "level" }, options("level", o.level));
  const unit = h("select", { name: "unitId" }, unitOptions("", { blank: "按规则派发" }));
  const note = h("input", { name: "note", placeholder: "审核意见（可选）", size: 24 });
  const answer = h("input", { name: "answer", placeholder: "答复内容（咨询、表扬等当场答复后即时办结）" });
  const into = h("input", { name: "into", placeholder: "并入工单号 WO…", size: 22 });
  const corrections = () => {
    const body = { category: category.value, level: level.value };
    if (town.value) body.town = town.value;
    if (village.value) body.village = village.value;
    return body;
  };
  const element = h("article", { class: "item " + (o.overdue.length ? "overdue" : o.nearlyDue.length ? "near" : ""), "data-held": o.workOrderId },
    orderHeader(o, why.map((w) => h("span", { class: "tag yellow" }, w))),
    h("div", { class: "text" }, o.text),
    h("div", { class: "muted small" }, `${o.address || ""} ${o.reporterName || ""} ${o.reporterPhone || ""}`,
      item.explanation ? ` · 分类依据：${item.explanation}` : ""),
    canAct ? [
      h("div", { class: "fields" }, h("label", null, "类别", category), h("label", null, "等级", level), h("label", null, "镇街", town),
        h("label", null, "村社", village), h("label", null, "承办单位", unit), h("label", null, "意见", note)),
      h("div", { class: "actions" },
        h("button", { class: "primary", "data-action": "release", onclick: (e) => {
          const body = corrections();
          if (unit.value) body.unitId = unit.value;
          if (note.value.trim()) body.note = note.value.trim();
          act(e.target, `/api/orders/${o.workOrderId}/release`, body);
        } }, "确认派发"),
        h("span", { class: "muted" }, "或"), into,
        h("button", { "data-action": "merge", onclick: (e) => {
          if (!into.value.trim()) return toast("请填写要并入的工单号", true);
          act(e.target, `/api/orders/${o.workOrderId}/merge`, { into: into.value.trim(), note: note.value.trim() || undefined });
        } }, "并案")),
      h("div", { class: "answer" }, answer,
        h("button", { "data-action": "answer", onclick: (e) => {
          if (!answer.value.trim()) return toast("请填写答复内容", true);
          act(e.target, `/api/orders/${o.workOrderId}/answer`, { ...corrections(), answer: answer.value.trim() });
        } }, "即时办结")),
    ] : null);
  return element;
}

function returnedItem(o, canAct) {
  const unit = h("select", { name: "unitId" }, unitOptions(o.proposedUnitId || "", { blank: "请选择承办单位" }));
  const note = h("input", { name: "note", placeholder: "审核意见（驳回时必填）", size: 36 });
  return h("article", { class: "item " + (o.overdue.length ? "overdue" : o.nearlyDue.length ? "near" : ""), "data-returned": o.workOrderId },
    orderHeader(o),
    h("div", { class: "text" }, o.text),
    h("p", null, h("b", null, o.unitName), " 退回：", h("span", { class: "text" }, o.returnReason || "—")),
    h("p", { class: "muted small" }, o.proposedUnitName ? `按规则建议改派：${o.proposedUnitName}` : "按规则已无其他单位，请指定承办单位"),
    canAct ? [h("div", { class: "fields" }, h("label", null, "改派至", unit), h("label", null, "意见", note)),
      h("div", { class: "actions" },
        h("button", { class: "primary", "data-action": "approve-return", onclick: (e) => {
          if (!unit.value) return toast("请选择承办单位", true);
          act(e.target, `/api/orders/${o.workOrderId}/approve-return`, { unitId: unit.value, note: note.value.trim() || undefined });
        } }, "同意退回并改派"),
        h("button", { class: "danger", "data-action": "refuse-return", onclick: (e) => {
          if (!note.value.trim()) return toast("驳回须填写审核意见", true);
          act(e.target, `/api/orders/${o.workOrderId}/refuse-return`, { note: note.value.trim() });
        } }, "驳回退回"))] : null);
}

function hotspotItem(spot, canAct) {
  const lead = h("select", { name: "unitId" }, unitOptions(defaultLead(spot.town), { blank: "请选择牵头单位" }));
  const co = h("select", { name: "coUnitIds", multiple: true, size: 4 }, unitOptions(""));
  const due = h("input", { name: "resolveBy", type: "date" });
  const days = h("input", { name: "followUpDays", type: "number", min: 1, max: 90, value: 7, style: "width:70px" });
  const task = spot.task;
  return h("article", { class: "item", "data-hotspot": spot.alertId },
    h("header", null, h("b", null, `${spot.town}${spot.village || ""}`), h("span", { class: "tag yellow" }, spot.theme.join("、")),
      h("span", { class: "tag" }, name("category", spot.category)),
      h("span", { class: "muted small" }, `${spot.reporterCount}人 · ${spot.eventCount}次 · ${spot.sources.map((s) => name("source", s)).join("/")} · 发现于 ${time(spot.detectedAt)}`)),
    h("ul", { class: "small" }, spot.reports.map((r) => h("li", null, `${shortTime(r.receivedAt)} ${name("source", r.source)}：`, r.text || r.eventId,
      r.workOrderId ? [" ", h("a", { href: "#/order/" + r.workOrderId }, r.workOrderId)] : null))),
    task ? h("p", null, "已转任务 ", h("a", { href: "#/order/" + task.workOrderId }, task.workOrderId), " ", h("span", { class: "tag" }, name("status", task.status)),
      ` 牵头：${task.unitName || "—"}${task.coUnitIds.length ? "，协办：" + task.coUnitIds.map(unitName).join("、") : ""}，办结时限 ${time(task.resolveBy)}`,
      task.followUp ? h("span", { class: "tag " + (task.followUp.verdict === "stopped" ? "green" : task.followUp.verdict === "continuing" ? "red" : "") },
        `回访观察${task.followUp.followUpDays}天：${name("verdict", task.followUp.verdict)}，新增反映 ${task.followUp.newReports}`) : null)
    : canAct ? [h("div", { class: "fields" }, h("label", null, "牵头单位", lead), h("label", null, "协办单位（可多选）", co),
        h("label", null, "办结时限", due), h("label", null, "观察天数", days)),
      h("div", { class: "actions" }, h("button", { class: "primary", "data-action": "task", onclick: (e) => {
        if (!lead.value) return toast("请选择牵头单位", true);
        const body = { unitId: lead.value, coUnitIds: [...co.selectedOptions].map((o) => o.value), followUpDays: Number(days.value) || 7 };
        if (due.value) body.resolveBy = due.value + "T18:00:00" + offsetText();  // the end of the centre's working day
        act(e.target, `/api/hotspots/${spot.alertId}/task`, body);
      } }, "转为任务（未诉先办）"))] : null);
}

function defaultLead(town) {
  const team = state.me.units.find((u) => u.tier === "town" && u.town === town && u.name.includes("服务队"))
    || state.me.units.find((u) => u.tier === "town" && u.town === town);
  return team ? team.id : "";
}

// ---------------------------------------------------------------------------------------------
// 查询 and the order's page

async function searchView(_, params) {
  const q = params.get("q") || "";
  const input = h("input", { name: "q", value: q, placeholder: "工单号 / 电话 / 来源编号 / 关键词", size: 40, id: "search-input" });
  const form = h("form", { class: "toolbar" }, input, h("button", { class: "primary", type: "submit" }, "查询"));
  form.addEventListener("submit", (event) => { event.preventDefault(); location.hash = "#/search?q=" + encodeURIComponent(input.value.trim()); });
  const results = h("div", { id: "search-results" });
  $("#view").replaceChildren(h("h2", null, "查询"), form, results);
  input.focus();
  if (!q) return;
  await live(["workorders"], async (current) => {
    const data = await api("/api/search?q=" + encodeURIComponent(q));
    if (!current()) return;
    results.replaceChildren(data.items.length ? orderTable(data.items) : empty("没有找到"));
  });
}

function orderTable(orders, { actions } = {}) {
  return h("table", { class: "card" },
    h("thead", null, h("tr", null, ["工单号", "等级", "状态", "类别", "地点", "承办单位", "内容", "时限", actions ? "操作" : null].filter(Boolean).map((t) => h("th", null, t)))),
    h("tbody", null, orders.map((o) => h("tr", { "data-order": o.workOrderId },
      h("td", null, h("a", { href: "#/order/" + o.workOrderId }, o.workOrderId)), h("td", null, levelTag(o.level)), h("td", null, statusTag(o)),
      h("td", null, name("category", o.category)), h("td", null, [o.town, o.village].filter(Boolean).join(" ") || "—"),
      h("td", null, o.unitName), h("td", { class: "text" }, o.text.length > 60 ? o.text.slice(0, 60) + "…" : o.text),
      h("td", { class: "small" }, deadlineText(o)), actions ? h("td", null, actions(o)) : null))));
}

async function orderView([id]) {
  await live(["workorders", "deliveries"], async (current) => {
    const d = await api("/api/orders/" + encodeURIComponent(id));
    if (!current()) return;
    const o = d.order;
    const role = state.me.account.role;
    const centre = role === "staff" || role === "supervisor";
    const info = [["来源", `${name("source", o.source)} ${o.sourceId}`], ["类别", name("category", o.category)], ["地点", [o.town, o.village, o.address].filter(Boolean).join(" ") || "—"],
      ["承办单位", o.unitName + (o.coUnitIds.length ? `（协办：${o.coUnitIds.map(unitName).join("、")}）` : "")],
      ["反映人", `${o.reporterName || "—"} ${o.reporterPhone || ""}`], ["受理", time(o.dispatchedAt)], ["时限", deadlineText(o) || "—"],
      ["办结情况", o.result || "—"], ["回访", d.feedback ? (d.feedback.satisfied ? "满意" : "不满意") + (d.feedback.comment ? "：" + d.feedback.comment : "") : "—"]];
    if (o.mergedInto) info.push(["并入", o.mergedInto]);
    if (o.hotspotAlertId) info.push(["热点任务", o.hotspotAlertId]);
    const actions = centre ? centreActions(o) : role === "unit" ? unitActions(o) : null;
    $("#view").replaceChildren(
      h("h2", null, o.workOrderId, " ", levelTag(o.level), " ", statusTag(o)),
      h("div", { class: "grid2" },
        h("div", null, h("section", { class: "card" }, h("div", { class: "text", style: "font-size:16px;margin-bottom:10px" }, o.text),
          h("table", null, h("tbody", null, info.map(([k, v]) => h("tr", null, h("th", null, k), h("td", null, v)))))),
          actions ? h("section", { class: "card" }, h("h3", null, "办理"), actions) : null,
          h("section", { class: "card" }, h("h3", null, `反映记录（${d.reports.length}）`),
            d.reports.map((r) => h("div", { style: "margin-bottom:10px", "data-report": r.eventId },
              h("div", { class: "muted small" }, `${time(r.receivedAt)} ${name("source", r.source)} ${r.sourceId || ""} ${r.reporterName || ""} ${r.reporterPhone || ""}`,
                r.requestType ? ` · ${name("requestType", r.requestType)}` : "", r.explanation ? ` · ${r.explanation}` : ""),
              h("div", { class: "text" }, r.text || r.eventId))))),
        h("div", null,
          h("section", { class: "card" }, h("h3", null, "全流程"),
            h("ol", { class: "timeline", id: "timeline" }, d.timeline.map((c) => h("li", { "data-change": c.change, "data-sequence": c.sequence },
              h("span", { class: "when" }, time(c.at)), h("b", null, name("change", c.change)), c.deadline ? `（${name("deadline", c.deadline)}）` : "",
              " · ", c.actorName || "—", c.personName ? h("span", { class: "person" }, `（${c.personName}）`) : "",
              c.note || c.reason || c.result ? h("div", { class: "text small muted" }, [c.result, c.note !== c.result ? c.note : null, c.reason !== c.note ? c.reason : null].filter(Boolean).join("；")) : null)))),
          h("section", { class: "card" }, h("h3", null, `通知（${d.notifications.length}）`),
            d.notifications.length ? h("table", null, h("tbody", null, d.notifications.map((n) => h("tr", null,
              h("td", { class: "small" }, time(n.at)), h("td", null, name("kind", n.kind)),
              h("td", null, n.recipientUnitId ? unitName(n.recipientUnitId) : n.recipient), h("td", null, name("channel", n.channel)), h("td", null, h("span", { class: "tag " + (n.outcome === "delivered" ? "green" : "red") }, name("outcome", n.outcome))),
              h("td", { class: "small muted" }, n.detail))))) : h("p", { class: "muted" }, "暂无")))));
  });
}

function centreActions(o) {
  const unit = h("select", { name: "unitId" }, unitOptions(o.unitId));
  const note = h("input", { name: "note", placeholder: "说明", size: 30 });
  const rows = [];
  if (["dispatched", "signed", "on_site", "reopened", "returned"].includes(o.status)) {
    rows.push(h("div", { class: "fields" }, h("label", null, "改派至", unit), h("label", null, "说明", note),
      h("button", { "data-action": "reassign", onclick: (e) => act(e.target, `/api/orders/${o.workOrderId}/reassign`, { unitId: unit.value, note: note.value.trim() || undefined }) }, "改派")));
  }
  if (o.status === "resolved") {
    const comment = h("input", { name: "comment", placeholder: "回访意见", size: 30 });
    rows.push(h("div", { class: "fields" }, comment,
      h("button", { class: "primary", "data-action": "feedback-yes", onclick: (e) => act(e.target, `/api/orders/${o.workOrderId}/feedback`, { satisfied: true, comment: comment.value.trim() || undefined }) }, "回访满意"),
      h("button", { "data-action": "feedback-no", onclick: (e) => act(e.target, `/api/orders/${o.workOrderId}/feedback`, { satisfied: false, comment: comment.value.trim() || undefined }) }, "不满意（重办）")));
  }
  if (o.status === "resolved" || o.status === "closed") {
    const reason = h("input", { name: "reason", placeholder: "重办原因", size: 30 });
    rows.push(h("div", { class: "fields" }, reason, h("button", { "data-action": "reopen", onclick: (e) => {
      if (!reason.value.trim()) return toast("请填写重办原因", true);
      act(e.target, `/api/orders/${o.workOrderId}/reopen`, { reason: reason.value.trim() });
    } }, "重办")));
  }
  if (o.status === "held" || o.status === "returned") rows.push(h("p", null, h("a", { href: "#/triage?tab=" + o.status }, "到分拨台审核 →")));
  return rows.length ? rows : h("p", { class: "muted" }, "当前状态无需中心操作");
}

function unitActions(o) {
  const text = h("textarea", { name: "text", placeholder: "备注 / 进展 / 办结情况 / 退回原因" });
  const button = (action, label, build, cls) => h("button", { class: cls || "", "data-action": action, onclick: (e) => {
    const body = build(text.value.trim());
    if (body === null) return;
    act(e.target, `/api/orders/${o.workOrderId}/${action}`, body);
  } }, label);
  const need = (label) => (value) => (value ? value : (toast(`请填写${label}`, true), null));
  const buttons = [];
  if (["dispatched", "reopened"].includes(o.status)) buttons.push(button("sign", "签收", (v) => ({ note: v || undefined }), "primary"));
  if (o.status === "signed") buttons.push(button("on-site", "到场", (v) => ({ note: v || undefined })));
  if (["signed", "on_site"].includes(o.status)) {
    buttons.push(button("progress", "报进展", (v) => need("进展")(v) && { note: v }));
    buttons.push(button("resolve", "办结", (v) => need("办结情况")(v) && { result: v }, "primary"));
  }
  if (["dispatched", "signed"].includes(o.status)) buttons.push(button("return", "退回", (v) => need("退回原因")(v) && { reason: v }, "danger"));
  if (!buttons.length) return h("p", { class: "muted" }, "当前状态无需本单位操作");
  return [text, h("div", { class: "actions", style: "margin-top:8px" }, buttons)];
}

// ---------------------------------------------------------------------------------------------
// 工作台: a unit's workbench

async function workbenchView(_, params) {
  const role = state.me.account.role;
  let unit = role === "unit" ? state.me.account.unitId : params.get("unit") || "";
  if (role !== "unit" && !unit) {
    const select = h("select", { name: "unit", id: "bench-unit" }, unitOptions("", { blank: "选择单位" }));
    select.addEventListener("change", () => (location.hash = "#/workbench?unit=" + select.value));
    $("#view").replaceChildren(h("h2", null, "单位工作台"), h("p", { class: "muted" }, "中心人员可查看任一单位的工作台："), select);
    return;
  }
  await live(["workorders"], async (current) => {
    const bench = await api("/api/workbench?unit=" + encodeURIComponent(unit));
    if (!current()) return;
    const canAct = role === "unit" || role === "staff" || role === "supervisor";
    $("#view").replaceChildren(h("h2", null, `${bench.unitName} · 工作台`),
      h("section", null, h("h3", null, `待办（${bench.open.length}）`), bench.open.length ? orderTable(bench.open, { actions: canAct ? quickActions : null }) : empty("没有待办工单")),
      h("section", null, h("h3", null, "近期办理"), bench.recent.length ? orderTable(bench.recent) : empty("暂无")));
  });
}

function quickActions(o) {
  const buttons = [];
  if (["dispatched", "reopened"].includes(o.status)) {
    buttons.push(h("button", { class: "primary", "data-action": "sign", onclick: (e) => act(e.target, `/api/orders/${o.workOrderId}/sign`, {}) }, "签收"));
  }
  if (o.status === "signed") buttons.push(h("button", { "data-action": "on-site", onclick: (e) => act(e.target, `/api/orders/${o.workOrderId}/on-site`, {}) }, "到场"));
  buttons.push(h("a", { href: "#/order/" + o.workOrderId, style: "margin-left:6px" }, "办理 →"));
  return buttons;
}

// ---------------------------------------------------------------------------------------------
// 考核: evaluation

async function evaluationView(_, params) {
  const by = params.get("by") || "unit";
  const now = new Date();
  const month = params.get("month") || `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
  const monthInput = h("input", { type: "month", name: "month", value: month });
  const bySelect = h("select", { name: "by" }, h("option", { value: "unit", selected: by === "unit" }, "按单位"), h("option", { value: "town", selected: by === "town" }, "按镇街"));
  const go = () => (location.hash = `#/evaluation?by=${bySelect.value}&month=${monthInput.value}`);
  monthInput.addEventListener("change", go);
  bySelect.addEventListener("change", go);
  const query = `by=${by}&month=${month}`;
  await live(["workorders"], async (current) => {
    const e = await api("/api/evaluation?" + query);
    if (!current()) return;
    const delta = (now, then) => (now == null || then == null ? "—" : (now - then >= 0 ? "+" : "") + (now - then).toFixed(1));
    $("#view").replaceChildren(h("h2", null, "考核"),
      h("div", { class: "toolbar" }, monthInput, bySelect, h("a", { href: "/api/evaluation.csv?" + query, download: true }, "导出 CSV"),
        h("span", { class: "muted small" }, "按派至各单位的每一轮次统计；得分 = 按时签收率×25% + 按时办结率×35% + 办结率×20% + 满意率×20%（缺项按其余加权）")),
      e.lines.length ? h("table", { class: "card", id: "evaluation" },
        h("thead", null, h("tr", null, ["排名", by === "unit" ? "单位" : "镇街", "得分", "环比", "同比", "派单", "按时签收", "按时办结", "办结率", "满意率", "退回", "重办", "签收中位", "办结中位"]
          .map((t, i) => h("th", { class: i >= 2 ? "num" : "" }, t)))),
        h("tbody", null, e.lines.map((l) => h("tr", { "data-key": l.key },
          h("td", null, l.rank), h("td", null, l.name), h("td", { class: "num" }, l.current.score == null ? "—" : l.current.score.toFixed(1)),
          h("td", { class: "num" }, delta(l.current.score, l.previous && l.previous.score)), h("td", { class: "num" }, delta(l.current.score, l.yearBefore && l.yearBefore.score)),
          h("td", { class: "num" }, l.current.rounds), h("td", { class: "num" }, pct(l.current.onTimeSignRate)), h("td", { class: "num" }, pct(l.current.onTimeResolveRate)),
          h("td", { class: "num" }, pct(l.current.closureRate)), h("td", { class: "num" }, pct(l.current.satisfactionRate)),
          h("td", { class: "num" }, l.current.returns), h("td", { class: "num" }, l.current.reopenings),
          h("td", { class: "num" }, duration(l.current.medianSignSeconds)), h("td", { class: "num" }, duration(l.current.medianResolveSeconds)))))) : empty("本期没有派单"));
  });
}

// ---------------------------------------------------------------------------------------------
// 账号: accounts (supervisors)

async function accountsView() {
  await live([], async (current) => {
    const data = await api("/api/accounts");
    if (!current()) return;
    const add = h("button", { class: "primary", onclick: () => accountDialog(null) }, "新建账号");
    $("#view").replaceChildren(h("h2", null, "账号管理"), h("div", { class: "toolbar" }, add),
      h("table", { class: "card" }, h("thead", null, h("tr", null, ["账号", "姓名", "角色", "单位", "状态", ""].map((t) => h("th", null, t)))),
        h("tbody", null, data.items.map((a) => h("tr", { "data-account": a.accountId }, h("td", null, a.accountId), h("td", null, a.name),
          h("td", null, name("role", a.role)), h("td", null, a.unitId ? unitName(a.unitId) : "—"), h("td", null, a.disabled ? "已停用" : "正常"),
          h("td", null, h("button", { class: "link", onclick: () => accountDialog(a) }, "修改"),
            h("button", { class: "link", onclick: () => resetDialog(a) }, "重置密码")))))));
  });
}

function accountDialog(account) {
  const role = h("select", { name: "role" }, options("role", account ? account.role : "staff"));
  const unit = h("select", { name: "unitId" }, unitOptions(account ? account.unitId : "", { blank: "（无）" }));
  const fields = [
    field("账号", h("input", { name: "accountId", value: account ? account.accountId : "", disabled: !!account, required: true })),
    field("姓名", h("input", { name: "name", value: account ? account.name : "", required: true })),
    field("角色", role), field("单位（单位经办人）", unit),
    account ? field("停用", h("input", { name: "disabled", type: "checkbox", checked: account.disabled }))
      : field("初始密码（至少10位）", h("input", { name: "password", type: "password", autocomplete: "new-password", required: true })),
  ];
  openDialog(account ? "修改账号" : "新建账号", fields, async (form) => {
    const body = { name: form.name.value.trim(), role: role.value, unitId: unit.value || undefined };
    if (account) await api("/api/accounts/" + encodeURIComponent(account.accountId), { method: "PUT", body: { ...body, disabled: form.disabled.checked } });
    else await api("/api/accounts", { method: "POST", body: { ...body, accountId: form.accountId.value.trim(), password: form.password.value } });
    toast("已保存");
    state.redraw && state.redraw();
  });
}

function resetDialog(account) {
  openDialog(`重置 ${account.name} 的密码`, [field("新密码（至少10位）", h("input", { name: "password", type: "password", autocomplete: "new-password", required: true }))],
    async (form) => {
      await api(`/api/accounts/${encodeURIComponent(account.accountId)}/password`, { method: "POST", body: { password: form.password.value } });
      toast("密码已重置");
    });
}

// ---------------------------------------------------------------------------------------------
// Start: who is logged in?

(async () => {
  try {
    state.me = await api("/api/session");
    start();
  } catch {
    showLogin();
  }
})();
