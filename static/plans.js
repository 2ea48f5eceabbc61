// Plan page: draws the staffing chart from the JSON in its canvas's data-chart attribute
// (the same figures as the table below it). No data is fetched.
(function () {
  "use strict";

  var COLOURS = ["#1f5f8b", "#c05a00", "#3b7d3b", "#7a3e9d"];

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
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d, i) {
          var colour = COLOURS[i % COLOURS.length];
          return { label: d.label, data: d.data, backgroundColor: colour, borderColor: colour, borderWidth: 2 };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
