// The dashboard's rollback chart (loaded before dashboard.js, which calls loadRollbacks with each refresh).
// Every text goes in as a text node, never as markup: bundle ids are written by people.
"use strict";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

// Rollback durations against the budget, oldest to newest: one bar each, on a log scale (a 0.2 s rollback and a
// 300 s budget both stay visible), red past the budget, which is the dashed line.
async function loadRollbacks() {
  let data;
  try {
    data = await api("GET", "/api/rollbacks?limit=60");
  } catch (e) {
    $("rollbacks").replaceChildren(el("span", { class: "error" }, e.message));
    return;
  }
  const list = data.rollbacks, budget = data.budgetSeconds;
  if (list.length === 0) {
    $("rollbacks").replaceChildren(el("span", { class: "muted" }, `No rollbacks yet. Budget: ${budget} s.`));
    return;
  }
  const width = 640, height = 170, left = 44, right = 8, top = 10, bottom = 22;
  const low = 0.01, high = Math.max(budget * 2, ...list.map((r) => r.seconds * 1.5));
  const y = (s) => top + (height - top - bottom) * (1 - (Math.log10(Math.max(s, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low)));
  const slot = (width - left - right) / list.length, bar = Math.max(2, Math.min(24, slot - 2));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "rollback-chart", "aria-label": "rollback durations against the budget" });
  for (let tick = low; tick <= high; tick *= 10) {
    chart.append(svg("line", { x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: "grid" }),
      svg("text", { x: left - 4, y: y(tick) + 3, "text-anchor": "end", class: "axis" }, tick >= 1 ? `${tick} s` : `${tick * 1000} ms`));
  }
  list.forEach((r, i) => {
    const x = left + i * slot + (slot - bar) / 2;
    chart.append(svg("rect", { x, y: y(r.seconds), width: bar, height: Math.max(1, y(low) - y(r.seconds)), class: r.overBudget ? "bar over" : "bar", "data-deployment": r.deployment },
      svg("title", {}, `${r.target} ${r.deployment} (${r.bundle}) rolled back ${when(r.at)}${r.automatic ? " automatically" : ""}: ${r.seconds.toFixed(2)} s${r.overBudget ? " (over budget)" : ""}`)));
  });
  chart.append(svg("line", { x1: left, x2: width - right, y1: y(budget), y2: y(budget), class: "budget" }),
    svg("text", { x: width - right, y: y(budget) - 3, "text-anchor": "end", class: "budget-label" }, `budget ${budget} s`),
    svg("text", { x: left, y: height - 6, class: "axis" }, when(list[0].at)),
    svg("text", { x: width - right, y: height - 6, "text-anchor": "end", class: "axis" }, when(list[list.length - 1].at)));
  const over = list.filter((r) => r.overBudget).length;
  const slowest = Math.max(...list.map((r) => r.seconds));
  $("rollbacks").replaceChildren(chart,
    el("p", { class: over ? "error" : "muted" }, `${list.length} rollback${list.length === 1 ? "" : "s"}, ${over} over the ${budget} s budget; slowest ${slowest.toFixed(2)} s.`));
}
