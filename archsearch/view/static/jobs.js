// The jobs table: sortable by any column, filterable by stage, status and text; failures show
// their reason; a running job can be killed.
"use strict";

(() => {
  const { el, fmt } = View;
  const main = document.getElementById("main");
  const query = new URLSearchParams(location.search);
  const SHOW_MAX = 1000;  // rows drawn at once; filters narrow the rest down
  const COLUMNS = [
    ["job_id", "job", "num", (r) => el("a", { href: `/runs/${View.run}/jobs/${r.job_id}` }, r.job_id)],
    ["label", "model", "", (r) => r.label],
    ["stage", "stage", "", (r) => r.stage],
    ["status", "status", "", (r) => View.badge(r.status)],
    ["parent_id", "parent", "num", (r) => (r.parent_id === null ? "–" : el("a", { href: `/runs/${View.run}/jobs/${r.parent_id}` }, r.parent_id))],
    ["madd", "MAdd", "num", (r) => fmt.madd(r.madd)],
    ["params", "params", "num", (r) => fmt.int(r.params)],
    ["error_rate", "error", "num", (r) => fmt.err(r.error_rate)],
    ["attempts", "tries", "num", (r) => r.attempts],
    ["duration", "time", "num", (r) => (r.finished_at ? fmt.duration(r.finished_at - r.submitted_at) : "–")],
    ["error", "reason (failures)", "reason", (r) => r.error || ""],
  ];
  let rows = [], sortKey = "job_id", sortDir = 1, readOnly = true, running = false;

  const stage = el("select", { id: "stage" }, el("option", { value: "" }, "every stage"));
  const status = el("select", { id: "status" }, el("option", { value: "" }, "every status"));
  const text = el("input", { type: "text", id: "search", placeholder: "model or job id" });
  const summary = el("span", { class: "muted" });
  const table = el("table", { class: "data", id: "jobs" });
  main.replaceChildren(el("h1", {}, "Jobs"),
    el("div", { class: "filters" }, stage, status, text, summary), table);
  for (const input of [stage, status]) input.addEventListener("change", render);
  text.addEventListener("input", render);

  function options(select, values) {
    const chosen = select.value || query.get(select.id) || "";
    select.replaceChildren(select.firstChild, ...values.map((v) => el("option", { value: v }, v)));
    select.value = values.includes(chosen) ? chosen : "";
  }

  function value(r, key) { return key === "duration" ? (r.finished_at ? r.finished_at - r.submitted_at : null) : r[key]; }

  function render() {
    const needle = text.value.trim().toLowerCase();
    const shown = rows.filter((r) => (!stage.value || r.stage === stage.value) && (!status.value || r.status === status.value) &&
      (!needle || String(r.job_id) === needle || (r.label || "").toLowerCase().includes(needle)));
    shown.sort((a, b) => {
      const x = value(a, sortKey), y = value(b, sortKey);
      if (x === y) return a.job_id - b.job_id;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * sortDir;
    });
    summary.textContent = `${shown.length} of ${rows.length} jobs` + (shown.length > SHOW_MAX ? ` (first ${SHOW_MAX} shown)` : "");
    const head = el("tr", {}, COLUMNS.map(([key, name, cls]) => el("th", {
      class: `sortable ${cls === "num" ? "num" : ""} ${key === sortKey ? (sortDir > 0 ? "sorted-asc" : "sorted-desc") : ""}`,
      "data-key": key,
      onclick: () => { sortDir = key === sortKey ? -sortDir : 1; sortKey = key; render(); },
    }, name)), running && !readOnly ? el("th", {}, "") : null);
    const body = shown.slice(0, SHOW_MAX).map((r) => el("tr", { class: r.status, "data-job": r.job_id },
      COLUMNS.map(([, , cls, cell]) => el("td", { class: cls }, cell(r))),
      running && !readOnly ? el("td", {}, r.status === "submitted" ? el("button", { class: "danger", onclick: () => kill(r.job_id) }, "kill") : "") : null));
    table.replaceChildren(head, ...body);
  }

  async function kill(jobId) {
    if (!confirm(`Kill job ${jobId}? It is recorded as failed.`)) return;
    try { await View.control(`/api/runs/${View.run}/jobs/${jobId}/kill`); View.toast(`kill of job ${jobId} sent`); }
    catch (e) { View.toast(e.message, true); }
  }

  async function refresh() {
    const [info, data] = await Promise.all([View.nav(), View.api(`/api/runs/${View.run}/jobs`)]);
    readOnly = info.read_only;
    running = info.runs[View.run].status === "RUNNING";
    rows = data;
    options(stage, [...new Set(rows.map((r) => r.stage))].sort());
    options(status, [...new Set(rows.map((r) => r.status))].sort());
    render();
  }

  View.live(refresh);
})();
