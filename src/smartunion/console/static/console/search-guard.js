/* The Person and Membership lists' search box: a full ID number or mobile number is personal data, and a list's
 * search is a GET (?q=...), which would put it in the URL, the web server's access logs and the browser history.
 * Such a term is sent by POST to 查找人员 instead (the URL is this script's data-people-search), which finds the
 * same people, shows them masked and never echoes the number. Any other term (a name, a card number) searches the
 * list as before. Without this script the server turns such a GET away with a message (console/admin/members.py).
 * No inline script, no eval: loaded from the console's own static files through the list's Media. */
(function () {
  "use strict";

  var script = document.currentScript;
  var target = script && script.dataset.peopleSearch;
  if (!target) return;

  // The server's reading (members.search.parse_term): full-width forms and spaces allowed.
  function halfWidth(text) {
    return text.replace(/[\uFF01-\uFF5E]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }).replace(/\u3000/g, " ");
  }

  function isIdNumber(text) {
    return /^\d{17}[\dXx]$/.test(halfWidth(text).replace(/\s+/g, ""));
  }

  function isMobile(text) {
    var digits = halfWidth(text).replace(/[\s-]+/g, "");
    if (digits.indexOf("+86") === 0) digits = digits.slice(3);
    else if (digits.indexOf("86") === 0 && digits.length === 13) digits = digits.slice(2);
    return /^1[3-9]\d{9}$/.test(digits);
  }

  function csrfToken() {
    var field = document.querySelector("input[name='csrfmiddlewaretoken']");
    if (field && field.value) return field.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function hiddenInput(form, name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }

  function guard(form) {
    form.addEventListener("submit", function (event) {
      var box = form.querySelector("input[name='q']");
      var term = box ? box.value : "";
      if (!(isIdNumber(term) || isMobile(term))) return;  // a name or a card number: the list's own search
      var token = csrfToken();
      if (!token) return;  // the server turns the GET away with its message
      event.preventDefault();
      var post = document.createElement("form");
      post.method = "post";
      post.action = target;
      post.hidden = true;
      hiddenInput(post, "csrfmiddlewaretoken", token);
      hiddenInput(post, "q", term);
      document.body.appendChild(post);
      box.value = "";  // not kept in this page (the back button's copy) either
      post.submit();
    });
  }

  function start() {
    var form = document.getElementById("changelist-search");
    if (form) guard(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
