// One job: its numbers, per-epoch curves (live while it trains), the architecture drawn as its
// cells' graphs, its lineage back to a seed, and downloads of model.json and the weights.
"use strict";

(() => {
  const { el, fmt } = View;
  const main = document.getElementById("main");
  const base = `/api/runs/${View.run}/jobs/${View.job}`;
  const SVG = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  function opColor(op) {
    if (op === "petridish" || op === "mixed") return "#d9480f";
    if (op.includes("conv")) return "#2d6cdf";
    if (op.includes("pool")) return "#1f8a4c";
    return "#7a8499";
  }

  // A cell as a graph: inputs s0 (id 0), s1 (id 1), its nodes (id 2+i), and the output, which
  // sums one projection per node. Edges carry their op; a search node's edges are dashed.
  function cellGraph(cell, index) {
    const n = cell.nodes.length, dx = 118, width = dx * (n + 2) + 40, height = 190;
    const pos = (id) => (id < 2 ? [30, id === 0 ? 40 : 150] : [30 + dx * (id - 1), id % 2 ? 60 : 130]);
    const out = [30 + dx * (n + 1), 95];
    const g = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}` });
    const curve = ([x1, y1], [x2, y2], bend) => `M${x1},${y1} Q${(x1 + x2) / 2},${(y1 + y2) / 2 + bend} ${x2},${y2}`;
    cell.nodes.forEach((node, i) => {
      const target = pos(i + 2);
      node.edges.forEach((edge, e) => {
        const search = edge.op === "petridish" || edge.op === "mixed";
        for (const input of edge.inputs) {
          const from = pos(input), bend = (e - (node.edges.length - 1) / 2) * 26 + (input < 2 ? 0 : -14);
          g.append(svg("path", { d: curve(from, target, bend), fill: "none", stroke: opColor(edge.op),
            "stroke-width": search ? 1 : 1.6, "stroke-dasharray": search ? "4 3" : "none", opacity: 0.85 }));
          if (!search) {
            g.append(svg("text", { x: (from[0] + target[0]) / 2, y: (from[1] + target[1]) / 2 + bend / 2 - 2,
              "text-anchor": "middle", fill: opColor(edge.op) }, edge.op));
          }
        }
        if (search) {
          const k = (edge.params.primitives || []).length;
          g.append(svg("text", { x: target[0], y: target[1] - 22, "text-anchor": "middle", fill: opColor(edge.op) },
            `${edge.op}: ${edge.inputs.length} inputs × ${k} ops`));
        }
      });
      g.append(svg("path", { d: curve(target, out, 0), fill: "none", stroke: "#b8bfcc", "stroke-width": 1 }));
    });
    const node = (p, label) => svg("g", { class: "node" }, svg("circle", { cx: p[0], cy: p[1], r: 15 }),
      svg("text", { x: p[0], y: p[1] + 4, "text-anchor": "middle" }, label));
    g.append(node(pos(0), "s0"), node(pos(1), "s1"));
    cell.nodes.forEach((_, i) => g.append(node(pos(i + 2), `n${i}`)));
    g.append(node(out, "out"));
    return el("figure", {}, el("figcaption", {}, `cell ${index} · ${cell.reduction ? "reduction" : "normal"} · ${cell.channels} ch · ${n} node${n === 1 ? "" : "s"}`), g);
  }

  function architecture(desc) {
    const [c, h, w] = desc.input_shape;
    return el("div", {},
      el("p", { class: "muted" }, `input ${c}×${h}×${w} → stem ${desc.stem_channels} ch → ${desc.cells.length} cells → classifier (${desc.num_classes} classes). ` +
        "Each node sums its edges; a cell's output sums one 1×1 projection per node."),
      el("div", { class: "arch", id: "arch" }, desc.cells.map(cellGraph)));
  }

  function curves(curve) {
    const epochs = curve.map((p) => p.epoch);
    const line = (key, name, axis, dash) => ({ x: epochs, y: curve.map((p) => p[key] ?? null), name, yaxis: axis,
      mode: "lines+markers", line: { dash } });
    const keys = new Set(curve.flatMap(Object.keys));
    const data = [];
    if (keys.has("val_top1")) data.push(line("val_top1", "val top-1", "y", "solid"));
    if (keys.has("train_top1")) data.push(line("train_top1", "train top-1", "y", "dot"));
    if (keys.has("val_loss")) data.push(line("val_loss", "val loss", "y2", "solid"));
    if (keys.has("train_loss")) data.push(line("train_loss", "train loss", "y2", "dot"));
    return data;
  }

  function lineage(chain) {
    return el("ol", { class: "lineage", id: "lineage" }, chain.map((j, i) => el("li", {},
      i === 0 ? el("b", {}, `job ${j.job_id}`) : el("a", { href: `/runs/${View.run}/jobs/${j.job_id}` }, `job ${j.job_id}`),
      ` · ${j.label} · ${j.stage} · `, View.badge(j.status), ` · error ${fmt.err(j.error)} · ${fmt.madd(j.madd)} MAdd`,
      j.search_job ? el("span", { class: "muted" }, " · grown by search ", el("a", { href: `/runs/${View.run}/jobs/${j.search_job}` }, `job ${j.search_job}`)) : null,
      i === chain.length - 1 && j.stage === "seed_train" ? el("span", { class: "muted" }, " · seed") : null)));
  }

  async function refresh() {
    const [info, job] = await Promise.all([View.nav(), View.api(base)]);
    const m = job.metrics;
    const running = job.status === "submitted" && info.runs[View.run].status === "RUNNING" && !info.read_only;
    const kill = running ? el("button", { class: "danger", onclick: async () => {
      if (!confirm(`Kill job ${job.job_id}?`)) return;
      try { await View.control(`${base}/kill`); View.toast("kill sent"); } catch (e) { View.toast(e.message, true); }
    } }, "kill this job") : null;
    document.title = `job ${job.job_id} · archsearch`;
    const header = [
      el("h1", {}, `job ${job.job_id} `, el("span", { class: "muted" }, `${job.label} · ${job.stage} `), View.badge(job.status),
        job.on_hull ? el("span", { class: "badge SUCCEEDED", style: "margin-left:6px" }, "on the hull") : job.in_band ? el("span", { class: "badge", style: "margin-left:6px" }, "in the eps-band") : null),
      el("div", { class: "cards" },
        View.card("error", fmt.err(job.error_rate), m.val_top1 !== undefined ? `val top-1 ${fmt.num(m.val_top1)}` : ""),
        View.card("MAdd", fmt.madd(job.madd), job.madd ? fmt.int(job.madd) : ""),
        View.card("params", fmt.int(job.params)),
        View.card("train time", m.train_time_s === undefined ? "–" : m.train_time_s < 60 ? `${m.train_time_s.toFixed(1)} s` : fmt.duration(m.train_time_s), `${job.train_conf.epochs ?? "?"} epochs · ${job.attempts} attempt(s)`),
        View.card("parent", job.parent_id ?? "–", job.meta.search_job ? `via search job ${job.meta.search_job}` : ""),
        View.card("finished", job.finished_at ? new Date(job.finished_at * 1000).toLocaleTimeString() : "–", `submitted ${new Date(job.submitted_at * 1000).toLocaleTimeString()}`)),
      el("p", {},
        el("a", { href: `${base}/model.json`, download: true, id: "download-model" }, "⤓ model.json"), "  ",
        job.has_weights ? el("a", { href: `${base}/weights`, download: true, id: "download-weights" }, "⤓ weights (.pt)") : el("span", { class: "muted" }, "no weights file"),
        "  ", kill),
      job.error ? el("pre", { class: "error", id: "failure" }, job.error) : null,
    ];
    // The plot element is kept across refreshes, so a live curve updates in place.
    const plot = document.getElementById("curve") || el("div", { id: "curve", style: "height:320px" });
    const open = document.querySelector("details")?.open;
    main.replaceChildren(...header.filter(Boolean),
      el("div", { class: "row" },
        el("div", { class: "grow panel" }, el("h2", { style: "margin-top:0" }, "Per-epoch metrics"), plot),
        el("div", { class: "panel", style: "flex: 0 1 420px" }, el("h2", { style: "margin-top:0" }, "Lineage back to its seed"), lineage(job.lineage))),
      el("h2", {}, "Architecture"), architecture(job.model_desc),
      el("details", { open }, el("summary", {}, "training config"), el("pre", {}, JSON.stringify(job.train_conf, null, 1))));
    const data = curves(job.curve);
    await Plotly.react(plot, data, {
      margin: { l: 56, r: 56, t: 10, b: 44 }, uirevision: "keep",
      xaxis: { title: { text: "epoch" }, dtick: job.curve.length < 12 ? 1 : undefined },
      yaxis: { title: { text: "top-1" } }, yaxis2: { title: { text: "loss" }, overlaying: "y", side: "right", showgrid: false },
      legend: { orientation: "h", y: 1.08 }, plot_bgcolor: "#fff",
      annotations: data.length ? [] : [{ text: "no epoch reported yet", showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }],
    }, { displaylogo: false, responsive: true });
  }

  View.live(refresh);
})();
