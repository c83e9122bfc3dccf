// A long select (a province's cadres, the unions near a case) marked data-searchable gets a search box above it:
// typing keeps the options whose text holds every typed word (name, account, union), the rest are hidden; the
// first match is chosen when the current choice is hidden, so the form never posts an option the cadre cannot see,
// and a single match is chosen when nothing was.
(function () {
  function filter(select, box, empty) {
    var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    var first = null;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return;  // the "---------" prompt stays
      var text = option.textContent.toLowerCase();
      var match = words.every(function (w) { return text.indexOf(w) !== -1; });
      option.hidden = !match;
      option.disabled = !match;
      if (match) { shown += 1; if (!first) first = option; }
    });
    var current = select.selectedOptions[0];
    if (current && current.hidden) select.value = first ? first.value : "";
    else if (!select.value && shown === 1) select.value = first.value;  // the one match: chosen
    empty.hidden = shown > 0;
  }
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.placeholder = select.dataset.searchable || "输入名称筛选";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("autocomplete", "off");
    var empty = document.createElement("p");
    empty.textContent = "没有符合的选项";
    empty.hidden = true;
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(empty, select.nextSibling);
    box.addEventListener("input", function () { filter(select, box, empty); });
    box.addEventListener("keydown", function (event) { if (event.key === "Enter") event.preventDefault(); });
  });
})();
