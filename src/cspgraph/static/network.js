/* Filters for the co-delivery network page: plan year, harm, priority, agency type.
 * The page's JSON lists every initiative (year, harms incl. broader ones, priorities); each node and edge lists
 * the initiatives behind it. A node shows when its agency type is chosen and it takes part in at least one
 * initiative that passes the filters; an edge shows when both ends show and they share such an initiative,
 * and its width becomes the number of those shared initiatives. Nodes are hidden, never removed or moved. */
(function () {
  "use strict";

  function start() {
    var entry = window.cspgraph && window.cspgraph.networks["network"];
    var form = document.getElementById("network-filters");
    if (!entry || !form) return;
    var inits = entry.data.initiatives || [];
    var status = document.getElementById("network-status");
    var allNodes = entry.nodes.get();
    var allEdges = entry.edges.get();

    function value(name) {
      var el = form.elements[name];
      return el ? el.value : "";
    }

    function apply() {
      var year = value("year"), harm = value("harm"), priority = value("priority"), type = value("type");
      var any = year || harm || priority;
      var pass = inits.map(function (i) {
        return (!year || i.year === year) &&
          (!harm || i.harms.indexOf(harm) >= 0) &&
          (!priority || i.priorities.indexOf(priority) >= 0);
      });
      function count(list) {
        var n = 0;
        for (var k = 0; k < list.length; k++) if (pass[list[k]]) n++;
        return n;
      }
      var shown = {}, nodeUpdates = [], edgeUpdates = [], nShown = 0, eShown = 0, ids = [];
      allNodes.forEach(function (node) {
        var visible = (!type || node.agencyType === type) && (!any || count(node.inits || []) > 0);
        shown[node.id] = visible;
        if (visible) { nShown++; ids.push(node.id); }
        nodeUpdates.push({ id: node.id, hidden: !visible });
      });
      allEdges.forEach(function (edge) {
        var n = any ? count(edge.inits || []) : (edge.inits || []).length;
        var visible = shown[edge.from] && shown[edge.to] && n > 0;
        if (visible) eShown++;
        edgeUpdates.push({ id: edge.id, hidden: !visible, value: Math.max(n, 1) });
      });
      entry.nodes.update(nodeUpdates);
      entry.edges.update(edgeUpdates);
      // zoom to what is left, so a filter that keeps five organisations shows them large enough to read
      if (ids.length) entry.network.fit({ nodes: ids, animation: false });
      if (status) {
        status.textContent = "Showing " + nShown + " of " + allNodes.length + " organisations and " +
          eShown + " of " + allEdges.length + " links.";
      }
      form.setAttribute("data-visible-nodes", String(nShown));
    }

    form.addEventListener("change", apply);
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
    apply();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
