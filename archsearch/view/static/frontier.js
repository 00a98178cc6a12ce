// The frontier: every trained model (seeds apart from grown ones), the hull and its eps-band,
// parent -> child links, a replay of the hull's history; a click opens a model's job page.
"use strict";

(() => {
  const { el, fmt } = View;
  const main = document.getElementById("main");
  const strip = el("div", { class: "cards", id: "strip" });
  const plot = el("div", { id: "frontier" });
  const slider = el("input", { type: "range", min: 0, max: 0, value: 0, id: "replay" });
  const play = el("button", { id: "play" }, "▶ replay");
  const when = el("span", { class: "muted", id: "replay-label" }, "");
  main.replaceChildren(
    el("h1", {}, "Frontier ", el("span", { class: "muted" }, "validation error vs multiply-adds")),
    strip,
    el("div", { class: "panel", style: "margin-top:12px" }, plot,
      el("div", { class: "replay" }, play, slider, when)),
  );

  let frontier = null, history = [], playing = null, bound = false;
  const GL_ABOVE = 5000;  // WebGL markers past this many points (SVG slows down)

  function pointTrace(name, keep, color, symbol) {
    const p = frontier.points;
    const idx = p.job_id.map((_, i) => i).filter(keep);
    return {
      name, type: idx.length > GL_ABOVE ? "scattergl" : "scatter", mode: "markers",
      x: idx.map((i) => p.madd[i]), y: idx.map((i) => p.error[i]),
      customdata: idx.map((i) => p.job_id[i]),
      text: idx.map((i) => View.hoverText(p, i)), hovertemplate: "%{text}<extra></extra>",
      marker: { color, symbol, size: idx.length > 300 ? 6 : 10, line: { color: "#fff", width: 1 } },
      finished: idx.map((i) => p.finished_s[i]),
    };
  }

  function traces(version) {
    const p = frontier.points, c = frontier.colors;
    const pos = new Map(p.job_id.map((id, i) => [id, i]));
    const lx = [], ly = [];
    for (const [parent, child] of frontier.links) {
      lx.push(p.madd[pos.get(parent)], p.madd[pos.get(child)], null);
      ly.push(p.error[pos.get(parent)], p.error[pos.get(child)], null);
    }
    const curve = version ? version.curve : frontier.curve;
    const hullIds = version ? version.job_id : frontier.hull;
    const vertices = hullIds.filter((id) => pos.has(id)).map((id) => pos.get(id));
    const bandName = `eps-band (${frontier.eps})`;
    return [
      { name: "hull", x: curve.madd, y: curve.hull, mode: "lines", line: { color: c.hull, width: 2 }, hoverinfo: "skip" },
      { name: bandName, x: frontier.curve.madd, y: frontier.curve.band, mode: "lines", fill: "tonexty",
        fillcolor: c.band + "33", line: { color: c.band, width: 0.5 }, hoverinfo: "skip", visible: version ? "legendonly" : true },
      { name: "parent → child", x: lx, y: ly, mode: "lines", line: { color: "#9aa3b5", width: 0.8 }, hoverinfo: "skip", opacity: 0.6 },
      pointTrace("seeds", (i) => p.seed[i], c.seed, "square"),
      pointTrace("grown", (i) => !p.seed[i], c.grown, "circle"),
      { name: "hull points", type: "scatter", mode: "markers+text", x: vertices.map((i) => p.madd[i]), y: vertices.map((i) => p.error[i]),
        customdata: vertices.map((i) => p.job_id[i]), hovertext: vertices.map((i) => View.hoverText(p, i)),
        text: vertices.map((i) => p.label[i]), textposition: "bottom left", textfont: { size: 11, color: "#394560" },
        hovertemplate: "%{hovertext}<extra>hull</extra>",
        marker: { size: 16, color: "rgba(0,0,0,0)", line: { color: c.hull, width: 2 } } },
    ];
  }

  function dimAfter(data, t) {
    // During a replay, models trained after the shown hull are faded out.
    for (const trace of data) {
      if (!trace.finished) continue;
      trace.marker.opacity = trace.finished.map((f) => (t === null || f <= t + 1e-6 ? 1 : 0.12));
    }
    return data;
  }

  const layout = {
    uirevision: "keep",  // live updates keep the user's zoom and hidden traces
    margin: { l: 64, r: 20, t: 10, b: 52 }, hovermode: "closest",
    xaxis: { type: "log", title: { text: "MAdd (multiply-adds, one sample)" }, gridcolor: "#eef0f4" },
    yaxis: { title: { text: "validation error" }, gridcolor: "#eef0f4", zeroline: false },
    legend: { orientation: "h", y: 1.02, yanchor: "bottom", x: 0, traceorder: "normal" },
    plot_bgcolor: "#fff", paper_bgcolor: "#fff",
  };

  async function draw(index) {
    const latest = index === null || index >= history.length - 1 || history.length === 0;
    const version = latest ? null : history[index];
    await Plotly.react(plot, dimAfter(traces(version), version ? version.t : null), layout,
      { displaylogo: false, responsive: true });
    when.textContent = history.length === 0 ? "no hull recorded yet"
      : latest ? `now: hull v${history.at(-1).version}, ${frontier.hull.length} points`
      : `hull v${version.version} at ${fmt.duration(version.t)}: ${version.job_id.length} points`;
    if (!bound) {
      bound = true;
      plot.on("plotly_click", (event) => {
        const id = event.points[0] && event.points[0].customdata;
        if (id !== undefined) location.href = `/runs/${View.run}/jobs/${id}`;
      });
    }
  }

  slider.addEventListener("input", () => { stop(); draw(Number(slider.value)); });
  function stop() { if (playing) { clearInterval(playing); playing = null; play.textContent = "▶ replay"; } }
  play.addEventListener("click", () => {
    if (playing) return stop();
    let i = 0;
    play.textContent = "■ stop";
    slider.value = 0; draw(0);
    playing = setInterval(() => {
      i += 1;
      slider.value = i; draw(i);
      if (i >= history.length - 1) stop();
    }, 700);
  });

  async function refresh() {
    const [front, hist, overview] = await Promise.all([
      View.api(`/api/runs/${View.run}/frontier`),
      View.api(`/api/runs/${View.run}/hull_history`),
      View.api(`/api/runs/${View.run}/overview`),
      View.nav(),
    ]);
    frontier = front; history = hist;
    const best = overview.best;
    strip.replaceChildren(
      View.card("state", overview.status, overview.stop_reason),
      View.card("trained models", fmt.int(overview.trained), `${overview.strategy} · ${fmt.int(overview.by_status.submitted || 0)} running`),
      View.card("hull", `${overview.hull_size} points`, `eps-band ${overview.eps}`),
      View.card("best error", best ? fmt.err(best.error) : "–", best ? `${best.label} · ${fmt.madd(best.madd)} MAdd` : ""),
      View.card("elapsed", fmt.duration(overview.elapsed_s), overview.eta_s !== null ? `ETA ${fmt.duration(overview.eta_s)}` : ""),
    );
    const atEnd = Number(slider.value) >= Number(slider.max);
    slider.max = Math.max(0, history.length - 1);
    if (!playing && atEnd) slider.value = slider.max;
    if (!playing) await draw(Number(slider.value));
  }

  View.live(refresh);
})();
