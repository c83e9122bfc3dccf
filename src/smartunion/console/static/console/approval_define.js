// 审批表单 definition page: "添加一行" appends a blank row to the fields or steps table from the formset's empty
// form (its <template>), numbering it and raising the formset's TOTAL_FORMS.
document.querySelectorAll("[data-add-row]").forEach(function (button) {
  button.addEventListener("click", function () {
    var table = document.getElementById(button.dataset.addRow);
    var prefix = table.dataset.prefix;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    var count = parseInt(total.value, 10);
    if (max && count >= parseInt(max.value, 10)) {
      button.disabled = true;
      return;
    }
    var html = table.querySelector("template").innerHTML.replace(/__prefix__/g, String(count));
    table.querySelector("tbody").insertAdjacentHTML("beforeend", html);
    total.value = String(count + 1);
  });
});
