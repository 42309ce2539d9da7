/* Tashawur live core: keeps this screen's copy of the workshop's event stream whole (gap-free by seq),
   a model of the workshop built from the page's snapshot and those events, and the countdown.
   Drawing helpers are in draw.js. */
(function () {
  "use strict";

  function pageData() {
    return JSON.parse(document.getElementById("page-data").textContent);
  }

  // crypto.randomUUID needs a secure context; venue Wi-Fi often serves plain http.
  function newClientId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  /* opts.outbox = {store: outbox(...), event: "post", onAck(entry, ack)}: the writes in the store go out on every
     connect and again, with the same client_id, after each ack timeout (the server stores one per client_id). */
  function connect(opts) {
    var seq = opts.seq || 0;
    var pending = new Map();
    var syncing = false;
    var ackTimeout = (opts.ackTimeout || 15) * 1000;
    var late = new Set();  // writes unanswered past the ack timeout: while any is, the status never says live
    var attempts = {};
    // WebSocket first (one round trip instead of a polling handshake then an upgrade, 400 ms each on 3G); a proxy
    // that refuses the upgrade makes the client try long-polling next.
    var socket = io("/live", { auth: opts.auth, transports: ["websocket", "polling"], tryAllTransports: true });

    function status() {
      if (opts.onStatus) opts.onStatus(!socket.connected ? "offline" : late.size ? "stalled" : "online");
    }
    // An answer proves the link carries: calls that went unanswered before it no longer hold the status down.
    function answered() {
      late.forEach(function (key) { if (key.slice(0, 5) === "call:") late.delete(key); });
    }

    function deliver(ev) {
      seq = ev.seq;
      try { opts.onEvent(ev); } catch (e) { console.error(e); }
    }
    function drain() {
      while (pending.has(seq + 1)) {
        var ev = pending.get(seq + 1);
        pending.delete(seq + 1);
        deliver(ev);
      }
      pending.forEach(function (_v, k) { if (k <= seq) pending.delete(k); });
    }
    function apply(ev) {
      if (!ev || typeof ev.seq !== "number" || ev.seq <= seq) return;
      if (ev.seq > seq + 1) {
        pending.set(ev.seq, ev);
        sync();  // a gap always means a missed (or overtaken) event
        return;
      }
      deliver(ev);
      drain();
    }
    function sync() {
      if (syncing || !socket.connected) return;
      syncing = true;
      socket.timeout(15000).emit("sync", { since: seq }, function (err, ack) {
        syncing = false;
        if (err || !ack || !ack.ok) return;
        // Replayed events are old news: their server_time says nothing about the clock now.
        ack.events.forEach(function (ev) { ev.replayed = true; apply(ev); });
        if (ack.more) sync();
      });
    }

    socket.on("connect", function () {
      answered();
      status();
      sync();
      flush();
      if (opts.onConnect) opts.onConnect(socket);
    });
    socket.on("disconnect", status);
    socket.on("connect_error", function (err) {
      status();
      if (err && err.data && opts.onRefused) opts.onRefused(err.data);
    });
    socket.on("event", apply);
    // Participant counts come to the staff's screens unnumbered, folded to at most two a second: the latest wins.
    socket.on("counts", function (d) { if (opts.onCounts && d && d.counts) opts.onCounts(d.counts); });

    function flush() {
      if (opts.outbox) opts.outbox.store.all().forEach(send);
    }
    function send(entry) {
      var box = opts.outbox;
      var id = entry.client_id;
      if (!socket.connected || !box.store.has(id)) return;
      var attempt = attempts[id] = (attempts[id] || 0) + 1;
      socket.timeout(ackTimeout).emit(box.event, entry, function (err, ack) {
        if (err) {
          if (attempts[id] !== attempt || !box.store.has(id)) return;  // a newer attempt, or already answered
          late.add("out:" + id);
          status();
          send(entry);  // the link looks open but said nothing: the same client_id again
          return;
        }
        answered();
        late.delete("out:" + id);
        status();
        if (!box.store.has(id)) return;  // an earlier attempt's answer came first
        box.store.remove(id);
        delete attempts[id];
        box.onAck(entry, ack);
      });
    }

    // Emit and call back with the ack's data, or report its error (or the missing connection) through onError.
    function call(name, payload, onOk, onError) {
      var fail = onError || opts.onError || function () {};
      if (!socket.connected) { fail({ code: "offline", message: opts.offlineMessage || "" }); return; }
      var key = "call:" + Math.random();
      socket.timeout(ackTimeout).emit(name, payload || {}, function (err, ack) {
        if (err) { late.add(key); status(); fail({ code: "timeout", message: opts.offlineMessage || "" }); return; }
        answered();
        status();
        if (!ack || !ack.ok) { fail((ack && ack.error) || { code: "invalid", message: "" }); return; }
        if (onOk) onOk(ack);
      });
    }
    // Put a write in the outbox and send it: it stays there (and on screen as waiting) until the server answers.
    function post(entry) {
      opts.outbox.store.add(entry);
      send(entry);
    }
    return { socket: socket, seq: function () { return seq; }, call: call, post: post };
  }

  // Writes waiting for the server's ack survive a reload or a dead battery: they live in localStorage.
  function outbox(key) {
    function load() {
      try { return JSON.parse(localStorage.getItem(key)) || []; } catch (e) { return []; }
    }
    function save(list) {
      try { localStorage.setItem(key, JSON.stringify(list)); } catch (e) { /* private mode: memory only */ }
    }
    return {
      all: load,
      has: function (clientId) { return load().some(function (e) { return e.client_id === clientId; }); },
      add: function (entry) { var l = load(); l.push(entry); save(l); },
      remove: function (clientId) { save(load().filter(function (e) { return e.client_id !== clientId; })); }
    };
  }

  /* The workshop as this screen knows it: the page's snapshot, then every event applied in order.
     Items keep their status (visible, hidden, merged): screens draw the visible ones. */
  function model(snap) {
    // A broadcast names each axis in every language (theme.names): this screen shows its own.
    var lang = document.documentElement.lang;
    function localize(group) {
      if (group && group.names && group.names[lang]) group.name = group.names[lang];  // a table: "axis · Table 2"
      var own = group && group.theme && group.theme.names && group.theme.names[lang];
      if (!own) return group;
      if (group.name === group.theme.name) group.name = own;  // a group named after its axis
      group.theme.name = own;
      return group;
    }
    ((snap.workshop || {}).groups || []).forEach(localize);
    var m = {
      workshop: snap.workshop,
      items: new Map(),
      recommendations: snap.recommendations || [],
      counts: snap.counts || { participants: 0, by_group: {} },
      votesCast: snap.votes_cast || 0,
      me: snap.me || null
    };
    function put(item) {
      if (!item) return;
      var old = m.items.get(item.id);
      if (old && old.hidden_reason && item.status === "hidden") item.hidden_reason = old.hidden_reason;
      m.items.set(item.id, item);
    }
    (snap.items || []).forEach(put);

    m.votesHidden = function () {
      return !!(m.workshop.settings && m.workshop.settings.hide_votes) && m.workshop.phase === "prioritization";
    };
    m.allows = function (action) { return (m.workshop.allowed || []).indexOf(action) >= 0; };
    m.group = function (id) {
      return m.workshop.groups.filter(function (g) { return g.id === id; })[0] || null;
    };
    // The axes in order, each once (a large room may have several groups per axis).
    m.themes = function () {
      var seen = new Map();
      m.workshop.groups.forEach(function (g) { if (!seen.has(g.theme.id)) seen.set(g.theme.id, g.theme); });
      return Array.from(seen.values());
    };
    // Pinned first, then in the order they were posted.
    m.visible = function (groupId) {
      var list = [];
      m.items.forEach(function (i) {
        if (i.status === "visible" && (groupId == null || i.group_id === groupId)) list.push(i);
      });
      return list.sort(function (a, b) { return (b.pinned - a.pinned) || (a.id - b.id); });
    };
    m.withStatus = function (status, groupId) {
      var list = [];
      m.items.forEach(function (i) { if (i.status === status && (groupId == null || i.group_id === groupId)) list.push(i); });
      return list.sort(function (a, b) { return a.id - b.id; });
    };
    m.themeItems = function (themeId) {
      var groups = m.workshop.groups.filter(function (g) { return g.theme.id === themeId; }).map(function (g) { return g.id; });
      return m.visible().filter(function (i) { return groups.indexOf(i.group_id) >= 0; });
    };
    m.recommendationsOf = function (themeId) {
      return m.recommendations.filter(function (r) { return r.theme_id === themeId; });
    };
    m.recommendation = function (id) {
      return m.recommendations.filter(function (r) { return r.id === id; })[0] || null;
    };

    m.apply = function (ev) {
      var d = ev.data || {};
      switch (ev.type) {
        case "item.created": case "item.updated": case "item.restored":
          put(d.item); break;
        case "item.hidden":
          var hidden = m.items.get(d.item_id);
          if (hidden) { hidden.status = "hidden"; hidden.hidden_reason = d.reason; hidden.pinned = false; }
          break;
        case "item.moved":
          (d.items || []).forEach(put); break;
        case "items.merged":
          (d.merged_ids || []).forEach(function (id) {
            var merged = m.items.get(id);
            if (merged) { merged.status = "merged"; merged.merged_into_id = d.keep.id; merged.pinned = false; }
          });
          put(d.keep); (d.items || []).forEach(put); break;
        case "items.unmerged":
          put(d.item); put(d.keep); (d.items || []).forEach(put); break;
        case "vote.changed":
          m.votesCast = d.votes_cast;
          if (d.item_id != null && m.items.has(d.item_id)) m.items.get(d.item_id).votes = d.votes;
          break;
        case "phase.changed":
          m.workshop.phase = d.phase;
          m.workshop.allowed = d.allowed;
          m.workshop.timer = d.timer;
          if (d.votes) m.items.forEach(function (i) { i.votes = d.votes[String(i.id)] || 0; });
          break;
        case "timer.changed":
          m.workshop.timer = d.timer; break;
        case "group.updated":
          m.workshop.groups = m.workshop.groups.map(function (g) { return g.id === d.group.id ? localize(d.group) : g; });
          break;
        case "recommendation.changed":
          m.recommendations = d.recommendations || [];
          (d.items || []).forEach(put); break;
        case "workshop.updated":
          (d.groups || []).forEach(localize);
          m.workshop = d; break;
        case "workshop.opened": case "workshop.closed":
          m.workshop.status = d.status;
          m.workshop.phase = d.phase;
          if (d.status === "closed") {
            m.workshop.allowed = [];
            m.workshop.timer = { state: "idle", ends_at: null, remaining: null, duration: null };
          }
          break;
        case "participant.group_chosen":  // a facilitator's move; joins and own choices come as counts
          if (d.counts) m.counts = d.counts;
          break;
      }
    };
    return m;
  }

  /* The server's clock, as offset from this device's: a countdown reads the same on every screen. */
  var clock = {
    offset: 0,
    observe: function (serverTime) {
      var t = parseTime(serverTime);
      if (!isNaN(t)) clock.offset = t - Date.now();
    },
    now: function () { return Date.now() + clock.offset; }
  };
  function parseTime(iso) {
    return iso ? Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1")) : NaN;
  }
  function formatSeconds(s) {
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(sec).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }

  /* A countdown drawn into el (its .countdown-time child): hidden when idle, "done" at zero. */
  function countdown(el) {
    var timer = null, tick = null;
    var time = el.querySelector(".countdown-time") || el;
    function remaining() {
      if (!timer || timer.state === "idle") return null;
      if (timer.state === "paused") return timer.remaining || 0;
      return Math.max(0, Math.ceil((parseTime(timer.ends_at) - clock.now()) / 1000));
    }
    function draw() {
      var r = remaining();
      el.hidden = r === null;
      el.dataset.state = timer ? timer.state : "idle";
      el.classList.toggle("done", r === 0);
      if (r !== null) time.textContent = formatSeconds(r);
      if (r === 0 && tick) { clearInterval(tick); tick = null; }
    }
    return {
      set: function (t) {
        timer = t;
        if (tick) clearInterval(tick);
        tick = t && t.state === "running" ? setInterval(draw, 250) : null;
        draw();
      },
      state: function () { return timer ? timer.state : "idle"; }
    };
  }

  /* The connection's state in words: online (live), stalled (open but writes unanswered) or offline. */
  function statusLight(node) {
    return function (state) {
      if (!node) return;
      node.hidden = false;
      node.textContent = node.dataset[state] || node.dataset.offline;
      node.className = "conn " + state;
    };
  }

  // A plural message from the server's forms ({zero, one, two, few, many, other}) for n, in the page's language.
  function plural(forms, n) {
    var rules = new Intl.PluralRules(document.documentElement.lang);
    return (forms[rules.select(n)] || forms.other).replace("{n}", n);
  }

  window.Tashawur = {
    pageData: pageData, newClientId: newClientId, connect: connect, outbox: outbox, model: model,
    clock: clock, countdown: countdown, statusLight: statusLight, plural: plural
  };
})();
