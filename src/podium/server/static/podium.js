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
        if (html !== null && html !== undefined) {
          main.innerHTML = html;
          if (window.podiumLayout) { window.podiumLayout(main); }
        }
      })
      .catch(function () { /* the next tick tries again */ });
  }
  window.setInterval(refresh, PERIOD);
})();

// Large ASL state graphs (svg[data-layout="dagre"], see asl_view.LAYOUT_MIN) are laid out
// again with the vendored dagre (static/dagre.min.js, MIT, see dagre.LICENSE): states placed
// to keep edges from crossing, edges routed round them, labels where they do not overlap.
// The server's own layout is what shows without JavaScript, or if dagre fails.
(function () {
  "use strict";
  var loading = null;
  function load() {
    if (window.dagre) { return Promise.resolve(); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = "/dashboard/static/dagre.min.js";
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }
  function num(el, name) { return parseFloat(el.getAttribute(name)); }
  function fix(v) { return v.toFixed(1); }
  function graph(svg, ranker) {
    var g = new window.dagre.graphlib.Graph();
    g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 48, edgesep: 12, marginx: 16, marginy: 16,
      ranker: ranker });
    g.setDefaultEdgeLabel(function () { return {}; });
    svg.querySelectorAll("g.sm-state").forEach(function (el) {
      var box = el.querySelector("rect");
      g.setNode(el.getAttribute("data-state"), { width: num(box, "width"), height: num(box, "height"), el: el });
    });
    svg.querySelectorAll("g.sm-transition").forEach(function (el) {
      var text = el.querySelector("text");
      var chars = text ? text.textContent.length : 0;
      g.setEdge(el.getAttribute("data-from"), el.getAttribute("data-to"),
        { width: chars * 6.2 + 8, height: 14, labelpos: "c", el: el });
    });
    window.dagre.layout(g);
    return g;
  }
  // How many times the routed edges cross each other (segments of dagre's polylines).
  function crossings(g) {
    function side(a, b, c) { return Math.sign((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)); }
    var lines = g.edges().map(function (e) { return g.edge(e).points; });
    var n = 0;
    for (var i = 0; i < lines.length; i++) {
      for (var j = i + 1; j < lines.length; j++) {
        for (var s = 1; s < lines[i].length; s++) {
          for (var t = 1; t < lines[j].length; t++) {
            var a = lines[i][s - 1], b = lines[i][s], c = lines[j][t - 1], d = lines[j][t];
            if (side(a, b, c) * side(a, b, d) < 0 && side(c, d, a) * side(c, d, b) < 0) { n++; }
          }
        }
      }
    }
    return n;
  }
  // dagre's rankers trade off differently: lay out with each, keep the fewest crossings.
  function layout(svg) {
    var g = null, best = Infinity;
    ["network-simplex", "longest-path", "tight-tree"].forEach(function (ranker) {
      if (best === 0) { return; }
      var candidate = graph(svg, ranker);
      var n = crossings(candidate);
      if (n < best) { g = candidate; best = n; }
    });
    g.nodes().forEach(function (name) {
      var n = g.node(name);
      var x = n.x - n.width / 2, y = n.y - n.height / 2;
      var boxes = n.el.querySelectorAll("rect");
      boxes[0].setAttribute("x", fix(x));
      boxes[0].setAttribute("y", fix(y));
      if (boxes[1]) { boxes[1].setAttribute("x", fix(x + 3)); boxes[1].setAttribute("y", fix(y + 3)); }
      var text = n.el.querySelector("text");
      text.setAttribute("x", fix(n.x));
      text.setAttribute("y", fix(n.y + 4));
    });
    g.edges().forEach(function (e) {
      var info = g.edge(e);
      var d = info.points.map(function (p, i) {
        return (i ? "L" : "M") + fix(p.x) + "," + fix(p.y);
      }).join(" ");
      info.el.querySelector("path").setAttribute("d", d);
      var text = info.el.querySelector("text");
      if (text) {
        text.setAttribute("x", fix(info.x));
        text.setAttribute("y", fix(info.y - 3));  // just above the edge through its label
        text.setAttribute("text-anchor", "middle");
      }
    });
    var size = g.graph();
    svg.setAttribute("width", Math.ceil(size.width));
    svg.setAttribute("height", Math.ceil(size.height));
    svg.setAttribute("viewBox", "0 0 " + Math.ceil(size.width) + " " + Math.ceil(size.height));
    svg.setAttribute("data-laid-out", "dagre");
    svg.setAttribute("data-crossings", String(best));
  }
  function run(root) {
    var svgs = root.querySelectorAll('svg[data-layout="dagre"]:not([data-laid-out])');
    if (!svgs.length) { return; }
    load().then(function () {
      svgs.forEach(function (svg) {
        try { layout(svg); } catch (e) { svg.setAttribute("data-laid-out", "failed"); }
      });
    }).catch(function () { /* no dagre: the server's layout stays */ });
  }
  window.podiumLayout = run;
  run(document);
})();
