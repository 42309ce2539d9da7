/* Drawing for the live screens: a small DOM builder, the item card, keyed lists of threads, a modal question.
   User text always goes in as textContent, isolated in <bdi> with its own direction. */
(function () {
  "use strict";
  var T = window.Tashawur;

  /* el("tag.class", {attr: value}, [children or text]): small DOM builder; text is always textContent. */
  function el(spec, attrs, children) {
    var parts = spec.split(".");
    var node = document.createElement(parts[0] || "div");
    if (parts.length > 1) node.className = parts.slice(1).join(" ");
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "hidden" || key === "checked" || key === "disabled" || key === "selected") node[key] = !!value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // User text: isolated with its own direction (dir=auto), never parsed as HTML. No <bdi> inside: dir=auto skips
  // a <bdi>'s letters when it picks the direction, so an Arabic line would be laid out left to right.
  function userText(spec, text) {
    return el(spec, { dir: "auto", text: text });
  }

  /* A translated sentence with {name} places filled by nodes (user text stays isolated in its own element). */
  function words(sentence, parts) {
    return sentence.split(/(\{\w+\})/).map(function (piece) {
      var key = /^\{(\w+)\}$/.exec(piece);
      return key && parts[key[1]] ? parts[key[1]] : piece;
    }).filter(function (piece) { return piece !== ""; });
  }

  /* The card every screen shows for an item; extra(card, item) adds a screen's own badges and buttons;
     opts.delivery ("waiting" or "sent") marks a post of this phone that the server has not, or now has. */
  function fillItem(card, item, opts) {
    var labels = opts.labels;
    var m = opts.model;
    var me = opts.me;
    var mine = me && (item.author_id === me || (item.author_ids || []).indexOf(me) >= 0);
    var fresh = card.classList.contains("fresh");
    card.className = "item item-" + item.kind + (mine ? " mine" : "") + (item.pinned ? " pinned" : "") +
      (fresh ? " fresh" : "") + (opts.delivery ? " item-" + opts.delivery : "");
    card.dataset.id = item.id;
    var meta = el("p.item-meta", {}, [
      opts.delivery ? el("span.badge.delivery.badge-" + opts.delivery, { text: labels["delivery_" + opts.delivery] }) : null,
      item.pinned ? el("span.badge.badge-pin", { text: labels.pinned }) : null,
      mine && !(item.author_name && item.author_id !== me) ? el("span.badge-mine", { text: labels.you }) : null,
      // My post merged into someone else's: the kept card is ours, "You and Amina", not "You · Amina".
      mine && item.author_name && item.author_id !== me && labels.you_and
        ? el("span.badge-mine", {}, words(labels.you_and, { name: el("bdi.author", { text: item.author_name }) }))
        : item.author_name ? el("bdi.author", { text: item.author_name }) : null,
      item.by_scribe ? el("span.badge", { text: labels.paper }) : null,
      item.edited ? el("span.badge", { text: labels.edited }) : null,
      item.decision === "retained" ? el("span.badge.badge-retained", {
        text: labels.retained + " " + (item.recommendation_ids || []).map(function (id) {
          var rec = m.recommendation(id);
          return rec ? "#" + rec.number : "";
        }).join(" ")
      }) : null,
      item.decision === "not_retained" ? el("span.badge.badge-not-retained", {}, [
        labels.not_retained + (item.reason ? ": " : ""), item.reason ? el("bdi", { text: item.reason }) : null
      ]) : null
    ]);
    // Counts show once voting starts (zeros too while the room votes), never while they are hidden.
    var showVotes = item.votes !== null && item.votes !== undefined && !m.votesHidden() &&
      (item.votes > 0 || m.workshop.phase === "prioritization");
    var votes = showVotes
      ? el("span.votes", { title: labels.dots, "aria-label": labels.dots + ": " + item.votes }, [
        el("span.votes-dot", { "aria-hidden": "true", text: "●" }), el("span.votes-count", { text: String(item.votes) })
      ]) : null;
    card.replaceChildren(
      el("div.item-main", {}, [userText("p.item-text", item.text), votes]),
      meta
    );
    if (opts.extra) opts.extra(card, item);
  }

  /* A cache of cards by item id: a card is rebuilt only when its item (or the screen's state) changed,
     and keeps its element, so a highlight or a focused button survives other items' news. */
  function cards(build, stateKey) {
    var cache = new Map();
    function get(item) {
      var key = JSON.stringify(item) + "|" + (stateKey ? stateKey(item) : "");
      var c = cache.get(item.id);
      if (!c) { c = { el: document.createElement("article"), key: null }; cache.set(item.id, c); }
      if (c.key !== key) { build(c.el, item); c.key = key; }
      return c.el;
    }
    get.element = function (id) { var c = cache.get(id); return c ? c.el : null; };
    get.forget = function () { cache.forEach(function (c) { c.key = null; }); };
    return get;
  }

  // Make parent's element children exactly nodes, in order, moving as few as possible.
  function reconcile(parent, nodes) {
    for (var i = 0; i < nodes.length; i++) {
      if (parent.children[i] !== nodes[i]) parent.insertBefore(nodes[i], parent.children[i] || null);
    }
    while (parent.children.length > nodes.length) parent.removeChild(parent.lastElementChild);
  }

  /* Draw items as threads (a problem, then its solutions) in container's .problems, solutions answering
     nothing in its .loose. card(item) gives the item's element. */
  function renderThreads(container, items, card) {
    var problemsBox = container.querySelector(".problems, #problems");
    var looseBox = container.querySelector(".loose");
    var threads = container._threads || (container._threads = new Map());
    var problemIds = new Set();
    items.forEach(function (i) { if (i.kind === "problem") problemIds.add(i.id); });
    var answers = new Map(), loose = [], order = [];
    items.forEach(function (i) {
      if (i.kind === "problem") { order.push(i); return; }
      if (i.parent_id && problemIds.has(i.parent_id)) {
        if (!answers.has(i.parent_id)) answers.set(i.parent_id, []);
        answers.get(i.parent_id).push(card(i));
      } else {
        loose.push(card(i));
      }
    });
    var nodes = order.map(function (p) {
      var thread = threads.get(p.id);
      if (!thread) {
        thread = el("div.thread", { "data-problem": p.id }, [el("div.solutions")]);
        threads.set(p.id, thread);
      }
      var head = card(p);
      if (thread.firstElementChild !== head) thread.insertBefore(head, thread.firstElementChild);
      while (thread.children.length > 2) thread.removeChild(thread.children[1]);
      reconcile(thread.lastElementChild, answers.get(p.id) || []);
      return thread;
    });
    reconcile(problemsBox, nodes);
    reconcile(looseBox, loose);
    threads.forEach(function (_t, id) { if (!problemIds.has(id)) threads.delete(id); });
  }

  /* A modal question (a reason, a corrected text, a yes or no), answered through a callback. */
  function ask(labels, question, options, answered) {
    options = options || {};
    var dialog = el("dialog.ask");
    var field = null;
    if (options.input) {
      field = options.multiline
        ? el("textarea", { rows: 4, dir: "auto", maxlength: options.maxlength || 1000 })
        : el("input", { type: "text", dir: "auto", maxlength: options.maxlength || 500 });
      field.value = options.value || "";
    }
    var form = el("form", { method: "dialog" }, [
      el("p.ask-question", { text: question }),
      field,
      el("div.actions", {}, [
        el("button.button.button-primary", { type: "submit", value: "ok", text: labels.ok }),
        el("button.button", { type: "submit", value: "cancel", text: labels.cancel, formnovalidate: true })
      ])
    ]);
    dialog.appendChild(form);
    document.body.appendChild(dialog);
    dialog.addEventListener("close", function () {
      var ok = dialog.returnValue === "ok";
      dialog.remove();
      if (ok) answered(field ? field.value : true);
    });
    dialog.showModal();
    if (field) { field.focus(); field.select(); }
  }

  Object.assign(T, {
    el: el, userText: userText, words: words, fillItem: fillItem, cards: cards, reconcile: reconcile,
    renderThreads: renderThreads, ask: ask
  });
})();
