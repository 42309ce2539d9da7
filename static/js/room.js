/* The participant's room: live items of the viewed group, and posting that never loses a word. */
(function () {
  "use strict";
  var T = window.Tashawur;
  var data = T.pageData();
  var list = document.getElementById("items");
  var form = document.getElementById("post-form");
  var box = T.outbox("tashawur.outbox." + data.code);
  var draftKey = "tashawur.draft." + data.code;

  function show(item) {
    if (!list || item.group_id !== data.viewed) return;
    if (T.placeItem(list, item, data.participant, data.labels)) {
      var empty = list.querySelector(".empty");
      if (empty) empty.hidden = true;
      if (item.kind === "problem" && form) {
        var option = document.createElement("option");
        option.value = item.id;
        option.textContent = item.text.slice(0, 80);
        form.elements.parent_id.appendChild(option);
      }
    }
  }

  function onEvent(ev) {
    if (ev.type === "item.created") show(ev.data.item);
    else if (ev.type === "workshop.closed" || ev.type === "workshop.opened" || ev.type === "workshop.updated") location.reload();
  }

  var live = T.connect({
    seq: data.seq,
    auth: { workshop: data.code, role: "participant", lang: data.lang },
    onEvent: onEvent,
    onStatus: T.statusLight(document.getElementById("conn")),
    onConnect: function () { box.all().forEach(send); }
  });

  if (!form) return;
  var text = form.elements.text;
  var error = document.getElementById("post-error");
  var counter = document.getElementById("count");
  var parentField = form.querySelector(".parent-field");

  function message(msg, isError) {
    error.hidden = !msg;
    error.textContent = msg || "";
    error.className = isError ? "field-error" : "hint";
  }
  function refresh() {
    counter.textContent = text.value.length;
    parentField.hidden = form.elements.kind.value !== "solution";
    try { localStorage.setItem(draftKey, text.value); } catch (e) { /* ignore */ }
  }

  function send(entry) {
    if (!live.socket.connected) return;
    live.socket.timeout(15000).emit("post", entry, function (err, ack) {
      if (err) return;  // no answer: it stays in the outbox and goes again on reconnect
      box.remove(entry.client_id);
      if (ack.ok) {
        show(ack.item);
        message(data.labels.sent, false);
      } else {
        if (!text.value) text.value = entry.text;  // give the words back so they can be fixed
        refresh();
        message(ack.error.message, true);
      }
    });
  }

  text.value = text.value || localStorage.getItem(draftKey) || "";
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
    box.add(entry);
    text.value = "";
    refresh();
    if (live.socket.connected) {
      message("", false);
      send(entry);
    } else {
      message(data.labels.queued, false);
    }
  });
})();
