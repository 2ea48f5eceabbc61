// The real-client load generator: N Socket.IO JavaScript clients (socket.io-client from
// node_modules, as the browser runs it) in one Node process on one event loop.
//
//     node benchmarks/loadgen.mjs CONFIG.json      (driven by benchmarks/realtime.py)
//
// CONFIG: {
//   events: {join: "thread:join", send: "message:send"},      // bare: join / send
//   sockets: [{url, token, thread, name}],  // one per person; joins `thread` once connected
//   senders: [{url, token, name}],          // optional: not joined, send when told `via: "senders"`
//   pages: {base, path: "/threads/{thread}"} // optional: page views of the same people
//   connect_concurrency: 100, run_id: "abc", views: false,
//   bare: false                            // the bare server: no seq view, no lost/duplicated
// }
//
// Commands arrive on standard input, one JSON object a line; each answers with one JSON line
// on standard output (`{"event": ...}`), so the driver can stop and start servers between
// them:
//   {cmd: "connect"}                        connect every socket and join its thread
//   {cmd: "send", rate, seconds, via, page_rate?}  open-loop sends (a random connected member
//                                           sends in its own thread, or a sender in a random
//                                           thread), page views alongside; answers when acked
//   {cmd: "settle", timeout, quiet}         wait until every expected live delivery arrived
//   {cmd: "restart_window", open}           disconnects inside the window are not "dropped"
//   {cmd: "catchup", at, timeout}           wait until every socket has reconnected, joined
//                                           again with after_seq and holds every known seq of
//                                           its thread; seconds counted from `at` (epoch ms)
//   {cmd: "report"}                         print the report and exit
//
// Every client keeps its thread's view by seq, as the browser does (a seq it already has is
// skipped); after every reconnect it joins again with `after_seq` = its last seq. Latency is
// arrival minus the moment this process emitted the send (one clock: all clients live here).
// Bounded: the driver's rate x seconds sends, every wait has a timeout; on end of input the
// process closes every socket and exits.

import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);
const { io } = require("socket.io-client");

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const EV = config.events || { join: "thread:join", send: "message:send" };
const RUN = config.run_id || String(process.pid);
const CONCURRENCY = config.connect_concurrency || 100;

// Seeded (mulberry32), one stream for the senders and one for the page views: kollega and
// the bare server get the same senders in the same order.
function seeded(start) {
  let seed = start >>> 0;
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(config.seed ?? 19);
const pageRandom = seeded((config.seed ?? 19) + 1);

const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- what is measured -----------------------------------------------------------------------
const sentAt = new Map(); // client_id -> performance.now() at emit
const sentThread = new Map(); // client_id -> thread
const expectedBy = new Map(); // client_id -> live deliveries expected (joined sockets then)
const knownSeqs = new Map(); // thread -> Set of seqs acked or seen in a join
const latencies = [];
const pageLatencies = [];
const counts = {
  delivered: 0,
  expected: 0,
  other_run: 0,
  duplicated_live: 0,
  redelivered_by_join: 0,
  sent: 0,
  acked: 0,
  send_failed: 0,
  pages: 0,
  page_errors: 0,
  connect_errors: 0,
};
const disconnectReasons = {};
let restartWindow = false;
let firstSend = 0;
let lastArrival = 0;
const cpuStart = process.cpuUsage();
const phaseCpu = {};

function known(thread) {
  let s = knownSeqs.get(thread);
  if (!s) knownSeqs.set(thread, (s = new Set()));
  return s;
}

// --- one client -----------------------------------------------------------------------------
class Client {
  constructor(spec, joins) {
    this.spec = spec;
    this.joins = joins; // false for a sender
    this.view = new Map(); // seq -> client_id
    this.lastSeq = 0;
    this.joined = false; // joined since the last (re)connect
    this.joinedAt = 0; // performance.now() of the last join ack
    this.connects = 0;
    this.dropped = 0;
    this.disconnected = 0;
    this.liveSeqs = new Set();
    this.liveIds = new Set();
    this.waiters = []; // resolved at the next join ack
    const opts = {
      transports: ["websocket"],
      auth: spec.token ? { token: spec.token } : undefined,
      forceNew: true, // one connection per client, as one browser tab has
      autoConnect: false,
      reconnection: true,
    };
    if (spec.name) opts.extraHeaders = { "X-Kollega-Client": spec.name };
    this.socket = io(spec.url, opts);
    this.socket.on("connect", () => {
      this.connects += 1;
      if (this.joins) this.join();
    });
    this.socket.on("connect_error", () => {
      counts.connect_errors += 1;
    });
    this.socket.on("disconnect", (reason) => {
      this.joined = false;
      this.disconnected += 1;
      disconnectReasons[reason] = (disconnectReasons[reason] || 0) + 1;
      if (!restartWindow && (reason === "ping timeout" || reason === "transport close")) {
        this.dropped += 1;
      }
    });
    if (joins) this.socket.on("message:new", (m) => this.onMessage(m));
  }

  whenJoined(ms) {
    if (this.joined) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      setTimeout(resolve, ms);
    });
  }

  connect() {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off("connect", done);
        resolve();
      };
      this.socket.on("connect", done);
      this.socket.connect();
    });
  }

  async join() {
    const payload = { thread_id: this.spec.thread };
    if (this.lastSeq > 0) payload.after_seq = this.lastSeq;
    for (;;) {
      let ack;
      try {
        ack = await this.socket.timeout(30000).emitWithAck(EV.join, payload);
      } catch {
        if (!this.socket.connected) return; // the next connect joins again
        continue;
      }
      if (!ack || !ack.ok) {
        out({ event: "error", what: "join refused", ack });
        return;
      }
      const replay = payload.after_seq !== undefined;
      for (const m of ack.messages || []) this.take(m, replay ? "join" : "first");
      if (ack.more) {
        payload.after_seq = this.lastSeq;
        continue;
      }
      this.joined = true;
      this.joinedAt = performance.now();
      for (const resolve of this.waiters.splice(0)) resolve();
      return;
    }
  }

  take(m, how) {
    if (typeof m.seq !== "number") return;
    known(this.spec.thread).add(m.seq);
    if (this.view.has(m.seq)) {
      if (how === "live") {
        if (this.liveSeqs.has(m.seq)) counts.duplicated_live += 1;
      } else counts.redelivered_by_join += 1;
    } else {
      this.view.set(m.seq, m.client_id || null);
    }
    if (how === "live") this.liveSeqs.add(m.seq);
    if (m.seq > this.lastSeq) this.lastSeq = m.seq;
  }

  onMessage(m) {
    if (!m || m.thread_id !== this.spec.thread) return;
    const now = performance.now();
    const sent = sentAt.get(m.client_id);
    if (sent === undefined) {
      counts.other_run += 1;
      return;
    }
    // Counted once per client and send; the bare server's seqs are per process, so only
    // kollega's (one sequence per thread) make the view.
    const first = !this.liveIds.has(m.client_id);
    this.liveIds.add(m.client_id);
    if (!config.bare) this.take(m, "live");
    if (first) {
      counts.delivered += 1;
      latencies.push(now - sent);
      if (now > lastArrival) lastArrival = now;
    }
  }
}

const members = (config.sockets || []).map((s) => new Client(s, true));
const senders = (config.senders || []).map((s) => new Client(s, false));
const byThread = new Map();
for (const c of members) {
  if (!byThread.has(c.spec.thread)) byThread.set(c.spec.thread, []);
  byThread.get(c.spec.thread).push(c);
}
const threads = [...byThread.keys()];

// --- commands -------------------------------------------------------------------------------
function pct(values, q) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(s.length * q))] * 10) / 10;
}

function cpuMs(since) {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

async function connectAll() {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const all = [...members, ...senders];
  let next = 0;
  const worker = async () => {
    while (next < all.length) {
      const c = all[next++];
      await c.connect();
      if (c.joins) await c.whenJoined(120000);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, all.length) }, worker));
  phaseCpu.connect_ms = cpuMs(c0);
  return {
    event: "joined",
    sockets: members.filter((c) => c.joined).length,
    senders: senders.filter((c) => c.socket.connected).length,
    seconds: (performance.now() - t0) / 1000,
    connect_errors: counts.connect_errors,
  };
}

let sendNo = 0;
async function sendOne(client, thread) {
  const clientId = `lg-${RUN}-${sendNo++}`;
  const joinedThere = (byThread.get(thread) || []).filter((c) => c.joined).length;
  expectedBy.set(clientId, joinedThere);
  counts.expected += joinedThere;
  sentThread.set(clientId, thread);
  sentAt.set(clientId, performance.now());
  counts.sent += 1;
  try {
    const ack = await client.socket
      .timeout(30000)
      .emitWithAck(EV.send, { thread_id: thread, client_id: clientId, body: `Melding ${sendNo}` });
    if (ack && ack.ok) {
      counts.acked += 1;
      known(thread).add(ack.seq);
    } else {
      counts.send_failed += 1;
      out({ event: "error", what: "send refused", ack });
    }
  } catch (err) {
    counts.send_failed += 1;
  }
}

async function pageView(base, path) {
  const c = members[Math.floor(pageRandom() * members.length)];
  const url = base + path.replace("{thread}", String(c.spec.thread));
  const t0 = performance.now();
  try {
    const r = await fetch(url, {
      headers: {
        Authorization: `Bearer ${c.spec.token}`,
        "X-Kollega-Client": c.spec.name || "page",
      },
      signal: AbortSignal.timeout(30000),
    });
    await r.text();
    if (r.status !== 200) counts.page_errors += 1;
    else pageLatencies.push(performance.now() - t0);
  } catch {
    counts.page_errors += 1;
  }
  counts.pages += 1;
}

async function sendPhase({ rate, seconds, via = "members", page_rate = 0 }) {
  const c0 = process.cpuUsage();
  const total = Math.max(0, Math.round(rate * seconds));
  const pages = config.pages && page_rate > 0 ? Math.round(page_rate * seconds) : 0;
  const t0 = performance.now();
  if (!firstSend) firstSend = t0;
  const pending = [];
  const pagePending = [];
  let inFlightPages = 0;
  const pageLoop = (async () => {
    for (let n = 0; n < pages; n++) {
      const wait = t0 + (n * 1000) / page_rate - performance.now();
      if (wait > 0) await sleep(wait);
      if (inFlightPages >= 50) continue; // bounded: a page skipped is counted as an error
      inFlightPages += 1;
      pagePending.push(
        pageView(config.pages.base, config.pages.path).finally(() => (inFlightPages -= 1)),
      );
    }
  })();
  for (let n = 0; n < total; n++) {
    const wait = t0 + (n * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    let client;
    let thread;
    if (via === "senders") {
      client = senders[n % senders.length];
      thread = threads[Math.floor(random() * threads.length)];
    } else {
      // A random connected member: busier threads (more people) send more.
      const live = members.filter((c) => c.joined);
      if (!live.length) {
        counts.send_failed += 1;
        continue;
      }
      client = live[Math.floor(random() * live.length)];
      thread = client.spec.thread;
    }
    pending.push(sendOne(client, thread));
  }
  await pageLoop;
  await Promise.all(pending);
  await Promise.all(pagePending);
  phaseCpu[`send_${via}_ms`] = (phaseCpu[`send_${via}_ms`] || 0) + cpuMs(c0);
  return { event: "sent", sent: total, acked: counts.acked, failed: counts.send_failed };
}

async function settle({ timeout = 60, quiet = 5 }) {
  const end = performance.now() + timeout * 1000;
  let before = counts.delivered;
  let quietSince = performance.now();
  while (counts.delivered < counts.expected && performance.now() < end) {
    await sleep(100);
    if (counts.delivered !== before) {
      before = counts.delivered;
      quietSince = performance.now();
    } else if (performance.now() - quietSince > quiet * 1000) break;
  }
  return { event: "settled", delivered: counts.delivered, expected: counts.expected };
}

function missing(c) {
  if (config.bare) return 0; // it keeps nothing to catch up from
  const min = c.minSeq ?? 0;
  let n = 0;
  for (const seq of known(c.spec.thread)) if (seq >= min && !c.view.has(seq)) n += 1;
  return n;
}

async function catchup({ at, timeout = 120 }) {
  // `at`: epoch ms when the server accepted connections again (the driver's clock).
  const end = performance.now() + timeout * 1000;
  const offset = Date.now() - performance.now(); // performance.now() + offset = epoch ms
  const c0 = process.cpuUsage();
  for (;;) {
    const behind = members.filter((c) => !c.joined || missing(c) > 0);
    if (!behind.length) break;
    if (performance.now() > end) {
      return { event: "caught_up", all: false, behind: behind.length, seconds: null };
    }
    await sleep(50);
  }
  const lastJoin = Math.max(...members.map((c) => c.joinedAt));
  phaseCpu.catchup_ms = cpuMs(c0);
  return { event: "caught_up", all: true, behind: 0, seconds: (lastJoin + offset - at) / 1000 };
}

function report() {
  const lost = members.reduce((n, c) => n + missing(c), 0);
  // The same client_id at two seqs: a send stored twice.
  let twice = 0;
  for (const c of members) {
    const ids = new Set();
    for (const id of c.view.values()) {
      if (id === null) continue;
      if (ids.has(id)) twice += 1;
      ids.add(id);
    }
  }
  const last = lastArrival || performance.now();
  const elapsed = firstSend ? (last - firstSend) / 1000 : 0;
  const dropped = members.reduce((n, c) => n + (c.dropped > 0 ? 1 : 0), 0);
  const r = {
    event: "report",
    sockets: members.length,
    senders: senders.length,
    threads: threads.length,
    expected: counts.expected,
    delivered: counts.delivered,
    deliveries_per_s: elapsed > 0 ? counts.delivered / elapsed : null,
    p50_ms: pct(latencies, 0.5),
    p95_ms: pct(latencies, 0.95),
    p99_ms: pct(latencies, 0.99),
    max_ms: pct(latencies, 1),
    sent: counts.sent,
    acked: counts.acked,
    send_failed: counts.send_failed,
    dropped_sockets: dropped,
    disconnect_reasons: disconnectReasons,
    connect_errors: counts.connect_errors,
    reconnected: members.filter((c) => c.connects > 1).length,
    lost: config.bare ? null : lost,
    duplicated: config.bare ? null : counts.duplicated_live + twice,
    redelivered_by_join: counts.redelivered_by_join,
    other_run_messages: counts.other_run,
    pages: counts.pages,
    page_errors: counts.page_errors,
    page_p50_ms: pct(pageLatencies, 0.5),
    page_p95_ms: pct(pageLatencies, 0.95),
    own_cpu_s: cpuMs(cpuStart) / 1000,
    own_cpu_phases_ms: phaseCpu,
  };
  if (config.views) {
    r.views = members.map((c) => ({
      name: c.spec.name,
      thread: c.spec.thread,
      seqs: [...c.view.keys()].sort((a, b) => a - b),
      client_ids: [...c.view.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]),
    }));
  }
  return r;
}

function closeAll() {
  for (const c of [...members, ...senders]) c.socket.disconnect();
}

const rl = createInterface({ input: process.stdin });
const queue = [];
let busy = false;
async function pump() {
  if (busy) return;
  busy = true;
  while (queue.length) {
    const cmd = queue.shift();
    let answer;
    try {
      if (cmd.cmd === "connect") {
        answer = await connectAll();
        for (const c of members) c.minSeq = Math.min(...c.view.keys(), c.lastSeq + 1);
      } else if (cmd.cmd === "send") answer = await sendPhase(cmd);
      else if (cmd.cmd === "settle") answer = await settle(cmd);
      else if (cmd.cmd === "restart_window") {
        restartWindow = Boolean(cmd.open);
        answer = { event: "restart_window", open: restartWindow };
      } else if (cmd.cmd === "catchup") answer = await catchup(cmd);
      else if (cmd.cmd === "report") {
        out(report());
        closeAll();
        setTimeout(() => process.exit(0), 200);
        return;
      } else answer = { event: "error", what: `unknown command ${cmd.cmd}` };
    } catch (err) {
      answer = { event: "error", what: String(err && err.stack ? err.stack : err) };
    }
    out(answer);
  }
  busy = false;
}
rl.on("line", (line) => {
  if (!line.trim()) return;
  queue.push(JSON.parse(line));
  pump();
});
rl.on("close", () => {
  // The driver is gone: close everything and stop (bounded, never left running).
  setTimeout(() => {
    closeAll();
    process.exit(0);
  }, 100);
});
