/* The projector board: every group's column moves live; new items glow for a few seconds. */
(function () {
  "use strict";
  var T = window.Tashawur;
  var data = T.pageData();

  function column(groupId) {
    return document.querySelector('.column[data-group="' + groupId + '"]');
  }

  function setCounts(counts) {
    document.getElementById("count-participants").textContent = counts.participants;
    document.querySelectorAll(".column").forEach(function (col) {
      col.querySelector(".count-group-participants").textContent = counts.by_group[col.dataset.group] || 0;
    });
  }

  function onEvent(ev) {
    var d = ev.data;
    if (ev.type === "item.created") {
      var col = column(d.item.group_id);
      if (!col) return;
      var el = T.placeItem(col, d.item, null, data.labels);
      if (el) {
        var count = col.querySelector(".count-group-items");
        count.textContent = Number(count.textContent) + 1;
        el.scrollIntoView({ block: "nearest" });
      }
    } else if (d && d.counts) {
      setCounts(d.counts);
    } else if (ev.type === "workshop.updated") {
      location.reload();
    }
  }

  T.connect({
    seq: data.seq,
    auth: { workshop: data.code, lang: data.lang },
    onEvent: onEvent,
    onStatus: T.statusLight(document.getElementById("conn"))
  });
})();
