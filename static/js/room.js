/* The participant's room: the phase and what to do now, live items of the viewed group, dots to vote,
   the recommendations at the end, and posting that never loses a word. */
(function () {
  "use strict";
  var T = window.Tashawur;
  var el = T.el;
  var data = T.pageData();
  var L = data.labels;
  var model = T.model(data.snapshot);
  var me = data.snapshot.me;
  var list = document.getElementById("items");
  var form = document.getElementById("post-form");
  var toast = document.getElementById("toast");
  var timer = T.countdown(document.getElementById("timer"));
  var box = T.outbox("tashawur.outbox." + data.code);
  var draftKey = "tashawur.draft." + data.code;
  var stateKey = "";
  var sent = new Set();  // items this phone posted and the server acknowledged since the page loaded

  T.clock.observe(data.snapshot.server_time);

  var toastTimer = null;
  function say(message, isError) {
    toast.textContent = message || "";
    toast.hidden = !message;
    toast.className = "toast" + (isError ? " toast-error" : "");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.hidden = true; }, 5000);
  }
  function fail(error) { say(error.message || L.offline, true); }

  function rapporteur() {
    var group = model.group(me.group_id);
    return !!group && group.rapporteur_id === me.id && model.workshop.status === "open";
  }

  function button(text, onclick, attrs) {
    return el("button.button.small", Object.assign({ type: "button", text: text, onclick: onclick }, attrs || {}));
  }

  // What a participant can do on an item: dots while voting; correcting, pinning, hiding as rapporteur.
  function controls(card, item) {
    if (item.waiting) return;
    if (model.allows("vote")) {
      var mine = me.votes[String(item.id)] || 0;
      card.appendChild(el("div.dots", {}, [
        el("span.my-dots", { "aria-label": L.my_dots + ": " + mine }, [
          el("span.my-dots-marks", { "aria-hidden": "true", text: mine ? "●".repeat(mine) : "○" }),
          " " + L.my_dots + ": " + mine
        ]),
        mine ? el("button.button.dot-button.unvote", {
          type: "button", text: "− " + L.unvote, onclick: function () { vote("unvote", item.id); }
        }) : null,
        el("button.button.button-primary.dot-button.vote", {
          type: "button", text: "+ " + L.vote, disabled: me.votes_remaining <= 0,
          onclick: function () { vote("vote", item.id); }
        })
      ]));
    }
    if (rapporteur() && item.group_id === me.group_id) {
      card.appendChild(el("div.item-actions", {}, [
        button(item.pinned ? L.unpin : L.pin, function () {
          live.call("pin_item", { item_id: item.id, pinned: !item.pinned });
        }),
        button(L.edit, function () {
          T.ask(L, L.ask_edit, { input: true, multiline: true, value: item.text }, function (text) {
            live.call("edit_item", { item_id: item.id, text: text });
          });
        }),
        button(L.hide, function () {
          T.ask(L, L.ask_hide, { input: true }, function (reason) {
            live.call("hide_item", { item_id: item.id, reason: reason || null });
          });
        }, { "class": "button small button-danger" })
      ]));
    }
  }

  function delivery(item) {
    return item.waiting ? "waiting" : sent.has(item.id) ? "sent" : null;
  }
  var card = T.cards(function (node, item) {
    T.fillItem(node, item, {
      labels: L, me: me.id, model: model, extra: controls, delivery: delivery(item)
    });
  }, function (item) { return stateKey + "|" + delivery(item); });

  // The server's broadcast of my post can overtake its ack: from then on the item stands for the outbox entry.
  var claimed = new Map();  // client_id -> item id
  function claim(item) {
    if (!item || item.author_id !== me.id || Array.from(claimed.values()).indexOf(item.id) >= 0) return;
    var entry = box.all().filter(function (e) {
      return !claimed.has(e.client_id) && e.kind === item.kind && e.group_id === item.group_id && e.text.trim().normalize("NFC") === item.text;
    })[0];
    if (entry) { claimed.set(entry.client_id, item.id); sent.add(item.id); }
  }

  // Posts still in the outbox, drawn as cards of their own until the server has them.
  function waiting() {
    return box.all().filter(function (e) { return e.group_id === data.viewed && !claimed.has(e.client_id); }).map(function (e) {
      return {
        id: "out-" + e.client_id, waiting: true, kind: e.kind, text: e.text, parent_id: e.parent_id,
        group_id: e.group_id, author_id: me.id, pinned: false, votes: null
      };
    });
  }

  function vote(action, itemId) {
    live.call(action, { client_id: T.newClientId(), item_id: itemId }, function (ack) {
      me.votes[String(ack.item_id)] = ack.mine;
      me.votes_remaining = ack.remaining;
      draw();
    });
  }

  function drawPhase() {
    var w = model.workshop;
    var phase = w.status === "closed" ? "closed" : w.phase;
    document.getElementById("phase-banner").dataset.phase = phase;
    document.getElementById("phase-name").textContent = L["phase_" + phase] || phase;
    var together = (phase === "problems" || phase === "solutions") && model.allows("problem") && model.allows("solution");
    document.getElementById("phase-hint").textContent = L["hint_" + (together ? "together" : phase)] || "";
    document.getElementById("dots-left").hidden = !model.allows("vote");
    document.getElementById("dots-remaining").textContent = me.votes_remaining;
    document.getElementById("dots-budget").textContent = w.settings.votes_per_participant;
    document.getElementById("rapporteur-note").hidden = !rapporteur();
    timer.set(w.timer);
  }

  function drawRecommendations() {
    var section = document.getElementById("recs");
    var phase = model.workshop.phase;
    section.hidden = phase !== "synthesis" && phase !== "closed";
    var parts = [];
    model.themes().forEach(function (theme) {
      var recs = model.recommendationsOf(theme.id);
      if (!recs.length) return;
      parts.push(T.userText("h3", theme.name));
      parts[parts.length - 1].style.setProperty("--theme", theme.color);
      parts.push(el("ol.recs-list", {}, recs.map(function (r) {
        // The number inside the title's own direction: "1." stays beside an Arabic title on a French phone.
        return el("li.rec", { value: r.number, "data-id": r.id }, [
          el("p.rec-title", { dir: "auto" }, [el("span.rec-number", { text: r.number + "." }), " " + r.title]),
          r.body ? T.userText("p.rec-body", r.body) : null
        ]);
      })));
    });
    if (!parts.length) parts.push(el("p.muted", { text: L.no_recommendations }));
    document.getElementById("recs-list").replaceChildren.apply(document.getElementById("recs-list"), parts);
  }

  function drawForm() {
    if (!form) return;
    var kinds = form.querySelectorAll("input[name=kind]");
    var allowed = [];
    kinds.forEach(function (input) {
      var ok = model.allows(input.value);
      input.closest(".kind-option").hidden = !ok;
      if (ok) allowed.push(input);
    });
    form.hidden = !allowed.length;
    if (allowed.length && allowed.every(function (input) { return !input.checked; })) allowed[0].checked = true;
    // The problems a solution may answer: this group's, as they are now.
    var select = form.elements.parent_id;
    var problems = model.visible(me.group_id).filter(function (item) { return item.kind === "problem"; });
    var key = JSON.stringify(problems.map(function (p) { return [p.id, p.text]; }));
    if (select.dataset.key !== key) {  // rebuilt only when it changed: an open list must stay open
      var chosen = select.value;
      select.replaceChildren.apply(select, [select.options[0]].concat(problems.map(function (p) {
        return el("option", { value: p.id, text: p.text.slice(0, 80) });
      })));
      select.value = chosen;
      if (select.value !== chosen) select.value = "";
      select.dataset.key = key;
    }
    refresh();
  }

  function drawItems() {
    if (!list) return;
    stateKey = [model.workshop.phase, model.allows("vote"), me.votes_remaining, JSON.stringify(me.votes), rapporteur(), model.votesHidden(),
      model.recommendations.map(function (r) { return r.id + ":" + r.number; }).join()].join("|");
    var items = model.visible(data.viewed).concat(waiting());
    T.renderThreads(list, items, card);
    list.querySelector(".empty").hidden = items.length > 0;
  }

  // A rapporteur writes the recommendations of the group's axis from the phone too.
  var recsBox = document.getElementById("rapporteur-recs");
  var recs = null;
  function drawRapporteurRecs() {
    if (!recsBox) return;
    recsBox.hidden = !rapporteur();
    if (recsBox.hidden) return;
    recs = recs || T.recommendationEditor({ panel: recsBox, model: model, live: live, labels: L });
    recs.draw(model.group(me.group_id).theme.id);
  }

  /* The title and the group tabs, as the last workshop.updated says. */
  var title = document.querySelector(".room-head h1");
  function drawHead() {
    var w = model.workshop;
    if (title.textContent !== w.title) {
      document.title = document.title.replace(title.textContent, w.title);
      title.textContent = w.title;
    }
    var tabs = document.querySelector(".tabs");
    var heading = document.querySelector("#items .list-title bdi");
    var viewed = model.group(data.viewed);
    if (heading && viewed) heading.textContent = viewed.name;
    var nodes = roomOrder(w.groups).map(function (g) {
      var node = tabs && tabs.querySelector('.tab[data-group="' + g.id + '"]');
      if (!node && tabs) {  // a new group: a tab like the others
        node = tabs.querySelector(".tab").cloneNode(true);
        node.classList.remove("active");
        node.removeAttribute("aria-current");
        var mine = node.querySelector(".tab-mine");
        if (mine) mine.remove();
        node.dataset.group = g.id;
        node.href = location.pathname + "?group=" + g.id;
      }
      if (!node) return null;
      node.style.setProperty("--theme", g.theme.color);
      node.querySelector("bdi").textContent = g.name;
      return node;
    });
    if (tabs) T.reconcile(tabs, nodes);
    // Choosing an axis is a plain form per axis: a changed list of axes is drawn by the server.
    var picker = document.querySelector(".group-picker");
    if (picker) {
      var themes = model.themes();
      var buttons = picker.querySelectorAll("input[name=theme_id]");
      var same = buttons.length === themes.length && themes.every(function (t, i) { return Number(buttons[i].value) === t.id; });
      if (!same) { location.reload(); return; }
      themes.forEach(function (t, i) { buttons[i].form.querySelector("button").textContent = t.name; });
    }
  }

  // My table first, then the other tables of my axis, then the other axes (as the server drew them).
  function roomOrder(groups) {
    var mine = model.group(me.group_id);
    function rank(g) { return !mine ? 0 : g.id === mine.id ? 0 : g.theme.id === mine.theme.id ? 1 : 2; }
    return groups.slice().sort(function (a, b) { return (rank(a) - rank(b)) || (a.position - b.position); });
  }

  function draw() {
    drawHead();
    drawPhase();
    drawRecommendations();
    drawForm();
    drawItems();
    drawRapporteurRecs();
  }

  // The author of a hidden item is told, kindly and with the reason, instead of seeing the card just vanish.
  function tellHidden(item, reason) {
    var notice = el("div.notice-hidden", { "data-item": item.id }, [
      el("p", {}, T.words(L.hidden_mine, { text: T.userText("span.quote", item.text) })),
      el("p", {}, reason ? T.words(L.hidden_reason, { reason: T.userText("span.quote", reason) }) : [L.hidden_no_reason]),
      el("button.button.small", { type: "button", text: L.ok, onclick: function () { notice.remove(); } })
    ]);
    document.getElementById("notices").appendChild(notice);
  }

  function onEvent(ev) {
    var d = ev.data || {};
    if (ev.type === "item.hidden") {
      var before = model.items.get(d.item_id);
      if (before && before.status !== "hidden" && before.author_id === me.id) tellHidden(before, d.reason);
    }
    if (ev.type === "workshop.closed" || ev.type === "workshop.opened") {
      location.reload();
      return;
    }
    if (ev.type === "workshop.updated" && me.group_id && !d.groups.some(function (g) { return g.id === me.group_id; })) {
      location.reload();  // my group is gone: the server says where I am now
      return;
    }
    if (ev.type === "participant.group_chosen" && d.participant_id === me.id && d.group_id !== me.group_id) {
      location.reload();  // the facilitator seated me at another table: the server draws it
      return;
    }
    if (ev.type === "item.created") claim(d.item);
    model.apply(ev);
    // Dots move with merged items and back when unmerged, and the budget may change: the server says where mine are.
    if (ev.type === "items.merged" || ev.type === "items.unmerged" || ev.type === "workshop.updated") myDots();
    if (!ev.replayed && d.timer) T.clock.observe(d.timer.server_time);
    draw();
    if (ev.type === "item.created" && !ev.replayed && d.item.group_id === data.viewed) {
      var node = card.element(d.item.id);
      if (node) node.classList.add("fresh");
    }
  }

  function myDots() {
    live.call("my_votes", {}, function (ack) {
      me.votes = ack.votes;
      me.votes_remaining = ack.remaining;
      draw();
    }, function () { /* offline: asked again on the next connect */ });
  }

  var live = T.connect({
    seq: data.snapshot.seq,
    auth: { workshop: data.code, role: "participant", lang: data.lang },
    onEvent: onEvent,
    onStatus: T.statusLight(document.getElementById("conn")),
    onConnect: function () { myDots(); keepOffline(); },  // a page from the offline cache may show old dots
    onError: fail,
    offlineMessage: L.offline,
    ackTimeout: data.ack_timeout,
    outbox: { store: box, event: "post", onAck: delivered }
  });

  var text = form && form.elements.text;
  var error = document.getElementById("post-error");
  var counter = document.getElementById("count");
  var parentField = form && form.querySelector(".parent-field");

  function message(msg, isError) {
    error.hidden = !msg;
    error.textContent = msg || "";
    error.className = isError ? "field-error" : "hint";
  }
  function refresh() {
    if (!form) return;
    counter.textContent = text.value.length;
    parentField.hidden = form.elements.kind.value !== "solution";
    try { localStorage.setItem(draftKey, text.value); } catch (e) { /* ignore */ }
  }

  // The server has the post (or refused it): the waiting card gives way to the item, marked sent.
  function delivered(entry, ack) {
    claimed.delete(entry.client_id);
    if (ack.ok) {
      if (ack.item.status !== "pending") sent.add(ack.item.id);
      model.apply({ type: "item.created", data: { item: ack.item } });
      draw();
      if (form) message(ack.item.status === "pending" ? L.awaiting : L.sent, false);
      return;
    }
    draw();
    if (form) {
      if (!text.value) text.value = entry.text;  // give the words back so they can be fixed
      refresh();
      message(ack.error.message, true);
    } else {
      say(ack.error.message, true);
    }
  }

  // The room and its files are kept by a service worker (static/js/sw.js), so a reload in a dead hall opens it.
  // Browsers allow one on https and on this machine only, not on a plain-http address in the hall. It is registered
  // once the room is live (or 10 s after the load): its install fetches about 12 KB that would slow the socket's start.
  var keptOffline = false;
  function keepOffline() {
    if (keptOffline || !("serviceWorker" in navigator) || !data.sw) return;
    keptOffline = true;
    navigator.serviceWorker.register(data.sw, { scope: new URL("w/", new URL(data.sw, location.href)).pathname })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        // This page and its files, unless the worker already caught them on the way in (the first load, or a file
        // the browser's memory cache served, never passed through it); the worker's routes decide what is kept.
        var urls = [location.href].concat(performance.getEntriesByType("resource").filter(function (e) {
          return e.name.indexOf(location.origin + "/") === 0 && ["script", "link", "css"].indexOf(e.initiatorType) >= 0;
        }).map(function (e) { return e.name; }));
        return Promise.all(urls.map(function (url) { return caches.match(url); })).then(function (hits) {
          var missing = urls.filter(function (_url, i) { return !hits[i]; });
          if (missing.length && registration.active) {
            registration.active.postMessage({ type: "CACHE_URLS", payload: { urlsToCache: missing } });
          }
        });
      })
      .catch(function () { /* no worker: the room still works online */ });
  }
  window.addEventListener("load", function () { setTimeout(keepOffline, 10000); });

  if (form) text.value = text.value || localStorage.getItem(draftKey) || "";
  draw();
  if (!form) return;
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var parent = form.elements.parent_id.value;
    var entry = {
      client_id: T.newClientId(),
      group_id: data.group,
      kind: form.elements.kind.value,
      text: text.value,
      parent_id: form.elements.kind.value === "solution" && parent ? Number(parent) : null
    };
    text.value = "";
    refresh();
    message(live.socket.connected ? "" : L.queued, false);
    live.post(entry);
    draw();
  });
})();
