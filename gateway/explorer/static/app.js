// ionet explorer: polls the gateway's JSON API (/api/…) and renders the network or a
// node's page. Amounts arrive as decimal strings of base units; every figure shown is
// also in its element's data-value, exactly, for tests and scripts.
"use strict";

const IO = 8, USD = 6, POLL_MS = 3000;
const $ = (id) => document.getElementById(id);

// units formats a base-unit decimal string with `decimals` places, trimming zeros.
function units(s, decimals) {
  s = String(s ?? "0");
  const neg = s.startsWith("-");
  if (neg) s = s.slice(1);
  s = s.padStart(decimals + 1, "0");
  let int = s.slice(0, s.length - decimals), frac = s.slice(s.length - decimals).replace(/0+$/, "");
  int = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (neg ? "-" : "") + int + (frac ? "." + frac : "");
}
const io = (s) => units(s, IO);
const usd = (s) => units(s, USD);
const tops = (milli) => units(milli, 3);
const pct = (bps) => (Number(bps) / 100).toFixed(2).replace(/\.?0+$/, "") + " %";
const num = (s, decimals) => Number(s) / 10 ** decimals; // for charts only
// big writes a chart's $IO tick: 12,500 or 2.5M or 300M.
const big = (x) => (x >= 1e6 ? (x / 1e6).toLocaleString(undefined, { maximumFractionDigits: 1 }) + "M" : x.toLocaleString());
// INTS are integer tick steps (epochs, counts).
const INTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
const short = (a) => (a && a.length > 12 ? a.slice(0, 4) + "…" + a.slice(-4) : a || "");

// put shows text in element id and keeps the exact value in data-value.
function put(id, text, value) {
  const el = $(id);
  if (!el) return;
  el.textContent = text;
  el.dataset.value = value === undefined ? text : String(value);
}

function cell(text, field, value, cls) {
  const td = document.createElement("td");
  if (text instanceof Node) td.appendChild(text);
  else td.textContent = text;
  if (field) {
    td.dataset.field = field;
    td.dataset.value = value === undefined ? String(text) : String(value);
  }
  if (cls) td.className = cls;
  return td;
}

function link(href, text, title) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  if (title) a.title = title;
  return a;
}

function code(text, title) {
  const c = document.createElement("code");
  c.textContent = text;
  if (title) c.title = title;
  return c;
}

function fill(tableId, rows) {
  const tb = $(tableId).querySelector("tbody");
  tb.replaceChildren(...rows);
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    const td = cell("none yet");
    td.colSpan = $(tableId).querySelectorAll("thead th").length;
    td.className = "empty";
    tr.appendChild(td);
    tb.appendChild(tr);
  }
}

async function get(path) {
  const r = await fetch(path, { cache: "no-store" });
  const body = await r.json();
  if (!r.ok) throw new Error(path + ": " + (body.error || r.status));
  return body;
}

// ---- charts (uPlot) ----

const charts = {};
function chart(id, opts, data) {
  const el = $(id);
  const width = Math.max(el.clientWidth || 480, 240);
  const key = id + ":" + JSON.stringify(opts.series.map((s) => s.label)) + ":" + (opts.key || "");
  const c = charts[id];
  if (c && c.key === key && c.width === width) {
    c.plot.setData(data);
    return;
  }
  if (c) c.plot.destroy();
  const plot = new uPlot(Object.assign({ width, height: 240, legend: { live: false } }, opts), data, el);
  charts[id] = { plot, key, width };
}

function barChart(id, labels, label, values, color) {
  const xs = labels.map((_, i) => i);
  chart(id, {
    key: labels.join(","),
    scales: { x: { time: false, range: [-0.5, Math.max(labels.length - 0.5, 0.5)] }, y: { range: (u, min, max) => [0, Math.max(max, 1) * 1.15] } },
    axes: [{ splits: () => xs, values: (u, vals) => vals.map((v) => labels[v] ?? ""), size: 56 },
      { incrs: INTS }],
    series: [{}, { label, fill: color + "cc", stroke: color, paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } }],
  }, [xs, values]);
}

// verticals draws a dashed vertical line at each x in marks, labelled.
function verticals(marks, color) {
  return {
    hooks: {
      draw: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = color;
        ctx.fillStyle = color;
        ctx.setLineDash([5, 4]);
        ctx.font = 11 * devicePixelRatio + "px sans-serif";
        for (const m of marks) {
          const x = u.valToPos(m.x, "x", true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.fillText(m.label, x + 4, u.bbox.top + 12 * devicePixelRatio);
        }
        ctx.restore();
      }],
    },
  };
}

// ---- the network page ----

async function loadNetwork() {
  const [net, nodes, hires, epochs, em] = await Promise.all([
    get("/api/network"), get("/api/nodes"), get("/api/hires"), get("/api/epochs"), get("/api/emission")]);
  header(net);
  put("stat-nodes", String(net.nodes), net.nodes);
  put("stat-staked-nodes", String(net.staked_nodes), net.staked_nodes);
  put("stat-gpus", String(net.gpus), net.gpus);
  put("stat-hired-gpus", String(net.hired_gpus), net.hired_gpus);
  put("stat-tops", tops(net.tops_milli), net.tops_milli);
  put("stat-stake", io(net.stake), net.stake);
  put("stat-delegated", io(net.delegated), net.delegated);
  put("stat-active-hires", String(net.orders.Active || 0), net.orders.Active || 0);
  put("stat-open-hires", String(net.orders.Open || 0), net.orders.Open || 0);
  put("stat-keepers", String(net.keepers_serving), net.keepers_serving);
  put("stat-supply", io(net.supply.supply), net.supply.supply);
  put("stat-supply-check", net.supply.supply_ok ? "= genesis − burned ✓" : "MISMATCH", net.supply.supply_ok);
  put("stat-burned", io(net.supply.burned), net.supply.burned);
  put("stat-emitted", io(net.supply.emitted), net.supply.emitted);
  put("stat-cap", io(net.supply.emission_cap), net.supply.emission_cap);
  put("stat-vault-check", net.supply.vault_ok ? "= cap − emitted ✓" : "MISMATCH", net.supply.vault_ok);

  barChart("chart-classes", net.classes.map((c) => c.class + "\n" + c.nodes + " nodes, " + c.staked + " staked"),
    "GPUs", net.classes.map((c) => c.gpus), "#3b82f6");
  barChart("chart-locations", net.locations.map((l) => l.location + "\n" + l.gpus + " GPUs"),
    "nodes", net.locations.map((l) => l.nodes), "#10b981");

  fill("nodes-table", nodes.map((n) => {
    const tr = document.createElement("tr");
    tr.dataset.node = n.address;
    tr.append(
      cell(link("/nodes/" + n.address, short(n.address), n.address), "address", n.address),
      cell(n.class, "class"),
      cell(String(n.gpus), "gpus", n.gpus),
      cell(n.location, "location"),
      cell(tops(n.tops_milli), "tops_milli", n.tops_milli),
      cell(n.attested_epoch || n.uptime_bps ? pct(n.uptime_bps) : "—", "uptime_bps", n.uptime_bps),
      cell(io(n.stake) + (n.staked ? "" : " (below minimum)"), "stake", n.stake),
      cell(io(n.delegated), "delegated", n.delegated),
      cell(usd(n.ask_micro_usd), "ask_micro_usd", n.ask_micro_usd),
      cell(io(n.slashed), "slashed", n.slashed, n.slashed !== "0" ? "bad" : ""));
    return tr;
  }));

  fill("hires-table", hires.map((h) => {
    const tr = document.createElement("tr");
    tr.dataset.order = h.address;
    tr.dataset.status = h.status;
    const matched = document.createElement("span");
    for (const a of h.assignments) {
      const s = document.createElement("span");
      s.className = "match";
      s.dataset.node = a.node;
      s.dataset.price = a.price_micro_usd;
      s.append(link("/nodes/" + a.node, short(a.node), a.node), " × " + a.gpus + " @ " + usd(a.price_micro_usd) + (a.failed ? " (failed)" : ""));
      matched.appendChild(s);
    }
    if (h.assignments.length === 0) matched.textContent = h.status === "Open" ? "waiting for a match" : "—";
    const mintDec = h.mint === "IO" ? IO : USD;
    tr.append(
      cell(code(short(h.address), h.address), "address", h.address),
      cell(h.status, "status", h.status, h.status.startsWith("Ended") ? "muted" : "good"),
      cell(h.class, "class"),
      cell(h.gpus + " × " + h.hours + " h", "gpus", h.gpus),
      cell(usd(h.max_price_micro_usd), "max_price_micro_usd", h.max_price_micro_usd),
      cell(h.mint === "IO" ? "$IO @ " + usd(h.io_usd_micro) : "IOSD", "mint", h.mint),
      cell(matched, "matched", h.assignments.map((a) => a.node + "@" + a.price_micro_usd).join(",")),
      cell(units(h.deposited, mintDec), "deposited", h.deposited),
      cell(units(h.refunded, mintDec), "refunded", h.refunded));
    return tr;
  }));

  fill("epochs-table", epochs.map((e) => {
    const tr = document.createElement("tr");
    tr.dataset.epoch = e.epoch;
    tr.append(
      cell(String(e.epoch), "epoch", e.epoch),
      cell(e.finalized ? code(e.root.slice(0, 16) + "…", e.root) : "not final", "root", e.root, e.finalized ? "" : "muted"),
      cell(e.finalized ? usd(e.io_usd_micro) : "—", "io_usd_micro", e.io_usd_micro),
      cell(e.finalized ? io(e.epoch_emission) : "—", "epoch_emission", e.epoch_emission),
      cell(e.committed.map(short).join(" "), "committed", e.committed.join(",")),
      cell(e.voters.map(short).join(" ") + " (" + e.voters.length + "/" + e.quorum + ")", "voters", e.voters.join(",")),
      cell(e.leaves < 0 ? "—" : String(e.leaves), "leaves", e.leaves));
    return tr;
  }));

  fill("keepers-table", net.keepers.map((k) => {
    const tr = document.createElement("tr");
    tr.dataset.keeper = k.authority;
    tr.append(
      cell(code(short(k.authority), k.authority), "authority", k.authority),
      cell(io(k.bond), "bond", k.bond),
      cell(String(k.active_from) + (k.exit_from != null ? " – " + k.exit_from : ""), "active_from", k.active_from),
      cell(k.last_vote_epoch == null ? "—" : String(k.last_vote_epoch), "last_vote_epoch", k.last_vote_epoch ?? ""),
      cell(k.endpoint + (k.reachable ? " ✓" : " (unreachable)"), "endpoint", k.endpoint, k.reachable ? "" : "muted"));
    return tr;
  }));

  emissionCharts(em);
  done(net);
}

function emissionCharts(em) {
  const marks = em.halvings.map((h, i) => ({ x: h.epoch, label: "halving " + (i + 1) }));
  marks.push({ x: em.epoch, label: "now" });
  const finals = em.epochs;
  chart("chart-schedule", Object.assign({
    key: em.halvings.length,
    scales: { x: { time: false } },
    axes: [{ label: "epoch", incrs: INTS }, { size: 70, values: (u, v) => v.map(big) }],
    series: [{ label: "epoch" },
      { label: "scheduled cumulative $IO", stroke: "#3b82f6", width: 2 },
      { label: "emitted (final reports)", stroke: "#ef4444", width: 2, points: { size: 6 } }],
  }, verticals(marks, "#888")), (() => {
    // One x axis: the schedule's points and the final epochs', merged.
    const xs = [...new Set([...em.schedule.map((p) => p.epoch), ...finals.map((p) => p.epoch)])].sort((a, b) => a - b);
    const sched = new Map(em.schedule.map((p) => [p.epoch, num(p.cumulative, IO)]));
    const emitted = new Map(finals.map((p) => [p.epoch, num(p.cumulative, IO)]));
    return [xs, xs.map((x) => sched.get(x) ?? null), xs.map((x) => emitted.get(x) ?? null)];
  })());
  {
    // Scheduled through each epoch so far, what the final reports emitted, and what
    // claims paid out of the vault (now).
    const xs = [...new Set([...em.so_far.map((p) => p.epoch), ...finals.map((p) => p.epoch), em.epoch])].sort((a, b) => a - b);
    const sched = new Map(em.so_far.map((p) => [p.epoch, num(p.cumulative, IO)]));
    const emitted = new Map(finals.map((p) => [p.epoch, num(p.cumulative, IO)]));
    chart("chart-emitted", {
      scales: { x: { time: false } },
      axes: [{ label: "epoch", incrs: INTS }, { size: 70, values: (u, v) => v.map(big) }],
      series: [{ label: "epoch" },
        { label: "scheduled through the epoch", stroke: "#3b82f6", width: 2, spanGaps: true },
        { label: "emitted (final reports)", stroke: "#ef4444", width: 2, spanGaps: true, points: { size: 7 } },
        { label: "paid by claims (now)", stroke: "#10b981", width: 0, points: { show: true, size: 9, fill: "#10b981" } }],
    }, [xs, xs.map((x) => sched.get(x) ?? null), xs.map((x) => emitted.get(x) ?? null),
      xs.map((x) => (x === em.epoch ? num(em.emitted, IO) : null))]);
  }
  // The burned supply: every burn the chain recorded (BurnRecorded events) where the
  // RPC node serves the history, else the gateway's samples since it started.
  let times, burned;
  if (em.burns) {
    put("burned-source", "(each burn as the chain recorded it" + (em.burns_complete ? ", since genesis)" : ")"), "chain");
    const pts = em.burns_complete ? [[em.genesis_ts, 0]] : [];
    for (const x of em.burns) pts.push([x.time, num(x.total_burned, IO)]);
    pts.push([em.now, pts.length ? pts[pts.length - 1][1] : 0]);
    times = pts.map((p) => p[0]);
    burned = pts.map((p) => p[1]);
  } else {
    put("burned-source", "(sampled by this gateway since it started)", "samples");
    const b = em.burned;
    times = [...b.map((s) => s.time), em.now];
    burned = [...b.map((s) => num(s.burned, IO)), num(b[b.length - 1].burned, IO)];
  }
  chart("chart-burned", {
    scales: { x: { time: true } },
    series: [{ label: "time" },
      { label: "burned $IO", stroke: "#ef4444", width: 2, fill: "#ef444422", paths: uPlot.paths.stepped({ align: 1 }), points: { size: 6 } }],
  }, [times, burned]);
}

function header(net) {
  put("hdr-slot", String(net.slot), net.slot);
  put("hdr-epoch", String(net.epoch), net.epoch);
  put("hdr-final", net.final_epoch == null ? "none yet" : String(net.final_epoch), net.final_epoch ?? "");
  put("hdr-price", net.io_usd_micro === "0" ? "—" : "$" + usd(net.io_usd_micro), net.io_usd_micro);
  const span = Math.max(net.epoch_end - net.epoch_start, 1);
  const done = Math.min(Math.max((net.chain_time - net.epoch_start) / span, 0), 1);
  $("hdr-epoch-progress").style.width = (done * 100).toFixed(1) + "%";
}

// done marks the page as rendered at a slot (tests wait on body[data-slot]).
function done(net) {
  $("hdr-error").hidden = true;
  document.body.dataset.slot = net.slot;
  document.body.dataset.epoch = net.epoch;
}

// ---- a node's page ----

async function loadNode(address) {
  const [net, n] = await Promise.all([get("/api/network"), get("/api/nodes/" + encodeURIComponent(address))]);
  header(net);
  put("node-address", n.address);
  put("node-class", n.class);
  put("node-gpus", String(n.gpus), n.gpus);
  put("node-location", n.location);
  put("node-operator", n.operator);
  put("node-stake", io(n.stake), n.stake);
  put("node-delegated", io(n.delegated), n.delegated);
  put("node-delegators", String(n.delegators), n.delegators);
  put("node-tops", tops(n.tops_milli), n.tops_milli);
  put("node-attested-epoch", String(n.attested_epoch), n.attested_epoch);
  put("node-uptime", pct(n.uptime_bps), n.uptime_bps);
  put("node-claimed", io(n.claimed), n.claimed);
  put("node-hire-iosd", usd(n.hire_claimed_iosd), n.hire_claimed_iosd);
  put("node-hire-io", io(n.hire_claimed_io), n.hire_claimed_io);
  put("node-slashed", io(n.slashed), n.slashed);
  put("node-frozen", n.frozen_at_epoch == null ? "" : "; frozen at epoch " + n.frozen_at_epoch, n.frozen_at_epoch ?? "");

  const eps = [...n.epochs].reverse();
  chart("chart-node-epochs", {
    scales: { x: { time: false }, r: {} },
    axes: [{ label: "epoch", incrs: INTS }, { label: "TOPS" }, { side: 1, scale: "r", label: "$IO", grid: { show: false } }],
    series: [{ label: "epoch" },
      { label: "TOPS", stroke: "#3b82f6", width: 2, points: { size: 6 } },
      { label: "reward $IO", stroke: "#10b981", width: 2, scale: "r", points: { size: 6 } }],
  }, [eps.map((e) => e.epoch), eps.map((e) => num(e.tops_milli, 3)), eps.map((e) => num(e.epoch_reward, IO))]);

  const all = n.challenges.flatMap((ec) => ec.challenges.map((c) => Object.assign({ epoch: ec.epoch }, c)));
  const sorted = [...all].sort((a, b) => a.at_millis - b.at_millis);
  chart("chart-node-challenges", {
    scales: { x: { time: true } },
    series: [{ label: "time" },
      { label: "measured TOPS", stroke: "#8b5cf6", width: 0, points: { show: true, size: 8, fill: "#8b5cf6" } }],
  }, [sorted.map((c) => c.at_millis / 1000), sorted.map((c) => (c.ok ? num(c.tops_milli, 3) : 0))]);
  fill("challenges-table", all.sort((a, b) => b.at_millis - a.at_millis).map((c) => {
    const tr = document.createElement("tr");
    tr.dataset.epoch = c.epoch;
    tr.append(
      cell(String(c.epoch), "epoch", c.epoch),
      cell(new Date(c.at_millis).toLocaleTimeString(), "at_millis", c.at_millis),
      cell(code(short(c.keeper), c.keeper), "keeper", c.keeper),
      cell(c.ok ? "passed" : "failed: " + c.reason, "ok", c.ok, c.ok ? "good" : "bad"),
      cell(c.ok ? tops(c.tops_milli) : "—", "tops_milli", c.tops_milli),
      cell((c.rtt_micros / 1000).toFixed(1), "rtt_micros", c.rtt_micros));
    return tr;
  }));
  fill("node-hires-table", n.hires.map((a) => {
    const tr = document.createElement("tr");
    tr.dataset.order = a.order;
    tr.append(
      cell(code(short(a.order), a.order), "order", a.order),
      cell(a.order_status, "order_status"),
      cell(String(a.gpus), "gpus", a.gpus),
      cell(usd(a.price_micro_usd), "price_micro_usd", a.price_micro_usd),
      cell(units(a.value, a.mint === "IO" ? IO : USD) + " " + (a.mint === "IO" ? "$IO" : "IOSD"), "value", a.value),
      cell(units(a.claimed, a.mint === "IO" ? IO : USD), "claimed", a.claimed),
      cell(a.failed ? "yes (" + a.failure_votes + " votes)" : "no", "failed", a.failed, a.failed ? "bad" : ""));
    return tr;
  }));
  fill("node-epochs-table", n.epochs.map((e) => {
    const tr = document.createElement("tr");
    tr.dataset.epoch = e.epoch;
    tr.append(
      cell(String(e.epoch), "epoch", e.epoch),
      cell(tops(e.tops_milli), "tops_milli", e.tops_milli),
      cell(pct(e.uptime_bps), "uptime_bps", e.uptime_bps),
      cell(pct(e.hired_bps), "hired_bps", e.hired_bps),
      cell(io(e.epoch_reward), "epoch_reward", e.epoch_reward),
      cell(io(e.cumulative_reward), "cumulative_reward", e.cumulative_reward));
    return tr;
  }));
  done(net);
}

// ---- polling ----

async function tick() {
  const m = location.pathname.match(/^\/nodes\/([^/]+)$/);
  try {
    if (m) {
      document.body.dataset.page = "node";
      $("network-page").hidden = true;
      $("node-page").hidden = false;
      await loadNode(decodeURIComponent(m[1]));
    } else {
      await loadNetwork();
    }
  } catch (err) {
    const e = $("hdr-error");
    e.textContent = String(err.message || err);
    e.hidden = false;
  }
  setTimeout(tick, POLL_MS);
}
tick();
