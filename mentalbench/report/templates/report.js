"use strict";
// Sortable tables: a click on a header sorts by that column (numbers by data-v), again to reverse.
function sortTable(th) {
  const table = th.closest("table");
  const column = Array.prototype.indexOf.call(th.parentNode.children, th);
  const ascending = th.getAttribute("aria-sort") !== "ascending";
  table.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const body = table.tBodies[0];
  const key = (row) => {
    const cell = row.children[column];
    if (!cell) return "";
    return cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
  };
  const numeric = Array.from(body.rows).every((r) => key(r) === "" || !isNaN(Number(key(r))));
  const rows = Array.from(body.rows).sort((a, b) => {
    const x = key(a), y = key(b);
    if (x === "" || y === "") return x === y ? 0 : (x === "" ? 1 : -1);  // blanks last
    const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    return ascending ? order : -order;
  });
  rows.forEach((r) => body.appendChild(r));
}
document.querySelectorAll("table.sortable th").forEach((th) => {
  th.addEventListener("click", () => sortTable(th));
});

// Drill-down: the data is gzipped JSON in base64, decoded once, on the first question opened.
let drillCache = null;
async function drillData() {
  if (drillCache) return drillCache;
  const text = document.getElementById("drill-data").textContent.trim();
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  drillCache = JSON.parse(await new Response(stream).text());
  return drillCache;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  children.forEach((c) => node.append(c));
  return node;
}

function fmt(v) { return v === null || v === undefined ? "–" : String(v); }

function ratingsTable(data, judgments) {
  const head = el("tr", {}, el("th", {}, "judge"), el("th", {}, "status"));
  data.keys.forEach((k) => head.append(el("th", {}, k)));
  const body = el("tbody");
  judgments.forEach((r) => {
    const row = el("tr", {}, el("td", {}, data.judges[r[2]] + (r[1] ? " (answer " + r[1] + ")" : "")),
      el("td", { class: "status-" + r[3] }, r[3]));
    r[4].forEach((v) => row.append(el("td", { "data-v": v === null ? "" : v }, fmt(v))));
    body.append(row);
  });
  return el("div", { class: "scroll" }, el("table", {}, el("thead", {}, head), body));
}

async function openQuestion(button) {
  document.querySelectorAll("#qlist button.current").forEach((b) => b.classList.remove("current"));
  button.classList.add("current");
  const data = await drillData();
  const id = button.getAttribute("data-q");
  const q = data.questions[id];
  const view = document.getElementById("drill-view");
  view.replaceChildren(el("h3", {}, id), el("div", { class: "qtext" }, q.t || "(no text stored)"));
  data.models.forEach((model, m) => {
    const answers = q.a.filter((a) => a[0] === m);
    const judgments = q.r.filter((r) => r[0] === m);
    if (!answers.length && !judgments.length) return;
    // The summary line: each judge's mean of the rubric metrics on this model's answer(s).
    // Several answers (samples) of one model: each judge's mean names the answer it is of.
    const scored = judgments.filter((r) => r[7] !== null);
    const repeated = answers.length > 1 || new Set(scored.map((r) => r[2])).size < scored.length;
    const means = scored.map((r) => data.judges[r[2]] + (repeated ? " (answer " + r[1] + ")" : "")
      + " " + r[7].toFixed(2));
    const box = el("details", { class: "model" },
      el("summary", {}, model + (means.length ? " · " + means.join(", ") : "")));
    answers.forEach((a) => {
      if (answers.length > 1) box.append(el("h4", {}, "answer " + a[1]));
      box.append(el("div", { class: "answer" }, a[2] || "(no answer)"));
      if (a[3] !== null) box.append(el("p", { class: "topic" }, a[3] + " words"));
    });
    if (judgments.length) {
      box.append(ratingsTable(data, judgments));
      judgments.forEach((r) => {
        const why = el("details", {}, el("summary", {}, "explanation: " + data.judges[r[2]]
          + (answers.length > 1 ? " on answer " + r[1] : "")));
        why.append(el("div", { class: "raw" }, r[5] || r[6] || "(empty)"));
        box.append(why);
      });
    }
    view.append(box);
  });
}

document.querySelectorAll("#qlist button").forEach((b) => {
  b.addEventListener("click", () => { openQuestion(b); });
});
