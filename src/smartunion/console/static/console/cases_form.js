// 12351热线登记: the sub-category select shows only the group of the chosen category (each group is an <optgroup>
// labelled with its category's name; data-category-groups maps the category codes to those labels).
(function () {
  document.querySelectorAll("select[data-case-subcategory]").forEach(function (sub) {
    var form = sub.form;
    var category = form && form.querySelector("select[data-case-category]");
    if (!category) return;
    var groups = JSON.parse(sub.dataset.categoryGroups || "{}");
    function show() {
      var label = groups[category.value];
      sub.querySelectorAll("optgroup").forEach(function (group) {
        var match = group.label === label;
        group.hidden = !match;
        group.disabled = !match;
        if (!match && group.contains(sub.selectedOptions[0])) sub.value = "";
      });
    }
    category.addEventListener("change", show);
    show();
  });
})();
