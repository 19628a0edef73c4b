// The Rewind dashboard: vanilla JS, no build step. Every piece of text from the server goes in through
// textContent, never innerHTML: reasons and bundle ids are written by people.
"use strict";

const TOKEN_KEY = "rewind.token";
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function when(t) {
  return t ? new Date(t).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : "-";
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function api(method, path, body, headers) {
  const response = await fetch(path, {
    method,
    headers: Object.assign({ Authorization: `Bearer ${localStorage.getItem(TOKEN_KEY)}` },
      body === undefined ? {} : { "Content-Type": "application/json" }, headers || {}),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (response.status === 401) {
    forgetToken("That token is not accepted (unknown or revoked). Paste a valid one.");
    throw new ApiError(401, data);
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// --- token -------------------------------------------------------------------------------------------

function forgetToken(message) {
  localStorage.removeItem(TOKEN_KEY);
  $("app").hidden = true;
  $("forget-token").hidden = true;
  $("who").textContent = "";
  $("login").hidden = false;
  $("login-error").textContent = message || "";
}

async function start() {
  if (!localStorage.getItem(TOKEN_KEY)) {
    forgetToken();
    return;
  }
  let me;
  try {
    me = await api("GET", "/api/me");
  } catch (e) {
    if (e.status !== 401) $("login-error").textContent = e.message;
    return;
  }
  window.rewindMe = me;
  $("who").textContent = `${me.name} (${me.role})`;
  $("forget-token").hidden = false;
  $("login").hidden = true;
  $("app").hidden = false;
  await Promise.all([loadTargets(), loadAudit(), loadTrain()]);
}

// Mirrors the server's rule (every role reads, admin holds every role); the server decides, this only hides buttons.
function can(role) {
  const held = window.rewindMe?.role;
  return held === "admin" || held === role;
}

// --- targets -----------------------------------------------------------------------------------------

let selectedTarget = null;

async function loadTargets() {
  let data;
  try {
    data = await api("GET", "/api/targets");
    $("banner").hidden = true;
  } catch (e) {
    showBanner(e.message);
    return;
  }
  // What needs a person first: frozen targets, then those off the train, then the rest by name.
  const urgency = { frozen: 0, "off-train": 1, "on-train": 2 };
  data.targets.sort((a, b) => (urgency[a.state] ?? 3) - (urgency[b.state] ?? 3) || a.name.localeCompare(b.name));
  const rows = data.targets.map((t) => {
    const last = t.last;
    return el("tr", { "data-target": t.name, class: t.name === selectedTarget ? "selected" : null },
      el("td", {}, el("strong", {}, t.name)),
      el("td", {},
        el("span", { class: `state ${t.state}`, "data-role": "state" }, t.state),
        t.busy ? el("span", { class: "state busy", title: t.busy.description }, `busy: ${t.busy.operation} by ${t.busy.who}`) : null,
        t.needsInvestigation ? el("span", { class: "state frozen", "data-role": "investigate", title: t.needsInvestigation.ack },
          `needs investigation: over budget (${t.needsInvestigation.deployments.map((d) => d.id).join(", ")})`) : null),
      el("td", {}, last ? `${last.id} · ${last.bundle} · ${last.status} · ${when(last.startedAt)} by ${last.who}` : el("span", { class: "muted" }, "none")),
      el("td", {}, t.reason ? `${t.reason}${t.by ? ` (by ${t.by})` : ""}` : "",
        t.window ? el("div", { class: "muted", "data-role": "window" }, `deploy window ${t.window}`) : null),
      el("td", { class: "actions" },
        el("button", {
          "data-action": "rollback", class: "danger", disabled: !last || t.state === "frozen" || !can("operator"),
          title: can("operator") ? null : "takes the operator role", onclick: () => openRollback(t.name),
        }, "Roll back last deployment"),
        el("button", { "data-action": "history", onclick: () => loadHistory(t.name) }, "History"),
        (t.state === "off-train" || t.state === "diverged") && can("train-admin") ? el("button", { "data-action": "clear", onclick: () => reasoned("clear", t.name) }, "Clear hold") : null,
        t.state === "frozen" && can("admin") ? el("button", { "data-action": "unfreeze", onclick: () => reasoned("unfreeze", t.name) }, "Unfreeze") : null,
        t.busy && can("admin") ? el("button", { "data-action": "unlock", class: "danger", onclick: () => reasoned("unlock", t.name, t.busy) }, "Break lock") : null));
  });
  $("targets").tBodies[0].replaceChildren(...rows);
  if (selectedTarget) await loadHistory(selectedTarget, true);
  await loadRollbacks();
}

function showBanner(message) {
  $("banner").textContent = message;
  $("banner").hidden = false;
}

const questions = {
  clear: (target) => `Why may ${target} rejoin its train? (goes into the audit)`,
  unfreeze: (target) => `What was decided about the frozen incident on ${target}? (goes into the audit)`,
  unlock: (target, busy) => `${target} is held: ${busy.description}. Why is that operation judged hung? ` +
    `Its process kills a hung hook or check within 10 s; if it is hung elsewhere, stop it on ${busy.host} (process ${busy.pid}). (goes into the audit)`,
};

async function reasoned(action, target, busy) {
  const reason = prompt(questions[action](target, busy));
  if (!reason) return;
  try {
    await api("POST", `/api/targets/${encodeURIComponent(target)}/${action}`, { reason });
  } catch (e) {
    showBanner(e.message);
  }
  await Promise.all([loadTargets(), loadAudit()]);
}

// --- history and impact report ---------------------------------------------------------------------

async function loadHistory(target, quiet) {
  selectedTarget = target;
  for (const row of $("targets").tBodies[0].rows) row.classList.toggle("selected", row.dataset.target === target);
  let data;
  try {
    data = await api("GET", `/api/targets/${encodeURIComponent(target)}/deployments`);
  } catch (e) {
    if (!quiet) showBanner(e.message);
    return;
  }
  $("history-target").textContent = target;
  $("history-section").hidden = false;
  $("history").tBodies[0].replaceChildren(...data.deployments.map((d) =>
    el("tr", { "data-deployment": d.id },
      el("td", {}, el("button", { class: "link", onclick: () => loadReport(target, d.id) }, d.id)),
      el("td", {}, d.bundle),
      el("td", {}, d.status, d.rolledBackAt ? el("div", { class: "muted" }, `by ${d.rolledBackBy} ${when(d.rolledBackAt)}: ${d.rollbackReason || ""}`) : null),
      el("td", {}, when(d.startedAt)),
      el("td", {}, d.who),
      el("td", {}, `${d.records} / ${d.rows}`),
      el("td", {}, d.error || d.reason || ""))));
}

async function loadReport(target, id) {
  const d = await api("GET", `/api/targets/${encodeURIComponent(target)}/deployments/${encodeURIComponent(id)}`);
  const report = $("report");
  report.replaceChildren(
    el("h3", {}, `Deployment ${d.id}: ${d.bundle} (${d.status})`),
    facts([
      ["deployed", `${when(d.startedAt)} by ${d.who}${d.reason ? ` (${d.reason})` : ""}`],
      ["touched", `${d.records} records, ${d.rows} data-copy rows${d.rowChanges ? `, ${d.rowChanges} row changes` : ""}`],
      ["inverse", d.inverse || "-"],
      ["checks", (d.checks || []).map((c) => `${c.name}: ${c.outcome}`).join(", ") || "none"],
      ["rolled back", d.rolledBackAt ? `${when(d.rolledBackAt)} by ${d.rolledBackBy}: ${d.rollbackReason || ""} (${(d.rollbackSeconds ?? 0).toFixed(2)} s${d.rollbackOverBudget ? ", OVER BUDGET" : ""})` : "no"],
      ["code", (d.code || []).map((c) => `${c.slot}: ${c.fromVersion ?? "?"} → ${c.toVersion}`).join(", ") || "none"],
    ]),
    d.impact ? [el("h4", {}, "Impact of the rollback"), impactList(d.impact)] : null,
    el("h4", {}, "Journal"),
    el("ol", {}, (d.steps || []).map((s) => el("li", {}, `${when(s.at)} ${s.step}: ${s.state}${s.detail ? ` (${s.detail})` : ""}`))));
  report.hidden = false;
}

// What the rollback did not restore and what it saved: said plainly, after the fact and in the report.
function impactList(impact) {
  const items = [];
  for (const b of impact?.businessTables || []) {
    items.push(`business table ${b.table}: ${b.changedRows ?? "?"} rows changed while the deployment was live; NOT rolled back`);
  }
  if (impact?.liveEdits?.length) {
    items.push(`${impact.liveEdits.length} record(s) edited after the deployment were overwritten; their edited images are saved as ${impact.liveEditsBundle}`);
  }
  for (const q of impact?.quarantined || []) items.push(`table ${q.table} quarantined as ${q.as} with ${q.rows} rows`);
  for (const r of impact?.rows || []) {
    items.push(`row ${r.table} ${r.key}: ${r.action}${r.columns?.length ? ` (${r.columns.join(", ")})` : ""} — ${r.reason}`);
  }
  return el("ul", { class: "impact" }, items.length ? items.map((i) => el("li", {}, i)) : el("li", { class: "muted" }, "no business data changed, no live edits, nothing quarantined"));
}

// What the inverse would change now, as the CLI's rollback --dry-run says it: tables, data copies, and each row
// change kept, saved or restored, so nobody says yes to a rollback that keeps or saves rows without seeing which.
function planList(plan) {
  if (!plan) return null;
  const items = [];
  const r = plan.records;
  if (r) items.push(`records: ${r.restored} restored, ${r.recreated} re-created, ${r.removed} removed`);
  for (const t of plan.tables || []) items.push(`table ${t.table}: ${t.change}`);
  for (const c of plan.dataCopies || []) items.push(`data copy ${c.table}: ${c.rowsNow} rows now, ${c.rowsAfter} after`);
  for (const w of plan.rows || []) items.push(`row ${w.table} ${w.key}: ${w.action}${w.columns?.length ? ` (${w.columns.join(", ")})` : ""}`);
  if (plan.liveEdits?.length) items.push(`${plan.liveEdits.length} record(s) changed since the deploy: overwritten, their images saved`);
  for (const b of plan.businessTables || []) items.push(`business table ${b.table}: ${b.changedRows ?? "?"} rows changed while live; NOT rolled back`);
  return el("ul", { class: "impact", "data-role": "plan" }, items.map((i) => el("li", {}, i)));
}

function facts(pairs) {
  return el("dl", { class: "facts" }, pairs.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-fact": k }, v)]));
}

// --- rollback: show exactly what goes, ask for a reason and a yes, then follow the journal --------------

let pending = null;

async function openRollback(target) {
  const dialog = $("rollback-dialog");
  $("rollback-target").textContent = target;
  $("rollback-reason").value = "";
  $("rollback-yes").checked = false;
  $("rollback-confirm").disabled = true;
  $("rollback-form").hidden = false;
  $("rollback-progress").hidden = true;
  $("rollback-preview").replaceChildren(el("p", { class: "muted" }, "Loading what would be rolled back…"));
  dialog.showModal();
  try {
    const p = await api("GET", `/api/targets/${encodeURIComponent(target)}/rollback/preview`);
    const d = p.deployment;
    pending = { target, deployment: d.id };
    $("rollback-what").textContent = `${d.id} (${d.bundle}) on ${target}`;
    $("rollback-preview").replaceChildren(facts([
      ["deployment", d.id],
      ["bundle", `${d.bundle} (${d.kind})`],
      ["deployed", when(d.startedAt)],
      ["by", `${d.who}${d.reason ? ` (${d.reason})` : ""}`],
      ["touched", `${d.records} records, ${d.rows} data-copy rows${d.rowChanges ? `, ${d.rowChanges} row changes` : ""}`],
      ["code", p.code.length ? p.code.map((c) => `${c.slot}: ${c.from} → ${c.to}`).join(", ") : "none"],
      ["back to", p.backTo ? `${p.backTo.id} (${p.backTo.bundle}, ${when(p.backTo.startedAt)})` : "the state before any deployment"],
    ]), planList(p.plan), el("p", { class: "muted" }, p.afterwards));
  } catch (e) {
    pending = null;
    $("rollback-form").hidden = true;
    $("rollback-preview").replaceChildren(el("p", { class: "error", "data-role": "refusal" }, `No rollback possible now: ${e.message}`));
    $("rollback-progress").hidden = false;
    $("rollback-status").textContent = "";
  }
}

function updateConfirm() {
  $("rollback-confirm").disabled = !(pending && $("rollback-reason").value.trim() && $("rollback-yes").checked);
}

async function confirmRollback() {
  if (!pending) return;
  const { target, deployment } = pending;
  const reason = $("rollback-reason").value.trim();
  $("rollback-form").hidden = true;
  $("rollback-progress").hidden = false;
  $("rollback-journal").replaceChildren();
  document.querySelectorAll("#rollback-progress ul.impact").forEach((u) => u.remove());
  $("rollback-status").textContent = `Rolling back ${deployment} on ${target}…`;
  try {
    // Asynchronous: the answer names an operation, and the dialog follows its journal until it ends.
    const started = await api("POST", `/api/targets/${encodeURIComponent(target)}/rollback`, { reason, deployment }, { Prefer: "respond-async" });
    await follow(started.operation);
  } catch (e) {
    $("rollback-status").textContent = `Refused: ${e.message}`;
  }
  await Promise.all([loadTargets(), loadAudit()]);
}

async function follow(id) {
  for (;;) {
    const op = await api("GET", `/api/operations/${encodeURIComponent(id)}`);
    $("rollback-journal").replaceChildren(...(op.journal || []).map((s) =>
      el("li", { class: s.state === "done" ? "done" : null }, `${s.step}: ${s.state}${s.detail ? ` (${s.detail})` : ""}`)));
    if (op.status === "running") {
      const p = op.progress;
      $("rollback-status").textContent = p ? `Rolling back: ${p.step} ${p.done}/${p.total}` : "Rolling back…";
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    if (op.status === "succeeded") {
      const r = op.result;
      $("rollback-status").textContent = `Rolled back ${r.deployment} (${r.bundle}) in ${(r.seconds ?? 0).toFixed(2)} s. ${r.target} is now ${r.state}.`;
      $("rollback-journal").after(impactList(r.impact));
    } else {
      $("rollback-status").textContent = `${op.status === "refused" ? "Refused" : "Failed"}: ${op.problem?.detail || op.result?.reason || "see the audit log"}`;
    }
    return;
  }
}

// --- train and audit -------------------------------------------------------------------------------------

async function loadTrain() {
  let groups;
  try {
    groups = (await api("GET", "/api/groups")).groups;
  } catch (e) {
    $("train").replaceChildren(e.message);
    return;
  }
  if (!groups.length) {
    $("train").replaceChildren("No groups are configured: each target rides alone.");
    return;
  }
  const tables = [];
  for (const g of groups) {
    const m = await api("GET", `/api/groups/${encodeURIComponent(g.name)}/train`);
    tables.push(el("h3", {}, `${m.group}: ${m.head} bundle(s) on the train`),
      el("table", { class: "train", "data-group": m.group },
        el("thead", {}, el("tr", {}, el("th", {}, "target"), el("th", {}, "stage"), el("th", {}, "state"),
          m.bundles.map((b) => el("th", { title: `boarded ${when(b.boardedAt)} by ${b.who}` }, `${b.position}. ${b.bundle}`)))),
        el("tbody", {}, m.targets.map((r) => el("tr", {},
          el("td", {}, r.name), el("td", {}, r.stage), el("td", {}, el("span", { class: `state ${r.state}` }, r.state)),
          r.cells.map((c) => el("td", { class: `cell ${c.state}`, title: c.deployment || "" }, c.state)))))));
  }
  $("train").replaceChildren(...tables);
}

async function loadAudit() {
  let data;
  try {
    data = await api("GET", "/api/audit?limit=50");
  } catch (e) {
    showBanner(e.message);
    return;
  }
  $("audit").tBodies[0].replaceChildren(...data.entries.slice().reverse().map((a) =>
    el("tr", { "data-seq": a.seq, "data-outcome": a.outcome },
      el("td", {}, a.seq), el("td", {}, when(a.at)), el("td", {}, a.who), el("td", {}, a.operation),
      el("td", {}, a.target || ""), el("td", {}, a.deployment || ""),
      el("td", {}, a.fromVersion || a.toVersion ? `${a.fromVersion || ""} → ${a.toVersion || ""}` : ""),
      el("td", { class: a.outcome.startsWith("refused") || a.outcome === "failed" ? "error" : null }, a.outcome),
      el("td", {}, a.reason || a.detail || ""))));
}

// --- wiring --------------------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const token = $("token-input").value.trim();
    if (!token) return;
    localStorage.setItem(TOKEN_KEY, token);
    $("token-input").value = "";
    start();
  });
  $("forget-token").addEventListener("click", () => forgetToken());
  $("refresh").addEventListener("click", loadTargets);
  $("refresh-audit").addEventListener("click", loadAudit);
  $("rollback-reason").addEventListener("input", updateConfirm);
  $("rollback-yes").addEventListener("change", updateConfirm);
  $("rollback-confirm").addEventListener("click", confirmRollback);
  $("rollback-cancel").addEventListener("click", () => $("rollback-dialog").close());
  $("rollback-close").addEventListener("click", () => $("rollback-dialog").close());
  start();
  // State at a glance stays current: another operator (or instance) may act at any time.
  setInterval(() => { if (!$("app").hidden && !$("rollback-dialog").open) loadTargets(); }, 5000);
});
