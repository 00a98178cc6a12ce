// Shared by every page: where we are, JSON fetches, live refresh, formatting, the header.
"use strict";

const View = (() => {
  const parts = location.pathname.split("/").filter(Boolean);
  const run = parts[0] === "runs" ? Number(parts[1]) : 0;
  const job = parts[0] === "runs" && parts[2] === "jobs" && parts[3] ? Number(parts[3]) : null;
  const page = document.body.dataset.page;

  async function api(path, options) {
    const response = await fetch(path, options);
    const body = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  function control(path, payload) {
    return api(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload || {}),
    });
  }

  let toastTimer = null;
  function toast(message, error) {
    const box = document.getElementById("toast");
    box.textContent = message;
    box.className = error ? "error" : "";
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, error ? 8000 : 4000);
  }

  // Call refresh() now and whenever the store of one of the runs changes (server-sent events).
  // At most one refresh runs at a time; changes during it cause exactly one more.
  function live(refresh, runs) {
    let busy = false, again = false;
    async function go() {
      if (busy) { again = true; return; }
      busy = true;
      try { await refresh(); } catch (e) { toast(e.message, true); }
      busy = false;
      if (again) { again = false; go(); }
    }
    const show = (on) => {
      connected = on;
      document.querySelector(".live")?.classList.toggle("on", on);
    };
    for (const index of runs || [run]) {
      const source = new EventSource(`/api/runs/${index}/stream`);
      source.onopen = () => show(true);
      source.onerror = () => show(false);  // EventSource reconnects by itself
      source.onmessage = go;  // the first message arrives on connect: the initial load
    }
  }
  let connected = false;

  // el("td", {class: "num"}, "text", child...) -> element
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const fmt = {
    num: (x, digits = 4) => (x === null || x === undefined ? "–" : Number(x).toPrecision(digits)),
    err: (x) => (x === null || x === undefined ? "–" : Number(x).toFixed(4)),
    int: (x) => (x === null || x === undefined ? "–" : Math.round(x).toLocaleString("en")),
    madd(x) {
      if (x === null || x === undefined) return "–";
      for (const [unit, size] of [["G", 1e9], ["M", 1e6], ["k", 1e3]]) {
        if (x >= size) return (x / size).toPrecision(3) + unit;
      }
      return String(Math.round(x));
    },
    duration(s) {
      if (s === null || s === undefined) return "–";
      s = Math.max(0, Math.round(s));
      const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      const pad = (n) => String(n).padStart(2, "0");
      return `${pad(h)}:${pad(m)}:${pad(sec)}`;
    },
    time: (t) => (t ? new Date(t * 1000).toLocaleString() : "–"),
  };

  function badge(text) { return el("span", { class: `badge ${text}` }, text); }

  function card(key, value, sub) {
    return el("div", { class: "card" }, el("div", { class: "k" }, key),
      el("div", { class: "v", title: String(value) }, value), sub ? el("div", { class: "s" }, sub) : null);
  }

  function hoverText(p, i) {
    return `<b>${p.label[i]}</b> · job ${p.job_id[i]} (${p.stage[i]})<br>` +
      `MAdd ${fmt.madd(p.madd[i])} · params ${fmt.int(p.params[i])}<br>error ${fmt.err(p.error[i])}` +
      (p.test_error && p.test_error[i] != null ? ` · test ${fmt.err(p.test_error[i])}` : "");
  }

  // The header: brand, run picker, page links, the run's state and the live dot.
  async function nav() {
    const info = await api("/api/runs");
    const header = document.getElementById("nav");
    const current = info.runs[run] || info.runs[0];
    const link = (href, name, key) => el("a", { href, class: page === key ? "active" : null }, name);
    const picker = info.runs.length > 1
      ? el("select", { onchange: (e) => { location.href = `/runs/${e.target.value}/${page === "compare" ? "frontier" : ""}`; } },
          info.runs.map((r) => el("option", { value: r.index, selected: r.index === run && page !== "compare" }, r.name)))
      : el("span", {}, current.name);
    header.replaceChildren(
      el("div", { class: "brand" }, "archsearch ", el("span", {}, "view")),
      picker,
      link(`/runs/${run}/`, "Overview", "overview"),
      link(`/runs/${run}/frontier`, "Frontier", "frontier"),
      link(`/runs/${run}/jobs`, "Jobs", "jobs"),
      link("/compare", "Compare", "compare"),
      el("div", { class: "spacer" }),
      page === "compare" ? null : badge(current.status),
      el("span", { class: connected ? "live on" : "live" }, "live"),
    );
    return info;
  }

  return { run, job, page, api, control, toast, live, el, fmt, badge, card, hoverText, nav };
})();
