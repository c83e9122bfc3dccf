// The big screen (大屏) reloads itself every data-refresh seconds (on the body), so a wall display stays current
// without anyone touching it; a failed reload (network down) is retried at the next interval by the browser.
(function () {
  var seconds = parseInt(document.body.dataset.refresh, 10);
  if (!seconds || seconds < 5) return;
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
