/* Site-wide behaviour, offline: the search box on the home page (over an index embedded in the page as JSON)
 * and the parameter menus on question pages (each choice is a page written in advance).
 * Results are built with createElement/textContent: plan text never becomes markup. */
(function () {
  "use strict";
  var PAGE = /^(\.\.\/)*[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*\.html$/;

  function setupSearch() {
    var input = document.getElementById("search");
    var list = document.getElementById("search-results");
    var source = document.getElementById("search-index");
    if (!input || !list || !source) return;
    var entries = JSON.parse(source.textContent);
    var haystack = entries.map(function (e) { return (e.t + " " + e.k + " " + (e.x || "")).toLowerCase(); });
    var note = document.getElementById("search-count");

    function run() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      while (list.firstChild) list.removeChild(list.firstChild);
      if (!words.length) { if (note) note.textContent = ""; return; }
      // pages whose title has every word first, then pages that mention them (e.g. an initiative's harms)
      var hits = [];
      for (var i = 0; i < entries.length; i++) {
        if (!PAGE.test(entries[i].u) || !words.every(function (w) { return haystack[i].indexOf(w) >= 0; })) continue;
        var title = entries[i].t.toLowerCase();
        hits.push({ i: i, score: words.every(function (w) { return title.indexOf(w) >= 0; }) ? 0 : 1 });
      }
      hits.sort(function (a, b) { return a.score - b.score || a.i - b.i; });
      var found = 0;
      for (var h = 0; h < hits.length && found < 50; h++) {
        i = hits[h].i;
        found++;
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.setAttribute("href", entries[i].u);
        a.textContent = entries[i].t;
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = " " + entries[i].k;
        li.appendChild(a);
        li.appendChild(kind);
        list.appendChild(li);
      }
      if (note) note.textContent = found ? (found === 50 ? "The first 50 matches:" : found + " found:") : "Nothing found.";
    }
    input.addEventListener("input", run);
    run();
  }

  function setupMenus() {
    // the page changes on the button, not on the select's change: a keyboard user arrowing through the
    // options would otherwise be taken to the first one they pass (WCAG 3.2.2)
    var buttons = document.querySelectorAll("button.go");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (ev) {
        var menu = document.getElementById(ev.currentTarget.getAttribute("data-for"));
        var target = menu ? menu.value : "";
        if (PAGE.test(target)) window.location.href = target;
      });
    }
  }

  function start() { setupSearch(); setupMenus(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
