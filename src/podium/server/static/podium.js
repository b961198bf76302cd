// podium dashboard: refresh the live part of the page in place every few seconds.
(function () {
  "use strict";
  var PERIOD = 3000;
  var box = document.getElementById("auto-refresh");
  var main = document.getElementById("live");
  if (!main) { return; }
  if (box) {
    box.checked = localStorage.getItem("podium.refresh") !== "off";
    box.addEventListener("change", function () {
      localStorage.setItem("podium.refresh", box.checked ? "on" : "off");
    });
  }
  function live() {
    var marker = main.querySelector("[data-live]");
    return !marker || marker.getAttribute("data-live") === "1";
  }
  // A person typing in a filter, or with a form changed or a section opened, is not
  // disturbed: the refresh waits until they submit, or put the page back as it came.
  function busy() {
    var active = document.activeElement;
    if (active && main.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) {
      return true;
    }
    if (main.querySelector("details[open]")) { return true; }
    var fields = main.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden") { continue; }
      if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) { return true; }
      } else if (f.tagName === "SELECT") {
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].selected !== f.options[j].defaultSelected) { return true; }
        }
      } else if (f.value !== f.defaultValue) { return true; }
    }
    return false;
  }
  function refresh() {
    if ((box && !box.checked) || document.hidden || !live() || busy()) { return; }
    fetch(window.location.href, { headers: { "X-Podium-Partial": "1" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.redirected || !r.ok) { return null; }
        return r.text();
      })
      .then(function (html) {
        if (html !== null && html !== undefined) { main.innerHTML = html; }
      })
      .catch(function () { /* the next tick tries again */ });
  }
  window.setInterval(refresh, PERIOD);
})();
