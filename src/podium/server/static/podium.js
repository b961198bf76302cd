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
  function refresh() {
    if ((box && !box.checked) || document.hidden || !live()) { return; }
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
