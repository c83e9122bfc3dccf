/* The console's org tree panel: expand a node to load its children from the tree endpoint (JSON), on demand.
 *
 * The page draws the scope's roots (and the children of a single root); each node links to the list of its
 * children, so the panel works without JavaScript. This script shows the expand buttons, loads a level when it is
 * first opened, and opens the chain down to the node whose children are listed (data-open). No inline script, no
 * eval: the console's Content-Security-Policy holds.
 */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function buildNode(panel, item) {
    var li = el("li", "su-tree-node");
    li.setAttribute("role", "treeitem");
    li.dataset.id = String(item.id);
    li.dataset.hasChildren = item.has_children ? "1" : "0";
    if (String(item.id) === panel.dataset.selected) li.classList.add("is-selected");
    var row = el("div", "su-tree-row");
    if (item.has_children) {
      li.setAttribute("aria-expanded", "false");
      var toggle = el("button", "su-tree-toggle");
      toggle.type = "button";
      toggle.setAttribute("aria-label", "展开或收起“" + item.name + "”");
      row.appendChild(toggle);
    } else {
      var leaf = el("span", "su-tree-leaf");
      leaf.setAttribute("aria-hidden", "true");
      row.appendChild(leaf);
    }
    var label = el("a", "su-tree-label", item.name);
    label.href = item.list_url;
    label.title = item.kind + (item.status ? "（" + item.status + "）" : "");
    row.appendChild(label);
    var count = el("span", "su-tree-count", String(item.members));
    count.title = "下辖会员";
    row.appendChild(count);
    li.appendChild(row);
    return li;
  }

  function fetchChildren(panel, id, offset) {
    var url = panel.dataset.endpoint + encodeURIComponent(id) + "/" + (offset ? "?offset=" + offset : "");
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function appendPage(panel, li, group, data) {
    data.items.forEach(function (item) { group.appendChild(buildNode(panel, item)); });
    if (data.more) {
      var moreItem = el("li", "su-tree-more");
      var more = el("button", "su-tree-more-button", "更多下级…");
      more.type = "button";
      more.addEventListener("click", function () {
        more.disabled = true;
        fetchChildren(panel, li.dataset.id, data.next_offset).then(function (next) {
          moreItem.remove();
          appendPage(panel, li, group, next);
        }, function () { more.disabled = false; });
      });
      moreItem.appendChild(more);
      group.appendChild(moreItem);
    }
  }

  /* Open a node; its children are loaded the first time. Resolves when they are shown. */
  function expand(panel, li) {
    var group = li.querySelector(":scope > ul");
    if (group) {
      group.hidden = false;
      li.setAttribute("aria-expanded", "true");
      return Promise.resolve();
    }
    if (li.dataset.loading) return li.loading;
    li.dataset.loading = "1";
    li.classList.add("is-loading");
    li.loading = fetchChildren(panel, li.dataset.id, 0).then(function (data) {
      group = el("ul");
      group.setAttribute("role", "group");
      appendPage(panel, li, group, data);
      li.appendChild(group);
      li.setAttribute("aria-expanded", "true");
    }, function () {
      var error = el("div", "su-tree-error", "加载失败，请重试");
      li.appendChild(error);
      window.setTimeout(function () { error.remove(); }, 4000);
    }).then(function () {
      delete li.dataset.loading;
      li.classList.remove("is-loading");
    });
    return li.loading;
  }

  function collapse(li) {
    var group = li.querySelector(":scope > ul");
    if (group) group.hidden = true;
    li.setAttribute("aria-expanded", "false");
  }

  function openChain(panel, ids) {
    var step = Promise.resolve();
    ids.forEach(function (id) {
      step = step.then(function () {
        var li = panel.querySelector('li[data-id="' + id + '"]');
        if (li && li.dataset.hasChildren === "1") return expand(panel, li);
        return undefined;
      });
    });
    return step.then(function () {
      var selected = panel.querySelector("li.is-selected > .su-tree-row");
      if (selected && selected.scrollIntoView) selected.scrollIntoView({block: "nearest"});
      panel.dataset.ready = "1";
    });
  }

  function init(panel) {
    panel.querySelectorAll(".su-tree-toggle").forEach(function (button) { button.hidden = false; });
    panel.addEventListener("click", function (event) {
      var toggle = event.target.closest(".su-tree-toggle");
      if (!toggle || !panel.contains(toggle)) return;
      var li = toggle.closest("li.su-tree-node");
      if (li.getAttribute("aria-expanded") === "true") collapse(li);
      else expand(panel, li);
    });
    var ids = (panel.dataset.open || "").split(",").filter(Boolean);
    openChain(panel, ids);
  }

  function start() {
    document.querySelectorAll(".su-tree-panel[data-endpoint]").forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
