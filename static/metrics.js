// Metrics pages: draws each chart from the JSON in its canvas's data-chart attribute
// (the same rows as the table beside it), offers the chart as a PNG download, and
// prints the page as a report. No data is fetched: the page carries its own figures.
(function () {
  "use strict";

  var COLOURS = ["#1f5f8b", "#c05a00", "#3b7d3b", "#7a3e9d", "#8a6d00"];

  function draw(canvas) {
    var spec;
    try {
      spec = JSON.parse(canvas.getAttribute("data-chart"));
    } catch (e) {
      return;
    }
    if (typeof window.Chart === "undefined" || !spec) {
      return;
    }
    var datasets = spec.datasets.map(function (d, i) {
      var colour = COLOURS[i % COLOURS.length];
      return {
        label: d.label,
        data: d.data,
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: 2,
        spanGaps: false
      };
    });
    var percent = !!spec.percent;
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: {
            beginAtZero: true,
            ticks: percent ? { callback: function (v) { return Math.round(v * 100) + " %"; } } : {}
          }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function download(button) {
    var canvas = document.getElementById(button.getAttribute("data-download-chart"));
    if (!canvas || !canvas.toDataURL) {
      return;
    }
    var link = document.createElement("a");
    link.href = canvas.toDataURL("image/png");
    link.download = button.getAttribute("data-filename") || "chart.png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
    document.querySelectorAll("[data-download-chart]").forEach(function (b) {
      b.addEventListener("click", function () { download(b); });
    });
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
})();
