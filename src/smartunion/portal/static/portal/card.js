/* E-member card: fetch a freshly signed QR every minute and swap it in; grey out a QR that has expired. Offline (the
   service worker shows the card page it kept), say that the QR needs the network for a fresh token. */
(function () {
  "use strict";

  var box = document.getElementById("card-qr");
  if (!box || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = box.getAttribute("data-refresh-url");
  var seconds = parseInt(box.getAttribute("data-interval"), 10) || 60;
  var expiresAt = Date.parse(box.getAttribute("data-expires-at") || "") || 0;
  var expiryLabel = document.getElementById("card-qr-expiry");
  var errorLine = document.getElementById("card-qr-error");
  var offlineLine = document.getElementById("card-qr-offline");
  var stopped = false;
  var busy = false;
  var refreshTimer = null;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function showError(text) {
    if (!errorLine) {
      return;
    }
    errorLine.textContent = text || "";
    errorLine.hidden = !text;
  }

  function showOffline(offline) {
    if (offlineLine) {
      offlineLine.hidden = !offline;
    }
    box.classList.toggle("offline", offline);
  }

  function markStale() {
    box.classList.toggle("stale", expiresAt > 0 && Date.now() >= expiresAt);
  }

  function showExpiry(iso) {
    expiresAt = Date.parse(iso) || 0;
    if (expiryLabel && expiresAt) {
      var d = new Date(expiresAt);
      expiryLabel.setAttribute("datetime", iso);
      expiryLabel.textContent = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    }
    markStale();
  }

  function swap(svgText) {
    var doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
    var svg = doc.documentElement;
    if (!svg || svg.nodeName.toLowerCase() !== "svg" || doc.getElementsByTagName("parsererror").length) {
      throw new Error("bad svg");
    }
    var node = document.importNode(svg, true);
    while (box.firstChild) {
      box.removeChild(box.firstChild);
    }
    box.appendChild(node);
  }

  function stop(message) {
    stopped = true;
    if (refreshTimer) {
      window.clearInterval(refreshTimer);
    }
    showError(message);
  }

  function refresh() {
    if (stopped || busy) {
      return;
    }
    busy = true;
    window.fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, status: response.status, data: data || {} };
        });
      })
      .then(function (result) {
        if (!result.ok) {
          if (result.status === 401 || result.status === 404 || result.status === 409) {
            stop(result.data.message || "无法刷新二维码");
          } else {
            showError(result.data.message || "二维码刷新失败，稍后将自动重试");
          }
          return;
        }
        swap(result.data.svg);
        showExpiry(result.data.expires_at);
        showError("");
        showOffline(false);
      })
      .catch(function () {
        if (navigator.onLine === false) {
          showOffline(true);
          showError("");
        } else {
          showError("二维码刷新失败，请检查网络，稍后将自动重试");
        }
      })
      .then(function () {
        busy = false;
      });
  }

  refreshTimer = window.setInterval(refresh, seconds * 1000);
  window.setInterval(markStale, 5000);
  // Timers sleep in background tabs: fetch a new QR as soon as the page is shown again.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      refresh();
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      refresh();
    }
  });
  window.addEventListener("offline", function () {
    showOffline(true);
  });
  window.addEventListener("online", function () {
    showOffline(false);
    refresh();
  });
  markStale();
  if (navigator.onLine === false) {
    showOffline(true);
  } else if (expiresAt > 0 && Date.now() >= expiresAt) {
    refresh();  // a kept copy of the page: its QR has expired, fetch a fresh one at once
  }
})();
