/* The portal on every page: registers the service worker (/sw.js, installable and usable on a weak signal),
   drives the inline 获取验证码 buttons: ask /sms-code/ for a code with the phone already typed in the form, show the
   answer next to the field, count down until another code may be asked; and asks before a form with data-confirm
   is sent (cancelling a booking, withdrawing an application). No inline script: loaded with defer. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }

  function countdown(button, seconds) {
    var left = seconds;
    button.disabled = true;
    button.classList.add("counting");
    function tick() {
      if (left <= 0) {
        button.disabled = false;
        button.classList.remove("counting");
        button.textContent = "重新获取";
        return;
      }
      button.textContent = left + "秒后重新获取";
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function status(form, text, ok) {
    var line = form.querySelector(".sms-status");
    if (!line) {
      return;
    }
    line.textContent = text || "";
    line.hidden = !text;
    line.classList.toggle("error", !ok);
    line.classList.toggle("ok", !!ok);
  }

  function showCaptcha(form, button, captcha) {
    var row = form.querySelector(".captcha-row");
    if (!captcha) {
      return;
    }
    if (!row) {
      row = document.createElement("div");
      row.className = "captcha-row";
      var key = document.createElement("input");
      key.type = "hidden";
      key.name = "captcha_key";
      var label = document.createElement("label");
      label.htmlFor = "code-captcha";
      label.textContent = "图形验证码";
      var line = document.createElement("div");
      line.className = "inline-row";
      var input = document.createElement("input");
      input.id = "code-captcha";
      input.name = "captcha_value";
      input.autocomplete = "off";
      var image = document.createElement("img");
      image.className = "captcha";
      image.alt = "图形验证码";
      image.width = 120;
      image.height = 40;
      line.appendChild(input);
      line.appendChild(image);
      row.appendChild(key);
      row.appendChild(label);
      row.appendChild(line);
      var codeLabel = button.closest(".inline-row").previousElementSibling;
      form.insertBefore(row, codeLabel);
    }
    row.querySelector("input[name=captcha_key]").value = captcha.key;
    row.querySelector("img.captcha").src = captcha.image_url;
    row.querySelector("input[name=captcha_value]").value = "";
  }

  function ask(button) {
    var form = button.form;
    var phoneName = button.getAttribute("data-phone") || "phone";
    var phone = form.elements[phoneName];
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    body.append("purpose", button.getAttribute("data-purpose"));
    body.append("phone", phone ? phone.value : "");
    ["captcha_key", "captcha_value"].forEach(function (name) {
      if (form.elements[name]) {
        body.append(name, form.elements[name].value);
      }
    });
    if (phone && !phone.value.trim()) {
      status(form, phoneName === "login" ? "请先填写用户名或手机号码" : "请先填写手机号码", false);
      phone.focus();
      return;
    }
    button.disabled = true;
    window.fetch(button.getAttribute("data-sms-code"), {
      method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      status(form, data.message, data.sent);
      showCaptcha(form, button, data.captcha);
      if (data.sent) {
        countdown(button, data.resend_after || 60);
        var code = form.querySelector("input[name=code]");
        if (code) {
          code.focus();
        }
      } else {
        button.disabled = false;
        var field = data.field && form.elements[data.field === "phone" ? phoneName : data.field];
        if (field && field.focus) {
          field.focus();
        }
      }
    }).catch(function () {
      button.disabled = false;
      status(form, "网络不可用，请检查网络后重试", false);
    });
  }

  if (!window.fetch || !window.FormData) {
    return;  // the buttons post their form to the page, which sends the code
  }
  Array.prototype.forEach.call(document.querySelectorAll("button[data-sms-code]"), function (button) {
    // A button, no longer a submit button: Enter in a field submits the form's own button, not this one.
    button.type = "button";
    button.addEventListener("click", function () {
      ask(button);
    });
  });
})();
