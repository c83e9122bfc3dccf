// 新建惠工活动: show the fields of the chosen kind only (a field's data-kinds lists its kinds; none = every kind).
// Without JavaScript every field shows, each labelled with its kind.
(function () {
  var kind = document.getElementById("id_kind");
  if (!kind) return;
  function apply() {
    document.querySelectorAll(".activity-field[data-kinds]").forEach(function (row) {
      var kinds = row.dataset.kinds;
      row.hidden = kinds !== "" && kinds.split(" ").indexOf(kind.value) < 0;
    });
  }
  kind.addEventListener("change", apply);
  apply();
})();
