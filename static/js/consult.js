/* The consultation's draft page: a support button answers in place instead of reloading the page.
   The forms work without it; on any failure the form is sent the plain way. The labels come from the page
   (#consult-labels), the count from the server's answer: nothing here re-derives a rule. */
(function () {
  "use strict";
  var source = document.getElementById("consult-labels");
  if (!source || !window.fetch || !window.FormData) return;
  var L = JSON.parse(source.textContent);
  var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang) : null;

  // The server rendered the count's label for a few sample numbers; take the one of the same plural form.
  function countLabel(n) {
    var samples = Object.keys(L.supports);
    var pick = samples[samples.length - 1];
    for (var i = 0; i < samples.length; i++) {
      if (Number(samples[i]) === n || (rules && rules.select(Number(samples[i])) === rules.select(n))) {
        pick = samples[i];
        if (Number(pick) === n) break;
      }
    }
    return L.supports[pick].replace(pick, String(n));
  }

  function show(form, answer) {
    var button = form.querySelector("button");
    var count = form.closest(".rec").querySelector(".supports");
    form.querySelector("input[name=action]").value = answer.mine ? "withdraw" : "support";
    button.setAttribute("aria-pressed", answer.mine ? "true" : "false");
    button.classList.toggle("secondary", answer.mine);
    button.textContent = answer.mine ? L.withdraw : L.support;
    if (count) {
      count.setAttribute("aria-live", "polite");
      count.textContent = countLabel(answer.supports);
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("support-form")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button.disabled) return;
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    // form.action would be the hidden input named "action": read the attribute.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (answer) {
        if (!answer || !answer.ok) throw new Error("refused");
        show(form, answer);
        button.disabled = false;
        form.removeAttribute("aria-busy");
      })
      .catch(function () {
        // The plain way shows the server's own message (closed, too many, expired page): it knows best.
        button.disabled = false;
        form.removeAttribute("aria-busy");
        HTMLFormElement.prototype.submit.call(form);
      });
  });
})();
