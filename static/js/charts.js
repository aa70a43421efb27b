/* Draws every <figure class="chart"> of the page with Chart.js (static/vendor/chart.js).
 *
 * The page carries each chart's data as JSON in a <script type="application/json"> inside
 * the figure (app/templates/_macros/charts.html); the table beside it is the accessible
 * fallback and the view without JavaScript, so this script only adds the picture.
 * A <details data-chart-table open> holding the table right after a drawn chart is folded.
 * Spec: {type: "bar"|"line", labels: [...], series: [{label, values, kind?}],
 *        percent: bool, stacked: bool, x_title, y_title, marker: {index, label}}
 */
(function () {
  "use strict";
  var PALETTE = ["#2f6fdb", "#e0832a", "#2a9d6f", "#b0417f", "#6d5fd3", "#8a8f98"];

  // The page's theme (static/css/tribune.css, light or dark with the system setting):
  // text, grid lines and the marker read its custom properties, so the canvas follows it.
  function themeColour(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  // A vertical line at one label (the ambassador cutoff on a score distribution).
  var markerPlugin = {
    id: "tribuneMarker",
    afterDatasetsDraw: function (chart, args, options) {
      if (!options || options.index === undefined || options.index === null) return;
      var x = chart.scales.x.getPixelForValue(options.index);
      var area = chart.chartArea;
      var ctx = chart.ctx;
      ctx.save();
      var markerColour = themeColour("--chart-marker", "#c0392b");
      ctx.strokeStyle = markerColour;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(x, area.top);
      ctx.lineTo(x, area.bottom);
      ctx.stroke();
      if (options.label) {
        ctx.setLineDash([]);
        ctx.fillStyle = markerColour;
        ctx.font = "12px system-ui, sans-serif";
        ctx.textAlign = x > (area.left + area.right) / 2 ? "right" : "left";
        ctx.fillText(options.label, x + (ctx.textAlign === "right" ? -6 : 6), area.top + 12);
      }
      ctx.restore();
    }
  };

  function draw(figure) {
    var data = figure.querySelector('script[type="application/json"]');
    var canvas = figure.querySelector("canvas");
    if (!data || !canvas || figure.dataset.drawn) return;
    var spec = JSON.parse(data.textContent);
    var percent = !!spec.percent;
    // Counts get whole-number ticks (no "0.2 members"); durations and shares keep decimals.
    var whole = spec.series.every(function (series) {
      return series.values.every(function (value) { return value === null || Number.isInteger(value); });
    });
    var datasets = spec.series.map(function (series, i) {
      var colour = PALETTE[i % PALETTE.length];
      return {
        type: series.kind || spec.type,
        label: series.label,
        data: series.values,
        backgroundColor: (series.kind || spec.type) === "line" ? colour + "33" : colour,
        borderColor: colour,
        borderWidth: 2,
        pointRadius: spec.labels.length > 40 ? 0 : 3,
        tension: 0.2,
        fill: !!series.fill
      };
    });
    var tick = function (value) { return percent ? value + " %" : value; };
    canvas.hidden = false;
    figure.dataset.drawn = "1";
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      plugins: [markerPlugin],
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: spec.series.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.parsed.y;
                return item.dataset.label + ": " + (value === null ? "—" : tick(value));
              }
            }
          },
          tribuneMarker: spec.marker || {}
        },
        scales: {
          x: {
            stacked: !!spec.stacked,
            title: { display: !!spec.x_title, text: spec.x_title || "" },
            ticks: { maxRotation: 0, autoSkip: true }
          },
          y: {
            stacked: !!spec.stacked,
            beginAtZero: true,
            max: percent && spec.stacked ? 100 : undefined,
            title: { display: !!spec.y_title, text: spec.y_title || "" },
            ticks: { callback: tick, precision: whole ? 0 : undefined }
          }
        }
      }
    });
  }

  // A table marked data-chart-table after drawn charts folds away (open without
  // JavaScript, and for whoever unfolds it): long pages of charts stay readable.
  function fold(details) {
    var before = details.previousElementSibling;
    var drawn = "figure.chart[data-drawn]";
    if (before && (before.matches(drawn) || before.querySelector(drawn))) details.open = false;
  }

  function drawAll() {
    if (!window.Chart) return;
    window.Chart.defaults.color = themeColour("--muted", "#5b6475");
    window.Chart.defaults.borderColor = themeColour("--chart-grid", "rgba(0, 0, 0, .1)");
    Array.prototype.forEach.call(document.querySelectorAll("figure.chart"), draw);
    Array.prototype.forEach.call(document.querySelectorAll("details[data-chart-table]"), fold);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
