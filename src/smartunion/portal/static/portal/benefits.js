/* 惠工活动 pages: a survey's skip logic (a question asked only when an earlier answer is one of its values: hidden
   and left unanswered otherwise; the server applies the same rule) and a vote's maximum number of choices (the
   boxes beyond it are disabled). Without JavaScript every question shows with its condition in words. */
(function () {
  "use strict";

  function answersOf(form, position) {
    var values = [];
    form.querySelectorAll("[name='q" + position + "']").forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value.trim()) {
        values.push(input.value.trim());
      }
    });
    return values;
  }

  function applySkips(form) {
    form.querySelectorAll("fieldset[data-show-if-position]").forEach(function (question) {
      var wanted = question.getAttribute("data-show-if-values").split("|");
      var earlier = form.querySelector("fieldset[data-position='" + question.getAttribute("data-show-if-position") + "']");
      var given = earlier && !earlier.hidden ? answersOf(form, question.getAttribute("data-show-if-position")) : [];
      var shown = given.some(function (value) { return wanted.indexOf(value) !== -1; });
      question.hidden = !shown;
      question.querySelectorAll("input, textarea, select").forEach(function (input) { input.disabled = !shown; });
    });
  }

  document.querySelectorAll("form.survey-form").forEach(function (form) {
    form.querySelectorAll(".condition").forEach(function (note) { note.hidden = true; });
    applySkips(form);
    form.addEventListener("change", function () { applySkips(form); });
    form.addEventListener("input", function () { applySkips(form); });
  });

  document.querySelectorAll("form.vote-form").forEach(function (form) {
    var max = parseInt(form.getAttribute("data-max-choices"), 10) || 1;
    var boxes = form.querySelectorAll("input[type='checkbox'][name='option']");
    if (!boxes.length) {
      return;
    }
    function limit() {
      var checked = form.querySelectorAll("input[type='checkbox'][name='option']:checked").length;
      boxes.forEach(function (box) { box.disabled = !box.checked && checked >= max; });
    }
    form.addEventListener("change", limit);
    limit();
  });
}());
