// The overview: state, strategy, budgets used and left (bars, ETA), jobs by stage and status,
// hull size, best error, elapsed; and the controls (raise budgets, stop) on a running search.
"use strict";

(() => {
  const { el, fmt } = View;
  const main = document.getElementById("main");
  const BUDGET_NAMES = {
    jobs: ["jobs submitted", "budget.max_jobs"], epochs: ["epochs submitted", "budget.max_epochs"],
    duration_s: ["wall clock", "budget.max_duration_s"], gpu_hours: ["GPU-hours", "budget.max_gpu_hours"],
    hull_points: ["hull points", "strategy.max_hull_points"],
  };
  let readOnly = true, lastStatus = null;
  const shown = (name, x) => (name === "duration_s" ? fmt.duration(x) : name === "gpu_hours" ? fmt.num(x, 3) : fmt.int(x));

  function budgets(rows) {
    return el("table", { class: "data", id: "budgets" },
      el("tr", {}, el("th", {}, "budget"), el("th", {}, "key"), el("th", { class: "num" }, "used"),
        el("th", { class: "num" }, "limit"), el("th", { class: "num" }, "left"), el("th", {}, "")),
      rows.map((b) => el("tr", {},
        el("td", {}, BUDGET_NAMES[b.name][0]), el("td", { class: "muted" }, BUDGET_NAMES[b.name][1]),
        el("td", { class: "num" }, shown(b.name, b.used)),
        el("td", { class: "num" }, b.limit === null ? "none" : shown(b.name, b.limit)),
        el("td", { class: "num" }, b.limit === null ? "–" : shown(b.name, Math.max(0, b.limit - b.used))),
        el("td", {}, b.fraction === null ? "" : el("div", { class: "bar" }, el("div", { style: `width:${(100 * b.fraction).toFixed(1)}%` })))),
      ));
  }

  function counts(byStage) {
    const statuses = ["submitted", "succeeded", "failed", "interrupted"];
    return el("table", { class: "data", id: "counts" },
      el("tr", {}, el("th", {}, "stage"), statuses.map((s) => el("th", { class: "num" }, s === "submitted" ? "running / queued" : s))),
      Object.entries(byStage).sort().map(([stage, by]) => el("tr", {}, el("td", {}, stage),
        statuses.map((s) => el("td", { class: "num" },
          by[s] ? el("a", { href: `/runs/${View.run}/jobs?stage=${stage}&status=${s}` }, by[s]) : "0")))));
  }

  function controls(overview) {
    if (readOnly) return el("p", { class: "muted" }, "read-only view: controls are off");
    if (overview.status !== "RUNNING") return el("p", { class: "muted" }, `controls act on a running search; this one is ${overview.status}`);
    const limit = (name) => overview.budgets.find((b) => b.name === name).limit;
    const input = (name, value, step) => el("input", { type: "number", name, min: step, step, placeholder: value ?? "none" });
    const form = el("form", { class: "controls", id: "update-form" },
      el("label", {}, "max jobs"), input("max_jobs", limit("jobs"), 1),
      el("label", {}, "max duration (s)"), input("max_duration_s", limit("duration_s"), "any"),
      el("label", {}, "concurrency"), input("concurrency", overview.concurrency, 1),
      el("span"), el("button", { class: "primary", type: "submit" }, "Apply"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const payload = {};
      for (const field of form.querySelectorAll("input")) if (field.value !== "") payload[field.name] = Number(field.value);
      if (!Object.keys(payload).length) return View.toast("give at least one value", true);
      try { await View.control(`/api/runs/${View.run}/update`, payload); View.toast("update sent: the driver applies it within a few seconds"); form.reset(); }
      catch (e) { View.toast(e.message, true); }
    });
    const stop = el("button", { class: "danger", id: "stop-search", onclick: async () => {
      if (!confirm("Stop the search? Running jobs are cancelled; `archsearch resume` continues it.")) return;
      try { await View.control(`/api/runs/${View.run}/stop`); View.toast("stop sent"); } catch (e) { View.toast(e.message, true); }
    } }, "Stop the search");
    return el("div", {}, form, el("p", {}, stop));
  }

  async function refresh() {
    const [info, o] = await Promise.all([View.nav(), View.api(`/api/runs/${View.run}/overview`)]);
    readOnly = info.read_only;
    const best = o.best;
    const children = [
      el("h1", {}, `${o.name} `, View.badge(o.status), o.stop_reason ? el("span", { class: "muted" }, ` ${o.stop_reason}`) : null),
      el("p", { class: "muted" }, o.run_dir),
      el("div", { class: "cards" },
        View.card("strategy", o.strategy, `engine ${o.engine}`),
        View.card("elapsed", fmt.duration(o.elapsed_s), o.status === "RUNNING" ? "running" : "total"),
        View.card("ETA", o.eta_s === null ? "–" : fmt.duration(o.eta_s), "first budget to run out"),
        View.card("trained models", fmt.int(o.trained), `${fmt.int(o.by_status.failed || 0)} failed`),
        View.card("running / queued", fmt.int(o.by_status.submitted || 0), o.concurrency ? `concurrency ${o.concurrency}` : "cluster capacity"),
        View.card("hull", `${o.hull_size} points`, `eps ${o.eps}`),
        el("a", { href: best ? `/runs/${View.run}/jobs/${best.job_id}` : "#" },
          View.card("best error", best ? fmt.err(best.error) : "–", best ? `${best.label} · job ${best.job_id}` : "")),
      ),
      el("div", { class: "row" },
        el("div", { class: "grow" }, el("h2", {}, "Budgets"), budgets(o.budgets), el("h2", {}, "Jobs by stage and status"), counts(o.counts)),
        el("div", { style: "flex: 0 1 360px" }, el("h2", {}, "Controls"), el("div", { class: "panel", id: "controls" }, controls(o)))),
    ];
    // Keep a half-typed form: rebuild the controls only when the run's state changes.
    const keep = lastStatus === o.status && document.getElementById("controls");
    const panel = keep ? document.getElementById("controls") : null;
    main.replaceChildren(...children);
    if (panel) document.getElementById("controls").replaceWith(panel);
    lastStatus = o.status;
  }

  View.live(refresh);
})();
