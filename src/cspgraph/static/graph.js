/* Draws every <div class="graph" data-graph="ID"> from the JSON in <script type="application/json" id="ID">.
 * Offline and safe with plan text: data is parsed with JSON.parse (never evaluated), tooltips are plain strings
 * (vis-network sets them with innerText), the info panel is filled with textContent, and a node's link is only
 * followed when it is one of our own relative page paths. */
(function () {
  "use strict";
  var registry = (window.cspgraph = window.cspgraph || { networks: {} });
  var PAGE = /^(\.\.\/)*[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*\.html$/;

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function showInfo(panel, node) {
    if (!panel) return;
    while (panel.firstChild) panel.removeChild(panel.firstChild);
    if (!node) {
      panel.textContent = "Select a node to see what it is; double-click to open its page. " +
        "Click the picture to zoom it with the wheel.";
      return;
    }
    var text = document.createElement("p");
    text.className = "graph-info-text";
    text.textContent = node.title || node.label || "";
    panel.appendChild(text);
    if (node.url && PAGE.test(node.url)) {
      var link = document.createElement("a");
      link.setAttribute("href", node.url);
      link.textContent = "Open the page for " + (node.label || "this node");
      panel.appendChild(link);
    }
  }

  function draw(container) {
    var id = container.getAttribute("data-graph");
    var data = readJSON(id);
    if (!data) return;
    var nodes = new vis.DataSet(data.nodes);
    var edges = new vis.DataSet(data.edges);
    var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
    // the picture is an image to assistive technology (role="img", with the same facts as a table beside it):
    // vis-network's focusable canvas inside it took a Tab stop that did nothing (keyboard is off)
    var focusable = container.querySelectorAll("[tabindex]");
    for (var f = 0; f < focusable.length; f++) focusable[f].setAttribute("tabindex", "-1");
    var entry = { network: network, nodes: nodes, edges: edges, data: data, ready: false };
    registry.networks[container.id || id] = entry;
    var panel = document.getElementById(container.getAttribute("data-info") || "");
    showInfo(panel, null);

    // the wheel scrolls the page until the picture is clicked, and again once the pointer leaves it: vis-network
    // takes every wheel event over its canvas, so a reader scrolling down to the table below zoomed the picture
    function zoomable(on) {
      network.setOptions({ interaction: { zoomView: on } });
      container.setAttribute("data-zoom", on ? "on" : "off");
    }
    zoomable(false);
    network.on("click", function () {
      zoomable(true);
    });
    container.addEventListener("mouseleave", function () {
      zoomable(false);
    });

    function ready() {
      if (entry.ready) return;
      entry.ready = true;
      // the layout was precomputed; once settled, nodes stay where they are (filters must not reshuffle them)
      network.setOptions({ physics: false });
      container.setAttribute("data-ready", "true");
      container.dispatchEvent(new CustomEvent("graph-ready", { bubbles: true }));
    }
    if (data.options.physics && data.options.physics.enabled) {
      network.once("stabilizationIterationsDone", ready);
    } else {
      network.once("afterDrawing", ready);
    }
    network.on("selectNode", function (params) {
      showInfo(panel, nodes.get(params.nodes[0]));
    });
    network.on("deselectNode", function () {
      showInfo(panel, null);
    });
    network.on("doubleClick", function (params) {
      if (!params.nodes.length) return;
      var node = nodes.get(params.nodes[0]);
      if (node && node.url && PAGE.test(node.url)) window.location.href = node.url;
    });
  }

  function start() {
    var containers = document.querySelectorAll("div.graph[data-graph]");
    for (var i = 0; i < containers.length; i++) draw(containers[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
