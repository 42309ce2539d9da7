/* Downloads of the outcome report: a long export shows that it is being prepared, then the file is saved. */
(function () {
  "use strict";
  var status = document.getElementById("download-status");
  if (!status || !window.fetch || !window.URL) return;  // without them the plain link still downloads

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-download]");
    if (!link) return;
    event.preventDefault();
    var started = Date.now();
    status.hidden = false;
    status.className = "flash";
    function tick() { status.textContent = status.dataset.working.replace("{seconds}", Math.round((Date.now() - started) / 1000)); }
    tick();
    var timer = setInterval(tick, 500);
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        var disposition = response.headers.get("Content-Disposition") || "";
        var name = (disposition.match(/filename="([^"]+)"/) || [])[1] || "report";
        return response.blob().then(function (blob) { return { blob: blob, name: name }; });
      })
      .then(function (file) {
        var url = URL.createObjectURL(file.blob);
        var a = document.createElement("a");
        a.href = url;
        a.download = file.name;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        status.hidden = true;
      })
      .catch(function () {
        status.className = "flash flash-error";
        status.textContent = status.dataset.failed;
      })
      .finally(function () { clearInterval(timer); });
  });
})();
