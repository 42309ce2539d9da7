/* Tashawur live core: keeps this screen's copy of the workshop's event stream whole (gap-free by seq). */
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

  function connect(opts) {
    var seq = opts.seq || 0;
    var pending = new Map();
    var syncing = false;
    var socket = io("/live", { auth: opts.auth });

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
        ack.events.forEach(apply);
        if (ack.more) sync();
      });
    }

    socket.on("connect", function () {
      if (opts.onStatus) opts.onStatus(true);
      sync();
      if (opts.onConnect) opts.onConnect(socket);
    });
    socket.on("disconnect", function () { if (opts.onStatus) opts.onStatus(false); });
    socket.on("connect_error", function (err) {
      if (opts.onStatus) opts.onStatus(false);
      if (err && err.data && opts.onRefused) opts.onRefused(err.data);
    });
    socket.on("event", apply);
    return { socket: socket, seq: function () { return seq; } };
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
      add: function (entry) { var l = load(); l.push(entry); save(l); },
      remove: function (clientId) { save(load().filter(function (e) { return e.client_id !== clientId; })); }
    };
  }

  function itemElement(item, me, labels) {
    var el = document.createElement("article");
    el.className = "item item-" + item.kind + (me && item.author_id === me ? " mine" : "");
    el.dataset.id = item.id;
    var p = document.createElement("p");
    p.className = "item-text";
    p.dir = "auto";
    var bdi = document.createElement("bdi");
    bdi.textContent = item.text;
    p.appendChild(bdi);
    el.appendChild(p);
    var meta = document.createElement("p");
    meta.className = "item-meta";
    if (me && item.author_id === me) {
      var badge = document.createElement("span");
      badge.className = "badge-mine";
      badge.textContent = labels.you;
      meta.appendChild(badge);
    }
    if (item.author_name) {
      var author = document.createElement("bdi");
      author.className = "author";
      author.textContent = item.author_name;
      meta.appendChild(author);
    }
    el.appendChild(meta);
    return el;
  }

  // Put an item in a list of threads (problems with nested solutions); returns the new element or null.
  function placeItem(container, item, me, labels) {
    if (container.querySelector('.item[data-id="' + item.id + '"]')) return null;
    var el = itemElement(item, me, labels);
    if (item.kind === "problem") {
      var thread = document.createElement("div");
      thread.className = "thread";
      thread.dataset.problem = item.id;
      var solutions = document.createElement("div");
      solutions.className = "solutions";
      thread.appendChild(el);
      thread.appendChild(solutions);
      container.querySelector(".problems, #problems").appendChild(thread);
    } else {
      var parent = item.parent_id && container.querySelector('.thread[data-problem="' + item.parent_id + '"] .solutions');
      (parent || container.querySelector(".loose")).appendChild(el);
    }
    el.classList.add("fresh");
    return el;
  }

  function statusLight(el) {
    return function (online) {
      if (!el) return;
      el.hidden = false;
      el.textContent = online ? el.dataset.online : el.dataset.offline;
      el.className = "conn " + (online ? "online" : "offline");
    };
  }

  window.Tashawur = {
    pageData: pageData, newClientId: newClientId, connect: connect, outbox: outbox,
    itemElement: itemElement, placeItem: placeItem, statusLight: statusLight
  };
})();
