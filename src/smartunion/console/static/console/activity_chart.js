// Results charts on the console's activity page: a horizontal bar per option, from the canvas's data-chart JSON
// ({labels, values}); Chart.js comes with the console theme (no CDN).
(function () {
  var canvas = document.getElementById("results-chart");
  if (!canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(canvas.dataset.chart);
  new Chart(canvas, {
    type: "bar",
    data: {labels: data.labels, datasets: [{label: "票数", data: data.values, backgroundColor: "#c0392b"}]},
    options: {indexAxis: "y", plugins: {legend: {display: false}}, scales: {x: {beginAtZero: true, ticks: {precision: 0}}}},
  });
})();
