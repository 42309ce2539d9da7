/* The recommendations of one axis: the numbered list (edit, move up and down, delete) and the form that
   creates or changes one from the axis's items. Used by the control panel. */
(function () {
  "use strict";
  var T = window.Tashawur;
  var el = T.el;
  var TEXT_FIELDS = ["title", "body", "principle", "responsible", "partners", "horizon", "budget", "indicator"];

  T.recommendationEditor = function (opts) {
    var panel = opts.panel, model = opts.model, live = opts.live, L = opts.labels;
    var list = panel.querySelector(".rec-admin-list");
    var empty = panel.querySelector(".rec-empty");
    var form = panel.querySelector(".rec-form");
    var choices = panel.querySelector(".rec-item-choices");
    var cancel = panel.querySelector(".rec-cancel");
    var status = panel.querySelector(".rec-status");
    var editing = null;  // the id of the recommendation in the form, or null for a new one
    var chosen = new Set();
    var themeId = null;

    function reset() {
      editing = null;
      chosen.clear();
      form.reset();
      panel.querySelector(".rec-form-title").textContent = L.rec_new;
      cancel.hidden = true;
      choices.dataset.key = "";
      drawChoices();
    }

    function edit(rec) {
      editing = rec.id;
      chosen = new Set(rec.item_ids);
      TEXT_FIELDS.forEach(function (name) { form.elements[name].value = rec[name] || ""; });
      form.elements.priority.value = rec.priority || "";
      form.elements.deadline.value = rec.deadline || "";
      panel.querySelector(".rec-form-title").textContent = L.rec_edit + " #" + rec.number;
      cancel.hidden = false;
      status.textContent = "";
      choices.dataset.key = "";
      drawChoices();
      form.elements.title.focus();
    }

    function move(rec, direction) {
      var ids = model.recommendationsOf(themeId).map(function (r) { return r.id; });
      var at = ids.indexOf(rec.id), to = at + direction;
      if (to < 0 || to >= ids.length) return;
      ids.splice(at, 1);
      ids.splice(to, 0, rec.id);
      live.call("reorder_recommendations", { theme_id: themeId, ids: ids });
    }

    function remove(rec) {
      T.ask(L, L.confirm_delete, {}, function () {
        live.call("delete_recommendation", { id: rec.id }, function () { if (editing === rec.id) reset(); });
      });
    }

    function drawList() {
      var recs = model.recommendationsOf(themeId);
      empty.hidden = recs.length > 0;
      list.replaceChildren.apply(list, recs.map(function (rec, index) {
        var meta = [rec.principle, rec.priority ? "P" + rec.priority : null, rec.responsible, rec.horizon, rec.deadline]
          .filter(Boolean).join(" · ");
        return el("li.rec", { value: rec.number, "data-id": rec.id }, [
          T.userText("p.rec-title", rec.title),
          rec.body ? T.userText("p.rec-body", rec.body) : null,
          meta ? T.userText("p.rec-meta", meta) : null,
          el("div.item-actions", {}, [
            el("button.button.small", { type: "button", text: L.edit_recommendation, onclick: function () { edit(rec); } }),
            el("button.button.small", {
              type: "button", text: "↑", title: L.up, "aria-label": L.up, disabled: index === 0,
              onclick: function () { move(rec, -1); }
            }),
            el("button.button.small", {
              type: "button", text: "↓", title: L.down, "aria-label": L.down, disabled: index === recs.length - 1,
              onclick: function () { move(rec, 1); }
            }),
            el("button.button.small.button-danger", { type: "button", text: L.delete, onclick: function () { remove(rec); } })
          ])
        ]);
      }));
    }

    function drawChoices() {
      var items = model.themeItems(themeId).slice().sort(function (a, b) { return (b.votes || 0) - (a.votes || 0) || a.id - b.id; });
      var visible = new Set(items.map(function (i) { return i.id; }));
      chosen.forEach(function (id) { if (!visible.has(id)) chosen.delete(id); });
      var key = JSON.stringify(items.map(function (i) { return [i.id, i.kind, i.text, i.votes]; }));
      if (choices.dataset.key === key) return;  // unchanged: leave the boxes (and the focus) alone
      choices.dataset.key = key;
      choices.replaceChildren.apply(choices, items.length ? items.map(function (item) {
        return el("label.rec-choice", { "data-id": item.id }, [
          el("input", {
            type: "checkbox", value: item.id, checked: chosen.has(item.id),
            onchange: function (e) {
              if (e.target.checked) chosen.add(item.id); else chosen.delete(item.id);
            }
          }),
          el("span.badge.badge-" + item.kind, { text: L[item.kind] }),
          item.votes ? el("span.votes", { text: "● " + item.votes }) : null,
          T.userText("span.rec-choice-text", item.text)
        ]);
      }) : [el("p.muted", { text: L.nothing })]);
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var payload = { item_ids: Array.from(chosen) };
      TEXT_FIELDS.forEach(function (name) { payload[name] = form.elements[name].value; });
      payload.priority = form.elements.priority.value ? Number(form.elements.priority.value) : null;
      payload.deadline = form.elements.deadline.value || null;
      if (editing) payload.id = editing;
      else payload.theme_id = themeId;
      status.textContent = "";
      live.call("save_recommendation", payload, function () {
        reset();
        status.textContent = L.saved;
      });
    });
    cancel.addEventListener("click", reset);

    return {
      draw: function (theme) {
        if (theme !== themeId) {
          themeId = theme;
          if (editing) reset();
          chosen.clear();
          choices.dataset.key = "";
        }
        if (editing && !model.recommendation(editing)) reset();
        var axis = model.themes().filter(function (t) { return t.id === themeId; })[0];
        panel.querySelector(".rec-axis").textContent = axis ? axis.name : "";
        drawList();
        drawChoices();
      }
    };
  };
})();
