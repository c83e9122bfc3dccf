/* core.widgets.RegionCascaderWidget: a region code picked as province → city → county → township.
 *
 * The form's field is the code input inside .su-cascader. This script turns it into a hidden input and draws one
 * select per level, each filled on demand from the region endpoints (data-children-url: ?parent=<code>;
 * data-path-url: ?code=<code> for the chain above a stored value). Choosing a level sets the code to it and offers
 * the next; clearing a level falls back to the level above. When a value cannot be shown as selects (unknown code,
 * endpoint unreachable) the plain code input stays, with its hint. No inline script, no eval, no CDN.
 */
(function () {
  "use strict";

  var ORDER = ["province", "city", "county", "township"];
  var PLACEHOLDERS = {province: "省（自治区、直辖市）", city: "市（地区、州）", county: "区（县）", township: "乡镇（街道）"};
  var cache = {};

  function getJSON(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      });
      cache[url].catch(function () { delete cache[url]; });
    }
    return cache[url];
  }

  function childrenOf(box, parent) {
    return getJSON(box.dataset.childrenUrl + "?parent=" + encodeURIComponent(parent || "")).then(function (data) {
      return data.items;
    });
  }

  function Cascader(box) {
    this.box = box;
    this.input = box.querySelector("input");
    this.hint = box.querySelector(".su-cascader-hint");
    this.holder = box.querySelector(".su-cascader-selects");
    this.deepest = ORDER.indexOf(box.dataset.deepest || "township");
    this.root = box.dataset.root || "";
    this.selects = [];
  }

  Cascader.prototype.setValue = function (code) {
    if (this.input.value === code) return;
    this.input.value = code;
    this.input.dispatchEvent(new Event("change", {bubbles: true}));
  };

  /* A select listing `items` at position `depth`, with `selected` chosen. */
  Cascader.prototype.addSelect = function (items, selected, depth) {
    var self = this;
    var select = document.createElement("select");
    if (this.box.dataset.selectClass) select.className = this.box.dataset.selectClass;
    var level = items.length ? items[0].level : ORDER[Math.min(depth, ORDER.length - 1)];
    var label = PLACEHOLDERS[level] || "请选择";
    select.setAttribute("aria-label", label);
    select.dataset.level = level;
    select.disabled = this.input.disabled;
    var empty = document.createElement("option");
    empty.value = "";
    empty.textContent = "请选择" + label;
    select.appendChild(empty);
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.code;
      option.textContent = item.name;
      option.dataset.hasChildren = item.has_children ? "1" : "0";
      option.dataset.level = item.level;
      if (item.code === selected) option.selected = true;
      select.appendChild(option);
    });
    select.addEventListener("change", function () { self.changed(select); });
    var wrap = document.createElement("span");  // draws the drop-down arrow (the theme's selects have none)
    wrap.className = "su-cascader-level";
    wrap.appendChild(select);
    this.holder.appendChild(wrap);
    this.selects.push(select);
    return select;
  };

  Cascader.prototype.truncate = function (count) {
    while (this.selects.length > count) this.selects.pop().parentNode.remove();
  };

  /* Offer the next level below the option chosen in `select`, when there is one and it is not too deep. */
  Cascader.prototype.offerBelow = function (select) {
    var self = this;
    var option = select.options[select.selectedIndex];
    if (!option || !option.value || option.dataset.hasChildren !== "1") return Promise.resolve();
    if (ORDER.indexOf(option.dataset.level) >= this.deepest) return Promise.resolve();
    var depth = this.selects.indexOf(select) + 1;
    return childrenOf(this.box, option.value).then(function (items) {
      if (self.selects.length !== depth || select.value !== option.value) return;  // changed meanwhile
      if (items.length) self.addSelect(items, "", depth);
    });
  };

  Cascader.prototype.changed = function (select) {
    var depth = this.selects.indexOf(select);
    this.truncate(depth + 1);
    var code = select.value || (depth > 0 ? this.selects[depth - 1].value : "");
    this.setValue(code);
    this.offerBelow(select);
  };

  Cascader.prototype.showSelects = function () {
    this.input.type = "hidden";
    if (this.hint) this.hint.hidden = true;
    this.holder.hidden = false;
    this.box.dataset.ready = "1";
  };

  Cascader.prototype.start = function () {
    var self = this;
    var value = (this.input.value || "").trim();
    if (!value) {
      return childrenOf(this.box, this.root).then(function (items) {
        self.addSelect(items, "", 0);
        self.showSelects();
      }, function () { self.box.dataset.ready = "0"; });
    }
    return getJSON(this.box.dataset.pathUrl + "?code=" + encodeURIComponent(value)).then(function (data) {
      var chain = data.chain.map(function (item) { return item.code; });
      if (!chain.length || chain[chain.length - 1] !== value) throw new Error("unknown region");
      if (self.root) {
        var at = chain.indexOf(self.root);
        if (at < 0) throw new Error("outside the root");
        chain = chain.slice(at + 1);
      }
      var parents = [self.root].concat(chain.slice(0, -1));
      return Promise.all(parents.map(function (parent) { return childrenOf(self.box, parent); })).then(function (lists) {
        lists.forEach(function (items, depth) { self.addSelect(items, chain[depth], depth); });
        self.showSelects();
        if (self.selects.length) return self.offerBelow(self.selects[self.selects.length - 1]);
        return undefined;
      });
    }).catch(function () {
      self.truncate(0);
      self.box.dataset.ready = "0";  // the plain code input stays, with its hint
    });
  };

  function start() {
    document.querySelectorAll(".su-cascader[data-children-url]").forEach(function (box) {
      if (box.dataset.started) return;
      box.dataset.started = "1";
      new Cascader(box).start();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
