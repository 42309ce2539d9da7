/* The facilitator's control panel: phases and timer, then per group the live items with moderation
   (hide, restore, correct, pin, move, merge, unmerge, not retained), the rapporteur, scribe mode, and the
   axis's recommendations. Every change goes through the socket; what comes back is drawn from the events. */
(function () {
  "use strict";
  var T = window.Tashawur;
  var el = T.el;
  var data = T.pageData();
  var L = data.labels;
  var model = T.model(data.snapshot);
  var participants = new Map(data.participants.map(function (p) { return [p.id, p]; }));
  var timer = T.countdown(document.getElementById("timer"));
  var errorBox = document.getElementById("control-error");
  var selection = new Set();
  var stateKey = "";
  var params = new URLSearchParams(location.search);
  var activeGroup = Number(params.get("group")) || null;

  T.clock.observe(data.snapshot.server_time);

  var errorTimer = null;
  function fail(error) {
    errorBox.textContent = error.message || L.offline;
    errorBox.hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(function () { errorBox.hidden = true; }, 10000);
  }
  errorBox.addEventListener("click", function () { errorBox.hidden = true; });

  var live = T.connect({
    seq: data.snapshot.seq,
    auth: { workshop: data.code, lang: data.lang },
    onEvent: onEvent,
    onCounts: function (counts) { model.counts = counts; reloadParticipants(); draw(); },
    onStatus: T.statusLight(document.getElementById("conn")),
    onError: fail,
    offlineMessage: L.offline
  });
  function call(name, payload, onOk) {
    errorBox.hidden = true;
    live.call(name, payload, onOk);
  }

  function group() { return model.group(activeGroup) || model.workshop.groups[0]; }
  function itemText(id) {
    var item = model.items.get(id);
    return item ? item.text : "#" + id;
  }
  function button(text, onclick, extraClass) {
    return el("button.button.small" + (extraClass ? "." + extraClass : ""), { type: "button", text: text, onclick: onclick });
  }

  /* Phase and timer */

  document.querySelectorAll(".phase-button").forEach(function (b) {
    b.addEventListener("click", function () {
      var phase = b.dataset.phase;
      if (phase === "closed") T.ask(L, L.confirm_close, {}, function () { call("set_phase", { phase: phase }); });
      else call("set_phase", { phase: phase });
    });
  });
  document.querySelectorAll("[data-timer]").forEach(function (b) {
    b.addEventListener("click", function () {
      var action = b.dataset.timer;
      var payload = { action: action };
      if (action === "start") payload.seconds = Math.round(Number(document.getElementById("timer-minutes").value || 0) * 60);
      if (action === "add") payload.seconds = 60;
      call("timer", payload);
    });
  });

  function drawDrive() {
    var w = model.workshop;
    document.querySelectorAll(".phase-button").forEach(function (b) {
      var current = b.dataset.phase === w.phase;
      b.setAttribute("aria-pressed", current ? "true" : "false");
      b.classList.toggle("button-primary", current);
    });
    timer.set(w.timer);
    var state = w.timer ? w.timer.state : "idle";
    document.querySelector('[data-timer="pause"]').disabled = state !== "running";
    document.querySelector('[data-timer="resume"]').disabled = state !== "paused";
    document.querySelector('[data-timer="stop"]').disabled = state === "idle";
    document.getElementById("count-participants").textContent = model.counts.participants;
    document.getElementById("count-dots").textContent = model.votesCast;
  }

  /* Groups */

  function tableName(g) { return g.table ? L.table.replace("%(number)d", g.table) : g.name; }

  // Axis, then its tables: an axis of one table is one tab, as before tables existed.
  function drawTabs() {
    var nav = document.getElementById("group-tabs");
    var key = JSON.stringify([group().id, model.workshop.groups.map(function (g) {
      return [g.id, g.name, g.table, g.theme.name, g.theme.color, model.visible(g.id).length];
    })]);
    if (nav.dataset.key === key) return;
    nav.dataset.key = key;
    function tab(g) {
      var current = g.id === group().id;
      return el("button.tab" + (current ? ".active" : ""), {
        type: "button", style: "--theme: " + g.theme.color, "aria-pressed": current ? "true" : "false",
        "data-group": g.id, "aria-label": g.table ? g.name : null, onclick: function () { choose(g.id); }
      }, [el("bdi", { text: tableName(g) }), el("span.tab-count", { text: String(model.visible(g.id).length) })]);
    }
    nav.replaceChildren.apply(nav, model.themes().map(function (theme) {
      var tables = model.workshop.groups.filter(function (g) { return g.theme.id === theme.id; });
      if (tables.length === 1) return tab(tables[0]);
      return el("div.tab-axis", { role: "group", "aria-label": theme.name, style: "--theme: " + theme.color },
        [el("bdi.tab-axis-name", { text: theme.name })].concat(tables.map(tab)));
    }));
  }

  function choose(groupId) {
    activeGroup = groupId;
    selection.clear();
    var next = new URLSearchParams(location.search);
    next.set("group", groupId);
    history.replaceState(null, "", location.pathname + "?" + next.toString());
    document.getElementById("scribe-group").value = String(groupId);
    draw();
    suggest();
  }

  function drawRapporteur() {
    var select = document.getElementById("rapporteur");
    var g = group();
    var key = JSON.stringify([g.id, g.rapporteur_id, Array.from(participants.values())]);
    if (select.dataset.key === key) return;
    select.dataset.key = key;
    function option(p) {
      return el("option", { value: p.id, text: p.nickname ? p.nickname + " (#" + p.id + ")" : L.participant + " #" + p.id });
    }
    var all = Array.from(participants.values());
    var inGroup = all.filter(function (p) { return p.group_id === g.id; });
    var others = all.filter(function (p) { return p.group_id !== g.id; });
    select.replaceChildren(
      el("option", { value: "", text: L.no_rapporteur }),
      el("optgroup", { label: L.in_group }, inGroup.map(option)),
      el("optgroup", { label: L.others }, others.map(option))
    );
    select.value = g.rapporteur_id ? String(g.rapporteur_id) : "";
  }
  // Events carry no nicknames (they go to every phone): the picker asks the server, once things settle.
  var participantsTimer = null;
  function reloadParticipants() {
    clearTimeout(participantsTimer);
    participantsTimer = setTimeout(function () {
      fetch(data.participants_url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body) return;
          participants = new Map(body.participants.map(function (p) { return [p.id, p]; }));
          drawRapporteur();
          drawSeats();
        })
        .catch(function () { /* offline: the next event tries again */ });
    }, 800);
  }
  // The people at the table on screen, each with the tables they can be moved to.
  function drawSeats() {
    var g = group();
    var here = Array.from(participants.values()).filter(function (p) { return p.group_id === g.id; });
    var key = JSON.stringify([g.id, here, model.workshop.groups.map(function (x) { return [x.id, x.name]; })]);
    var list = document.getElementById("seats-list");
    if (list.dataset.key === key) return;
    list.dataset.key = key;
    document.getElementById("seats-count").textContent = here.length;
    var others = model.workshop.groups.filter(function (x) { return x.id !== g.id; });
    list.replaceChildren.apply(list, here.map(function (p) {
      var name = p.nickname ? p.nickname + " (#" + p.id + ")" : L.participant + " #" + p.id;
      return el("li.seat", { "data-participant": p.id }, [
        el("bdi", { text: name }),
        el("select.move-select", {
          "aria-label": L.move + " " + name,
          onchange: function (e) {
            if (e.target.value) call("move_participant", { participant_id: p.id, group_id: Number(e.target.value) });
          }
        }, [el("option", { value: "", text: L.move })].concat(others.map(function (x) {
          return el("option", { value: x.id, text: x.name });
        })))
      ]);
    }));
  }

  document.getElementById("rapporteur").addEventListener("change", function (e) {
    call("set_rapporteur", { group_id: group().id, participant_id: e.target.value ? Number(e.target.value) : null });
  });

  /* Items */

  function controls(card, item) {
    var others = model.workshop.groups.filter(function (g) { return g.id !== item.group_id; });
    var head = el("label.select-box", {}, [
      el("input", {
        type: "checkbox", checked: selection.has(item.id), "aria-label": L.select,
        onchange: function (e) {
          if (e.target.checked) selection.add(item.id); else selection.delete(item.id);
          drawMergeBar();
        }
      }),
      el("span.badge.badge-" + item.kind, { text: L[item.kind] })
    ]);
    card.insertBefore(head, card.firstChild);
    var actions = el("div.item-actions", {}, [
      button(item.pinned ? L.unpin : L.pin, function () { call("pin_item", { item_id: item.id, pinned: !item.pinned }); }),
      button(L.edit, function () {
        T.ask(L, L.ask_edit, { input: true, multiline: true, value: item.text, maxlength: 1000 }, function (text) {
          call("edit_item", { item_id: item.id, text: text });
        });
      }),
      button(L.hide, function () {
        T.ask(L, L.ask_hide, { input: true, maxlength: 200 }, function (reason) {
          call("hide_item", { item_id: item.id, reason: reason || null });
        });
      }, "button-danger"),
      others.length ? el("select.move-select", {
        "aria-label": L.move,
        onchange: function (e) { if (e.target.value) call("move_item", { item_id: item.id, group_id: Number(e.target.value) }); }
      }, [el("option", { value: "", text: L.move })].concat(others.map(function (g) {
        return el("option", { value: g.id, text: g.name });
      }))) : null,
      item.decision === "not_retained"
        ? button(L.clear_decision, function () { call("set_decision", { item_id: item.id, decision: null }); })
        : item.decision === "retained" ? null : button(L.not_retained_button, function () {
          T.ask(L, L.ask_reason, { input: true, multiline: true, maxlength: 500 }, function (reason) {
            call("set_decision", { item_id: item.id, decision: "not_retained", reason: reason });
          });
        })
    ]);
    card.appendChild(actions);
    if ((item.merged_ids || []).length) {
      card.appendChild(el("div.merged", {}, [el("p.merged-title", { text: L.merged_here })].concat(
        item.merged_ids.map(function (id) {
          return el("p.merged-item", { "data-id": id }, [
            T.userText("span", itemText(id)),
            button(L.unmerge, function () { call("unmerge_item", { item_id: id }); })
          ]);
        })
      )));
    }
  }

  var card = T.cards(function (node, item) {
    T.fillItem(node, item, { labels: L, model: model, extra: controls });
  }, function (item) {
    return stateKey + "|" + selection.has(item.id) + "|" + (item.merged_ids || []).map(itemText).join("\n");
  });

  function drawItems() {
    var g = group();
    stateKey = JSON.stringify([model.workshop.phase, model.votesHidden(), model.workshop.groups.map(function (x) { return [x.id, x.name]; }),
      model.recommendations.map(function (r) { return [r.id, r.number]; })]);
    document.getElementById("items-title").textContent = g.name;
    var items = model.visible(g.id);
    T.renderThreads(document.getElementById("item-list"), items, card);
    document.getElementById("items-empty").hidden = items.length > 0;
    var hidden = model.withStatus("hidden", g.id);
    document.getElementById("hidden-count").textContent = hidden.length;
    var box = document.getElementById("hidden-list");
    box.replaceChildren.apply(box, hidden.map(function (item) {
      return el("div.item.item-" + item.kind + ".item-hidden", { "data-id": item.id }, [
        T.userText("p.item-text", item.text),
        item.hidden_reason ? el("p.item-meta", {}, [L.reason + ": ", el("bdi", { text: item.hidden_reason })]) : null,
        el("div.item-actions", {}, [button(L.restore, function () { call("restore_item", { item_id: item.id }); })])
      ]);
    }));
    selection.forEach(function (id) {
      var item = model.items.get(id);
      if (!item || item.status !== "visible" || item.group_id !== g.id) selection.delete(id);
    });
    drawMergeBar();
  }

  function drawMergeBar() {
    var bar = document.getElementById("merge-bar");
    var chosen = Array.from(selection).sort(function (a, b) { return a - b; });
    bar.hidden = chosen.length < 2;
    document.getElementById("merge-count").textContent = chosen.length;
    var keep = document.getElementById("merge-keep");
    var was = keep.value;
    keep.replaceChildren.apply(keep, chosen.map(function (id) {
      return el("option", { value: id, text: itemText(id).slice(0, 60) });
    }));
    if (chosen.indexOf(Number(was)) >= 0) keep.value = was;
  }
  document.getElementById("merge").addEventListener("click", function () {
    var keep = Number(document.getElementById("merge-keep").value);
    var merge = Array.from(selection).filter(function (id) { return id !== keep; });
    call("merge_items", { keep_id: keep, merge_ids: merge }, function () { selection.clear(); draw(); });
  });
  document.getElementById("merge-clear").addEventListener("click", function () { selection.clear(); draw(); });

  /* Scribe mode: a paper card typed for somebody without a phone */

  var scribe = document.getElementById("scribe-form");
  var scribeId = T.newClientId();  // kept until the server has it: a resend after a timeout posts once
  function drawScribe() {
    var groups = scribe.elements.group_id;
    var key = JSON.stringify(model.workshop.groups.map(function (g) { return [g.id, g.name]; }));
    if (groups.dataset.key !== key) {
      var was = groups.value || String(group().id);
      groups.replaceChildren.apply(groups, model.workshop.groups.map(function (g) {
        return el("option", { value: g.id, text: g.name });
      }));
      groups.value = was;
      groups.dataset.key = key;
    }
    var parent = scribe.elements.parent_id;
    var problems = model.visible(Number(groups.value)).filter(function (i) { return i.kind === "problem"; });
    var pkey = JSON.stringify(problems.map(function (p) { return [p.id, p.text]; }));
    if (parent.dataset.key !== pkey) {
      var chosen = parent.value;
      parent.replaceChildren.apply(parent, [el("option", { value: "", text: L.none })].concat(problems.map(function (p) {
        return el("option", { value: p.id, text: p.text.slice(0, 80) });
      })));
      parent.value = chosen;
      parent.dataset.key = pkey;
    }
    parent.disabled = scribe.elements.kind.value !== "solution";
  }
  scribe.addEventListener("change", drawScribe);
  scribe.addEventListener("submit", function (e) {
    e.preventDefault();
    var f = scribe.elements;
    var solution = f.kind.value === "solution";
    call("scribe_post", {
      client_id: scribeId,
      group_id: Number(f.group_id.value),
      kind: f.kind.value,
      text: f.text.value,
      parent_id: solution && f.parent_id.value ? Number(f.parent_id.value) : null,
      speaker_category: f.speaker_category.value || null,
      speaker_gender: f.speaker_gender.value || null
    }, function () {
      scribeId = T.newClientId();
      f.text.value = "";
      f.text.focus();
    });
  });

  /* Recommendations of the group's axis */

  var recs = T.recommendationEditor({
    panel: document.getElementById("recs-panel"), model: model, live: { call: call }, labels: L
  });

  var title = document.querySelector("main h1");
  function draw() {
    if (title && title.textContent !== model.workshop.title) {
      document.title = document.title.replace(title.textContent, model.workshop.title);
      title.textContent = model.workshop.title;
    }
    drawDrive();
    drawTabs();
    drawRapporteur();
    drawSeats();
    drawItems();
    drawScribe();
    recs.draw(group().theme.id);
  }

  /* Possible duplicates in the group on screen (suggest_merges): fetched while the panel is open, again after
     items change; "Not the same" hides a pair on this screen only. */
  var suggestBox = document.getElementById("suggestions");
  var dismissed = new Set();
  var suggestTimer = null;
  var scopeBox = document.getElementById("suggest-scope");
  function axisScope() {
    return !!group().table && scopeBox.querySelector("input[value=axis]").checked;
  }
  function suggest() {
    if (!suggestBox.open) return;
    var g = group(), axis = axisScope();
    scopeBox.hidden = !g.table;  // an axis of one table: the table is the axis
    call("suggest_merges", axis ? { theme_id: g.theme.id } : { group_id: g.id }, function (ack) {
      if (group().id !== g.id || axisScope() !== axis) return;
      var pairs = ack.pairs.filter(function (p) {
        return !dismissed.has(p.keep_id + "-" + p.merge_id) && model.items.has(p.keep_id) && model.items.has(p.merge_id);
      });
      document.getElementById("suggest-count").textContent = pairs.length;
      var list = document.getElementById("suggest-list");
      list.replaceChildren.apply(list, pairs.length ? pairs.map(function (p) {
        return el("li.suggest-pair", {}, [
          el("p.suggest-score", { text: Math.round(p.score * 100) + "% " + L.similarity }),
          el("p.suggest-keep", {}, pairSide(p.keep_id, axis)),
          el("p.suggest-merge", {}, pairSide(p.merge_id, axis)),
          el("div.actions", {}, [
            button(L.merge, function () { call("merge_items", { keep_id: p.keep_id, merge_ids: [p.merge_id] }); }, "button-primary"),
            button(L.not_same, function () { dismissed.add(p.keep_id + "-" + p.merge_id); suggest(); })
          ])
        ]);
      }) : [el("li.muted", { text: L.suggestions_none })]);
    });
  }
  // An item of a pair; across the axis, with the table it was written at.
  function pairSide(id, axis) {
    var text = el("bdi", { dir: "auto", text: itemText(id) });
    var at = axis && model.group(model.items.get(id).group_id);
    return at ? [el("span.badge", { text: tableName(at) }), " ", text] : [text];
  }
  scopeBox.addEventListener("change", suggest);
  function suggestSoon() {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, 800);
  }
  suggestBox.addEventListener("toggle", suggest);
  document.getElementById("suggest-refresh").addEventListener("click", suggest);

  function onEvent(ev) {
    var d = ev.data || {};
    if (/^item|^items/.test(ev.type)) suggestSoon();
    model.apply(ev);  // a workshop.updated brings new groups, names and settings: the panel redraws them
    if (!ev.replayed && d.timer) T.clock.observe(d.timer.server_time);
    if (ev.type === "participant.group_chosen") reloadParticipants();  // a move, from this or another laptop
    draw();
    if (ev.type === "workshop.updated") drawPending();
  }

  /* Pre-moderation: items waiting for approval come on the staff stream; the list is re-read on every connect. */

  var pendingBox = document.getElementById("pending");
  var pendingList = document.getElementById("pending-list");
  var pending = new Map();
  function drawPending() {
    pendingList.textContent = "";
    pending.forEach(function (item) {
      var g = model.group(item.group_id);
      pendingList.appendChild(el("li.pending-item", {}, [
        el("p", {}, [el("span.badge", { text: item.kind === "problem" ? L.problem : L.solution }), " ",
          el("bdi", { text: g ? g.name : "" }), " · ", el("bdi", { dir: "auto", text: item.text })]),
        el("div.actions", {}, [
          button(L.approve, function () { call("approve_item", { item_id: item.id }); }),
          button(L.reject, function () {
            T.ask(L, L.ask_reject, { input: true }, function (reason) {
              call("reject_item", { item_id: item.id, reason: reason || null });
            });
          }, "danger")
        ])
      ]));
    });
    pendingBox.hidden = pending.size === 0 && !model.workshop.settings.premoderation;
  }
  function loadPending() {
    live.call("state", {}, function (ack) {
      pending = new Map((ack.pending || []).map(function (i) { return [i.id, i]; }));
      drawPending();
    });
  }
  live.socket.on("connect", loadPending);
  live.socket.on("staff_event", function (ev) {
    var d = ev.data || {};
    if (ev.type === "item.pending") pending.set(d.item.id, d.item);
    else if (ev.type === "item.approved" || ev.type === "item.rejected") pending.delete(d.item_id);
    drawPending();
  });

  if (!model.group(activeGroup)) activeGroup = model.workshop.groups[0].id;
  draw();
  drawPending();
})();
