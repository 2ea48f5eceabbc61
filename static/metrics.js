// Metrics pages: draws each chart from the JSON in its canvas's data-chart attribute
// (the same rows as the table beside it), offers the chart as a PNG download, and
// prints the page as a report. No data is fetched: the page carries its own figures.
(function () {
  "use strict";

  var COLOURS = ["#1f5f8b", "#c05a00", "#3b7d3b", "#7a3e9d", "#8a6d00"];
  // Figures, months and percentages in the page's language (bokmål: 1 055, jan. 2026, 38 %).
  var LANG = document.documentElement.lang || "nb";
  var MONTH = /^(\d{4})-(\d{2})$/;

  function label(text) {
    var m = MONTH.exec(text);
    if (!m) {
      return text;
    }
    var day = new Date(Date.UTC(+m[1], +m[2] - 1, 1));
    return new Intl.DateTimeFormat(LANG, { month: "short", year: "numeric", timeZone: "UTC" }).format(day);
  }

  function percentTick(v) {
    return new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 0 }).format(v);
  }

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
      data: { labels: spec.labels.map(label), datasets: datasets },
      options: {
        locale: LANG,
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: {
            beginAtZero: true,
            ticks: percent ? { callback: percentTick } : {}
          }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  // The chart as a picture to hand on: on white, with its title and, below it, the
  // figures' unit, the unit and the period (the canvas's data-title and data-subtitle).
  function picture(canvas) {
    var scale = canvas.width / (canvas.clientWidth || canvas.width);
    var pad = Math.round(12 * scale);
    var titleSize = Math.round(16 * scale);
    var subSize = Math.round(12 * scale);
    var head = pad + titleSize + Math.round(6 * scale) + subSize + pad;
    var out = document.createElement("canvas");
    out.width = canvas.width;
    out.height = canvas.height + head;
    var ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = "#1a1a1a";
    ctx.textBaseline = "top";
    ctx.font = "bold " + titleSize + "px sans-serif";
    ctx.fillText(canvas.getAttribute("data-title") || "", pad, pad);
    ctx.fillStyle = "#444444";
    ctx.font = subSize + "px sans-serif";
    ctx.fillText(canvas.getAttribute("data-subtitle") || "", pad, pad + titleSize + Math.round(6 * scale));
    ctx.drawImage(canvas, 0, head);
    return out;
  }

  function download(button) {
    var canvas = document.getElementById(button.getAttribute("data-download-chart"));
    if (!canvas || !canvas.toDataURL) {
      return;
    }
    var link = document.createElement("a");
    link.href = picture(canvas).toDataURL("image/png");
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
