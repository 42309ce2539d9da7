/* The projector board: one block per axis, a column per table, all moving live; the phase, the countdown and the
   dots; views (all tables, one table, each axis's tables together, the recommendations, dark) from the address or
   the keyboard. */
(function () {
  "use strict";
  var T = window.Tashawur;
  var el = T.el;
  var data = T.pageData();
  var L = data.labels;
  var model = T.model(data.snapshot);
  var phases = data.snapshot.phases;
  var columnsBox = document.querySelector(".columns");
  var columns = Array.prototype.slice.call(document.querySelectorAll(".column[data-group]"));
  // The plenary: one column per axis of several tables, with all of their items.
  var plenaries = Array.prototype.slice.call(document.querySelectorAll(".column-plenary"));
  var recsBox = document.getElementById("recs");
  var toast = document.getElementById("toast");
  var timer = T.countdown(document.getElementById("timer"));
  var highlight = new Set();
  var stateKey = "";

  T.clock.observe(data.snapshot.server_time);

  var card = T.cards(function (node, item) {
    T.fillItem(node, item, { labels: L, model: model });
  }, function () { return stateKey; });
  // In the plenary a card says which table it comes from.
  var plenaryCard = T.cards(function (node, item) {
    T.fillItem(node, item, { labels: L, model: model, extra: function (c) {
      var group = model.group(item.group_id);
      if (group && group.table) c.querySelector(".item-meta").prepend(el("span.badge.table-tag", { text: tableName(group) }));
    } });
  }, function () { return stateKey; });
  function tableName(group) { return L.table.replace("%(number)d", group.table); }

  function drawColumns() {
    stateKey = model.workshop.phase + "|" + model.votesHidden() + "|" + model.recommendations.map(function (r) { return r.id + ":" + r.number; }).join();
    columns.forEach(function (col) {
      var groupId = Number(col.dataset.group);
      var items = model.visible(groupId);
      T.renderThreads(col.querySelector(".column-body"), items, card);
      col.querySelector(".count-group-items").textContent = T.plural(L.items_count, items.length);
      col.querySelector(".count-group-participants").textContent =
        T.plural(L.participants_count, model.counts.by_group[String(groupId)] || 0);
    });
    document.querySelectorAll(".axis-several").forEach(function (axis) {
      var themeId = Number(axis.dataset.theme);
      var items = model.themeItems(themeId);
      var people = model.workshop.groups.filter(function (g) { return g.theme.id === themeId; })
        .reduce(function (n, g) { return n + (model.counts.by_group[String(g.id)] || 0); }, 0);
      axis.querySelector(".count-axis-items").textContent = T.plural(L.items_count, items.length);
      axis.querySelector(".count-axis-participants").textContent = T.plural(L.participants_count, people);
      var plenary = axis.querySelector(".column-plenary");
      if (!plenary.hidden) T.renderThreads(plenary.querySelector(".column-body"), items, plenaryCard);
    });
    highlight.forEach(function (id) {
      var node = view.plenary ? plenaryCard.element(id) : card.element(id);
      if (!node || !node.isConnected) return;
      node.classList.remove("fresh");
      void node.offsetWidth;  // restart the glow
      node.classList.add("fresh");
      bringIntoView(node);
    });
    highlight.clear();
    countLater();
  }

  // Scroll only the card's own column (scrollIntoView also scrolls the page): both heads stay where they are.
  function bringIntoView(node) {
    var body = node.closest(".column-body");
    if (!body) return;
    var box = body.getBoundingClientRect();
    var r = node.getBoundingClientRect();
    var margin = parseFloat(getComputedStyle(body).fontSize) * 1.5;  // clear of the faded edge
    var delta = 0;
    if (r.top < box.top) delta = r.top - box.top - margin;
    else if (r.bottom > box.bottom) delta = Math.min(r.bottom - box.bottom + margin, r.top - box.top - margin);
    if (delta) body.scrollBy({ top: delta });
  }

  // "+N more" at a full column's foot: the cards its body does not show whole, counted where they stand now.
  function countMore(col) {
    var body = col.querySelector(".column-body");
    var line = col.querySelector(".column-more");
    var box = body.getBoundingClientRect();
    var hidden = 0, above = false, below = false;
    body.querySelectorAll(".item").forEach(function (node) {
      var r = node.getBoundingClientRect();
      var up = r.top < box.top - 1, down = r.bottom > box.bottom + 1;
      if (up || down || r.left < box.left - 1 || r.right > box.right + 1) hidden++;
      above = above || up;
      below = below || down;
    });
    line.hidden = !hidden;
    line.textContent = hidden ? T.plural(L.more_count, hidden) : "";
    body.classList.toggle("cut-start", above);
    body.classList.toggle("cut-end", below);
  }
  var counting = false;
  function countLater() {
    if (counting) return;
    counting = true;
    requestAnimationFrame(function () {
      counting = false;
      columns.concat(plenaries).forEach(countMore);
    });
  }
  document.addEventListener("scroll", countLater, true);  // a column's scroll does not bubble: caught on its way down
  // A column's body and its lists change size with the head, a late font, a wrapped line: count again.
  var resized = new ResizeObserver(countLater);
  function watch(col) {
    var body = col.querySelector(".column-body");
    [body].concat(Array.prototype.slice.call(body.children)).forEach(function (node) { resized.observe(node); });
  }
  columns.concat(plenaries).forEach(watch);

  // The title and the columns follow the workshop: names, colours, and groups added or removed.
  var title = document.querySelector(".board-title h1");
  function drawWorkshop() {
    var w = model.workshop;
    if (title.textContent !== w.title) {
      document.title = document.title.replace(title.textContent, w.title);
      title.textContent = w.title;
    }
    // Axes and tables as the workshop now has them: blocks and columns kept, added or removed in place.
    var kept = [];
    var axes = model.themes().map(function (theme) {
      var tables = w.groups.filter(function (g) { return g.theme.id === theme.id; });
      var axis = columnsBox.querySelector('.axis[data-theme="' + theme.id + '"]') ||
        el("section.axis", { "data-theme": theme.id }, [el("div.axis-body")]);
      shapeAxis(axis, theme, tables.length);
      T.reconcile(axis.querySelector(".axis-body"), tables.map(function (g) {
        var col = columns.filter(function (c) { return Number(c.dataset.group) === g.id; })[0];
        if (!col) {
          col = blank.cloneNode(true);
          col.dataset.group = g.id;
          watch(col);
        }
        col.style.setProperty("--theme", g.theme.color);
        var name = col.querySelector(".column-head h2");
        name.textContent = g.table ? tableName(g) : g.name;
        if (g.table) name.setAttribute("aria-label", g.name); else name.removeAttribute("aria-label");
        name.id = "column-name-" + g.id;
        col.querySelector(".column-body").setAttribute("aria-labelledby", name.id);
        kept.push(col);
        return col;
      }));
      return axis;
    });
    T.reconcile(columnsBox, axes);
    columns = kept;
    plenaries = Array.prototype.slice.call(columnsBox.querySelectorAll(".column-plenary"));
  }

  // An empty column to copy for a new table, and an axis's head, grid and plenary for its number of tables.
  var blank = columns[0].cloneNode(true);
  blank.hidden = false;
  blank.querySelector(".column-body").replaceChildren(el("div.problems"), el("div.solutions.loose"));
  function shapeAxis(axis, theme, tables) {
    var several = tables > 1;
    var across = tables <= 2 ? 1 : tables <= 6 ? 2 : 3;  // as the server's table_grid()
    axis.classList.toggle("axis-several", several);
    axis.style.setProperty("--theme", theme.color);
    axis.style.setProperty("--table-columns", across);
    axis.style.setProperty("--table-rows", Math.ceil(tables / across));
    var head = axis.querySelector(".axis-head");
    var plenary = axis.querySelector(".column-plenary");
    if (several && !head) {
      head = el("header.axis-head", {}, [
        el("h2", { dir: "auto", id: "axis-name-" + theme.id }),
        el("p.column-stats", {}, [el("span.count-axis-participants"), " ", el("span", { "aria-hidden": "true", text: "·" }),
          " ", el("strong.count-axis-items")])
      ]);
      axis.insertBefore(head, axis.firstChild);
      plenary = el("section.column.column-plenary", { "data-plenary": theme.id, hidden: true }, [
        el("div.column-body", { tabindex: "0", role: "region", "aria-labelledby": "axis-name-" + theme.id },
          [el("div.problems"), el("div.solutions.loose")]),
        el("p.column-more", { "aria-hidden": "true", hidden: true })
      ]);
      axis.appendChild(plenary);
      watch(plenary);
    }
    if (!several && head) { head.remove(); plenary.remove(); }
    if (several) head.querySelector("h2").textContent = theme.name;
  }

  function drawHead() {
    var phase = document.getElementById("phase-name");
    phase.textContent = L["phase_" + model.workshop.phase] || model.workshop.phase;
    phase.dataset.phase = model.workshop.phase;
    document.getElementById("count-participants").textContent = model.counts.participants;
    document.getElementById("dots-cast").hidden = model.workshop.phase !== "prioritization" && !model.votesCast;
    document.getElementById("count-dots").textContent = model.votesCast;
    timer.set(model.workshop.timer);
  }

  function drawRecommendations() {
    recsBox.style.setProperty("--columns", Math.max(1, model.themes().length));
    recsBox.replaceChildren.apply(recsBox, model.themes().map(function (theme) {
      var recs = model.recommendationsOf(theme.id);
      return el("section.recs-axis", { style: "--theme: " + theme.color }, [
        T.userText("h2", theme.name),
        recs.length ? el("ol.recs-list", {}, recs.map(function (r) {
          var meta = [r.principle, r.responsible, r.horizon, r.deadline].filter(Boolean).join(" · ");
          return el("li.rec", { value: r.number, "data-id": r.id }, [
            T.userText("p.rec-title", r.title),
            r.body ? T.userText("p.rec-body", r.body) : null,
            meta ? T.userText("p.rec-meta", meta) : null
          ]);
        })) : el("p.muted", { text: L.no_recommendations })
      ]);
    }));
  }

  // Views live in the address, so a reload (or a second projector) shows the same. Unless a key or the address
  // chose (view.recs true or false), the phase does: the recommendations from the synthesis on.
  var params = new URLSearchParams(location.search);
  var view = {
    focus: Number(params.get("focus")) || null,
    recs: { recommendations: true, items: false }[params.get("view")],
    dark: params.get("theme") === "dark",
    plenary: params.get("plenary") === "1"
  };
  if (view.recs === undefined) view.recs = null;
  function showsRecs() {
    return view.recs === null ? ["synthesis", "closed"].indexOf(model.workshop.phase) >= 0 : view.recs;
  }
  function applyView() {
    var recs = showsRecs();
    var plenary = view.plenary && plenaries.length > 0;
    var focus = view.focus && model.group(view.focus) && !plenary ? view.focus : null;
    document.body.classList.toggle("dark", view.dark);
    document.body.classList.toggle("view-recs", recs);
    document.body.classList.toggle("view-focus", !!focus && !recs);
    document.body.classList.toggle("view-plenary", plenary && !recs);
    columns.forEach(function (col) { col.hidden = !!focus && Number(col.dataset.group) !== focus; });
    var axes = Array.prototype.slice.call(columnsBox.querySelectorAll(".axis"));
    axes.forEach(function (axis) {
      axis.hidden = !!focus && !axis.querySelector('.column[data-group="' + focus + '"]');
      var box = axis.querySelector(".column-plenary");
      if (box) { box.hidden = !plenary; axis.querySelector(".axis-body").hidden = plenary; }
    });
    columnsBox.style.setProperty("--columns", focus ? 1 : axes.length);
    columnsBox.hidden = recs;
    recsBox.hidden = !recs;
    var chosen = view.recs === null ? null : view.recs ? "recommendations" : "items";
    var next = new URLSearchParams(location.search);
    [["focus", focus], ["view", chosen], ["theme", view.dark ? "dark" : null], ["plenary", plenary ? "1" : null]]
      .forEach(function (pair) { if (pair[1]) next.set(pair[0], pair[1]); else next.delete(pair[0]); });
    var query = next.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
    countLater();
  }

  // A closed workshop offers no way in; one opened again gets its code and QR code back from the server.
  var joinBox = document.getElementById("board-join");
  function drawStatus() {
    var closed = model.workshop.status === "closed";
    document.getElementById("board-closed").hidden = !closed;
    if (closed && joinBox) { joinBox.remove(); joinBox = null; }
    if (!closed && !joinBox) location.reload();
  }

  var toastTimer = null;
  function say(message) {
    toast.textContent = message;
    toast.hidden = !message;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.hidden = true; }, 6000);
  }
  function fail(error) { say(error.message || L.offline); }

  function onEvent(ev) {
    var d = ev.data || {};
    // The board speaks the workshop's language: its labels came with the page.
    if (ev.type === "workshop.updated" && d.language !== model.workshop.language && !params.has("lang")) {
      location.reload();
      return;
    }
    model.apply(ev);
    if (!ev.replayed && d.timer) T.clock.observe(d.timer.server_time);
    if (ev.type === "item.created" || ev.type === "item.restored") highlight.add(d.item.id);
    else if (ev.type === "items.unmerged") highlight.add(d.item.id);
    else if (ev.type === "item.moved") d.items.forEach(function (i) { highlight.add(i.id); });
    else if (ev.type === "workshop.updated") { drawWorkshop(); applyView(); }
    if (ev.type === "phase.changed" || ev.type === "workshop.closed" || ev.type === "workshop.opened") {
      view.recs = null;  // a new phase chooses the view again
      drawStatus();
      applyView();
    }
    drawHead();
    drawColumns();
    if (ev.type === "recommendation.changed") drawRecommendations();
  }

  var live = T.connect({
    seq: data.snapshot.seq,
    auth: { workshop: data.code, lang: data.lang },
    onEvent: onEvent,
    onCounts: function (counts) { model.counts = counts; drawHead(); drawColumns(); },
    onStatus: T.statusLight(document.getElementById("conn")),
    onError: fail,
    offlineMessage: L.offline
  });

  // The facilitator's keys: the board is driven from the laptop that shows it.
  function step(direction) {
    var next = phases[phases.indexOf(model.workshop.phase) + direction];
    if (!next || next === "closed") return;  // closing is a decision for the control panel, not a stray key
    live.call("set_phase", { phase: next });
  }
  function toggleTimer() {
    var state = timer.state();
    if (state === "running") live.call("timer", { action: "pause" });
    else if (state === "paused") live.call("timer", { action: "resume" });
  }
  function letter(e) {
    var key = (e.key || "").toLowerCase();
    if (/^[a-z]$/.test(key)) return key;
    var code = /^Key([A-Z])$/.exec(e.code || "");  // an Arabic keyboard: the key's place, not its letter
    return code ? code[1].toLowerCase() : key;
  }
  var help = document.getElementById("keys-help");
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || (e.target.closest && e.target.closest("input, textarea, select, button"))) return;
    var key = letter(e);
    if (key === "?" || key === "؟" || key === "h" || (key === "escape" && !help.hidden)) {
      help.hidden = key === "escape" || !help.hidden;
      e.preventDefault();
      return;
    }
    var digit = /^(Digit|Numpad)([0-9])$/.exec(e.code || "");
    var n = digit ? Number(digit[2]) : (/^[0-9]$/.test(key) ? Number(key) : null);
    if (n !== null) {
      var group = n ? columns[n - 1] : null;
      var id = group ? Number(group.dataset.group) : null;
      view.focus = id && view.focus !== id ? id : null;
      view.recs = false;
    } else if (key === "r") view.recs = !showsRecs();
    else if (key === "t") { view.plenary = !view.plenary; view.recs = false; view.focus = null; }
    else if (key === "d") view.dark = !view.dark;
    else if (key === "escape") { view.focus = null; view.recs = null; view.plenary = false; }
    else if (key === "n") step(1);
    else if (key === "p") step(-1);
    else if (key === " " || e.code === "Space") toggleTimer();
    else return;
    e.preventDefault();
    help.hidden = true;  // the help answered the question asked on the view before
    applyView();
    drawColumns();  // the plenary draws its cards once shown
  });

  drawHead();
  applyView();
  drawColumns();
  drawRecommendations();
})();
