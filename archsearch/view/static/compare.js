// Several runs' frontiers on one plot, with `archsearch compare`'s numbers: normalised
// hypervolume in a box shared by all runs, best error, and hull error at fixed MAdd levels.
"use strict";

(() => {
  const { el, fmt } = View;
  const main = document.getElementById("main");
  const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
  const levels = el("input", { type: "text", id: "levels", placeholder: "MAdd levels, e.g. 1e5, 1e6" });
  const plot = el("div", { id: "frontier" });
  const table = el("table", { class: "data", id: "compare" });
  main.replaceChildren(el("h1", {}, "Compare runs"), plot, el("h2", {}, "Numbers"),
    el("div", { class: "filters" }, levels, el("span", { class: "muted" }, "(empty: three levels spread over the runs' MAdd)")),
    table);
  levels.addEventListener("change", () => refresh().catch((e) => View.toast(e.message, true)));

  async function refresh() {
    const query = levels.value.split(/[\s,]+/).filter(Boolean).map((m) => `madd=${encodeURIComponent(m)}`).join("&");
    const [info, doc] = await Promise.all([View.nav(), View.api(`/api/compare${query ? "?" + query : ""}`)]);
    const data = [];
    doc.runs.forEach((r, k) => {
      const color = PALETTE[k % PALETTE.length], f = r.frontier, p = f.points;
      data.push({ name: `${r.name} (${p.job_id.length})`, legendgroup: r.name, mode: "markers", type: "scatter",
        x: p.madd, y: p.error, customdata: p.job_id.map((id) => [r.index, id]),
        text: p.job_id.map((_, i) => View.hoverText(p, i)), hovertemplate: `%{text}<extra>${r.name}</extra>`,
        marker: { color, size: 8, opacity: 0.75, symbol: p.seed.map((s) => (s ? "square" : "circle")) } });
      data.push({ name: `${r.name} hull`, legendgroup: r.name, showlegend: false, mode: "lines",
        x: f.curve.madd, y: f.curve.hull, line: { color, width: 2 }, hoverinfo: "skip" });
    });
    await Plotly.react(plot, data, {
      uirevision: "keep", margin: { l: 64, r: 20, t: 10, b: 52 }, hovermode: "closest",
      xaxis: { type: "log", title: { text: "MAdd" }, gridcolor: "#eef0f4" },
      yaxis: { title: { text: "validation error" }, gridcolor: "#eef0f4" },
      legend: { orientation: "h", y: 1.02, yanchor: "bottom" }, plot_bgcolor: "#fff",
    }, { displaylogo: false, responsive: true });
    if (!plot.dataset.bound) {
      plot.dataset.bound = "1";
      plot.on("plotly_click", (e) => {
        const [run, id] = e.points[0].customdata || [];
        if (id !== undefined) location.href = `/runs/${run}/jobs/${id}`;
      });
    }
    const at = doc.rows.length ? Object.keys(doc.rows[0].error_at) : [];
    table.replaceChildren(
      el("tr", {}, el("th", {}, "run"), el("th", { class: "num" }, "trained"), el("th", { class: "num" }, "hypervolume"),
        el("th", { class: "num" }, "best error"), at.map((m) => el("th", { class: "num" }, `error @ ${m} MAdd`))),
      ...doc.rows.map((r, k) => el("tr", {},
        el("td", {}, el("a", { href: `/runs/${doc.runs[k].index}/frontier` }, r.run)),
        el("td", { class: "num" }, r.trained), el("td", { class: "num" }, fmt.num(r.hypervolume)),
        el("td", { class: "num" }, fmt.err(r.best_error)), Object.values(r.error_at).map((e) => el("td", { class: "num" }, fmt.err(e))))));
    return info;
  }

  View.api("/api/runs").then((info) => View.live(refresh, info.runs.map((r) => r.index)));
})();
