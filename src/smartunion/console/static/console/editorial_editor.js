// The article editor (console/editorial_article_form.html): images in the body and the cover's preview.
// Body images: every file Trix receives (the "插入图片" button, dropped or pasted) is checked here for its type and
// size, then uploaded at once to the form's data-image-upload-url (console/admin/editorial.py image_upload_view)
// with the form's CSRF token; the attachment shows the upload's progress and gets the stored image's URL, or is
// removed with the server's Chinese message shown under the editor. Without JavaScript nothing is uploaded.
// Loaded in the page's head right after the theme's trix.js (not deferred), so the settings below are made before
// any editor starts; the rest waits for the page.
(function () {
  "use strict";
  if (window.Trix && Trix.config) {
    // An image shows no file name or size under it, only a caption when one is written; the editor's own words in
    // Chinese.
    if (Trix.config.attachments && Trix.config.attachments.preview) {
      Trix.config.attachments.preview.caption = { name: false, size: false };
    }
    if (Trix.config.lang) {
      Trix.config.lang.captionPlaceholder = "添加图片说明…";
      Trix.config.lang.remove = "删除";
    }
    // While an image uploads Trix previews the local file through a blob: URL, which the console's CSP does not
    // allow for images (img-src 'self' data:): preview it as a data: URL instead.
    var Attachment = Trix.models && Trix.models.Attachment;
    var BLANK = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";
    if (Attachment && Attachment.prototype.preloadFile && window.FileReader) {
      Attachment.prototype.preloadFile = function () {
        var attachment = this;
        if (!attachment.file) return;
        // Until the file is read, a blank picture (else Trix would ask the server for the image "undefined").
        attachment.setPreviewURL(BLANK);
        var reader = new FileReader();
        reader.addEventListener("load", function () {
          if (!attachment.file) return;  // removed meanwhile
          attachment.fileObjectURL = null;  // nothing for Trix to revoke
          attachment.preload(reader.result);
        });
        reader.readAsDataURL(attachment.file);
      };
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  function start() {
    var MAX_BYTES = 5 * 1024 * 1024;
    var TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"];
    var TYPE_MESSAGE = "只能上传 JPG、PNG、GIF 或 WebP 图片";
    var SIZE_MESSAGE = "图片不能超过 5 MB";
    var form = document.getElementById("article-form");
    if (!form) return;
    var uploadUrl = form.dataset.imageUploadUrl;

    function csrfToken() {
      var field = form.querySelector("input[name=csrfmiddlewaretoken]");
      return field ? field.value : "";
    }

    var errorLine = null;
    function showError(message) {
      if (errorLine) errorLine.textContent = message || "";
    }

    function refusal(file) {
      if (TYPES.indexOf(file.type) < 0) return TYPE_MESSAGE;
      if (file.size > MAX_BYTES) return SIZE_MESSAGE;
      return "";
    }

    document.addEventListener("trix-file-accept", function (event) {
      var message = refusal(event.file);
      if (message) {
        event.preventDefault();
        showError(message);
      }
    });

    function upload(attachment) {
      var data = new FormData();
      data.append("file", attachment.file);
      var request = new XMLHttpRequest();
      request.open("POST", uploadUrl, true);
      request.setRequestHeader("X-CSRFToken", csrfToken());
      request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) attachment.setUploadProgress(event.loaded / event.total * 100);
      });
      request.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = null; }
        if (request.status === 200 && answer && answer.url) {
          attachment.setUploadProgress(100);
          attachment.setAttributes({ url: answer.url, href: answer.href || answer.url });
          showError("");
        } else {
          attachment.remove();
          showError((answer && answer.message) || "图片上传失败，请稍后重试");
        }
      });
      request.addEventListener("error", function () {
        attachment.remove();
        showError("图片上传失败，请检查网络后重试");
      });
      request.send(data);
    }

    document.addEventListener("trix-attachment-add", function (event) {
      var attachment = event.attachment;
      if (!attachment.file) return;  // an image already in the body, opened again
      var message = refusal(attachment.file);
      if (message || !uploadUrl) {
        attachment.remove();
        showError(message || "图片上传失败，请稍后重试");
        return;
      }
      upload(attachment);
    });

    // Saving while an image is still uploading would save it without its address.
    form.addEventListener("submit", function (event) {
      var pending = form.querySelector("trix-editor progress");
      if (pending) {
        event.preventDefault();
        showError("图片正在上传，请稍候再保存");
      }
    });

    // The "插入图片" button and the error line under each editor.
    form.querySelectorAll("trix-editor").forEach(function (editor) {
      var tools = document.createElement("div");
      tools.className = "editorial-image-tools";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "editorial-image-button";
      button.textContent = "插入图片";
      var chooser = document.createElement("input");
      chooser.type = "file";
      chooser.accept = TYPES.join(",");
      chooser.multiple = true;
      chooser.hidden = true;
      chooser.className = "editorial-image-chooser";
      chooser.hasChangeListener = true;  // not one of the theme's file widgets (unfold/js/app.js, see below)
      errorLine = document.createElement("span");
      errorLine.className = "editorial-image-error";
      errorLine.setAttribute("role", "alert");
      tools.appendChild(button);
      tools.appendChild(chooser);
      tools.appendChild(errorLine);
      editor.parentNode.insertBefore(tools, editor.nextSibling);
      button.addEventListener("click", function () { chooser.click(); });
      chooser.addEventListener("change", function () {
        showError("");
        Array.prototype.forEach.call(chooser.files, function (file) { editor.editor.insertFile(file); });
        chooser.value = "";
      });
    });

    // The cover: the chosen image previewed before it is saved (read as a data: URL, which the console's CSP allows
    // for images), with the same checks as the server's.
    form.querySelectorAll("input[type=file][data-cover-preview]").forEach(function (input) {
      // The theme's app.js gives every file input it finds at "load" a listener that writes the chosen name into
      // its own widget's text box, which this one has not (a script error); marked as already served.
      input.hasChangeListener = true;
      var preview = document.getElementById(input.dataset.coverPreview);
      var empty = document.getElementById(input.id + "_empty");
      var original = preview ? preview.getAttribute("src") : null;
      var message = document.createElement("p");
      message.className = "editorial-image-error";
      message.setAttribute("role", "alert");
      input.parentNode.appendChild(message);
      input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        message.textContent = "";
        if (!file) {
          if (original) { preview.src = original; preview.hidden = false; }
          return;
        }
        var refused = refusal(file);
        if (refused) {
          message.textContent = refused;
          input.value = "";
          return;
        }
        var reader = new FileReader();
        reader.addEventListener("load", function () {
          preview.src = reader.result;
          preview.hidden = false;
          if (empty) empty.hidden = true;
        });
        reader.readAsDataURL(file);
      });
    });
  }
})();
