// Progressive enhancement only: every page works without this file.
// No inline handlers, no eval, nothing fetched from elsewhere (the CSP forbids all three anyway).
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  var announcer = document.getElementById("announcer");

  /** Say something to screen readers through the page's polite live region. */
  function announce(message) {
    if (!announcer) return;
    announcer.textContent = "";
    // A new node after a tick makes repeated identical messages announced again.
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  }

  /** Wrap user text in <bdi>, so a right-to-left override inside it cannot reverse the text around it. */
  function isolate(text) {
    var bdi = document.createElement("bdi");
    bdi.textContent = text;
    return bdi;
  }

  function formatBytes(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  // -- copy a quote with its citation ------------------------------------------------------------

  /** Copy text with a hidden textarea and execCommand, for browsers or contexts without the API. */
  function legacyCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    var selection = document.getSelection();
    var previous = selection && selection.rangeCount ? selection.getRangeAt(0) : null;
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    if (previous && selection) {
      selection.removeAllRanges();
      selection.addRange(previous);
    }
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return legacyCopy(text);
  }

  function initCopyButtons() {
    var buttons = document.querySelectorAll("button.copy[data-copy]");
    Array.prototype.forEach.call(buttons, function (button) {
      var label = button.innerHTML;
      var timer = null;
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(button.getAttribute("data-copy")).then(function () {
          button.classList.add("copied");
          button.textContent = "Copied";
          announce("Quote copied with its citation.");
        }, function () {
          button.textContent = "Copy failed";
          announce("Could not copy; select the quote and copy it by hand.");
        }).then(function () {
          window.clearTimeout(timer);
          timer = window.setTimeout(function () {
            button.classList.remove("copied");
            button.innerHTML = label;
          }, 2000);
        });
      });
    });
  }

  // -- search page -------------------------------------------------------------------------------

  function initSearch() {
    var form = document.querySelector("form.ask");
    if (form) {
      var query = form.querySelector("input[name=q]");
      form.addEventListener("change", function (event) {
        var target = event.target;
        if (target && target.name === "mode" && query && query.value.trim()) {
          if (form.requestSubmit) form.requestSubmit(); else form.submit();
        }
      });
    }

    // On a narrow screen the facets sit above the results, folded; on a wide one they are always open.
    var panel = document.querySelector("details.facet-panel");
    if (panel && window.matchMedia) {
      var narrow = window.matchMedia("(max-width: 48rem)");
      var fit = function () { panel.open = !narrow.matches; };
      fit();
      if (narrow.addEventListener) narrow.addEventListener("change", fit);
    }
  }

  // -- document page: bring the cited passage into view ------------------------------------------

  function initCited() {
    var cited = document.querySelector(".document-text .passage.cited");
    if (!cited) return;
    cited.setAttribute("tabindex", "-1");
    var reveal = function () {
      cited.scrollIntoView({ block: "center", inline: "nearest" });
      cited.focus({ preventScroll: true });
    };
    reveal();
    // The browser's own jump to #p… may land after this script on a slow load: centre again then.
    window.addEventListener("load", function () {
      if (document.activeElement === cited) reveal();
    });
  }

  // -- upload page: drag and drop, a file list, and an upload progress bar -----------------------

  function initUpload() {
    var form = document.querySelector("form.upload");
    if (!form) return;
    var input = form.querySelector("input[type=file]");
    var zone = form.querySelector(".dropzone");
    var list = form.querySelector(".file-list");
    var status = form.querySelector(".upload-status");
    var bar = form.querySelector(".upload-progress");
    var text = form.querySelector(".upload-text");
    var errorBox = form.querySelector(".upload-error");
    var submit = form.querySelector("button[type=submit]");
    if (!input || !zone) return;

    var accepted = (input.getAttribute("accept") || "").toLowerCase().split(",").filter(Boolean);
    var canSetFiles = typeof DataTransfer === "function";

    function supported(file) {
      if (!accepted.length) return true;
      var dot = file.name.lastIndexOf(".");
      return dot > 0 && accepted.indexOf(file.name.slice(dot).toLowerCase()) !== -1;
    }

    function showError(message) {
      if (!errorBox) return;
      errorBox.textContent = message;
      errorBox.hidden = !message;
    }

    function setFiles(files) {
      if (!canSetFiles) return;
      var transfer = new DataTransfer();
      files.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;
      renderList();
    }

    function renderList() {
      if (!list) return;
      var files = Array.prototype.slice.call(input.files || []);
      list.textContent = "";
      list.hidden = files.length === 0;
      files.forEach(function (file, index) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        var size = document.createElement("span");
        name.className = "name";
        name.textContent = file.name;
        name.title = file.name;
        size.className = "size";
        if (supported(file)) {
          size.textContent = formatBytes(file.size);
        } else {
          item.className = "unsupported";
          size.textContent = "unsupported type";
        }
        item.appendChild(name);
        item.appendChild(size);
        if (canSetFiles) {
          var remove = document.createElement("button");
          remove.type = "button";
          remove.textContent = "Remove";
          remove.setAttribute("aria-label", "Remove " + file.name);
          remove.addEventListener("click", function () {
            var rest = Array.prototype.slice.call(input.files).filter(function (_, i) { return i !== index; });
            setFiles(rest);
            announce(file.name + " removed.");
            input.focus();
          });
          item.appendChild(remove);
        }
        list.appendChild(item);
      });
      showError("");
    }

    input.addEventListener("change", renderList);

    var depth = 0;
    zone.addEventListener("dragenter", function (event) {
      event.preventDefault();
      depth += 1;
      zone.classList.add("dragging");
    });
    zone.addEventListener("dragover", function (event) {
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
    });
    zone.addEventListener("dragleave", function () {
      depth = Math.max(0, depth - 1);
      if (!depth) zone.classList.remove("dragging");
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      depth = 0;
      zone.classList.remove("dragging");
      var dropped = event.dataTransfer ? Array.prototype.slice.call(event.dataTransfer.files || []) : [];
      if (!dropped.length) return;
      if (!canSetFiles) {
        showError("This browser cannot take dropped files; use “Choose files” instead.");
        return;
      }
      // Dropping adds to the files already chosen; the same name and size is not added twice.
      var current = Array.prototype.slice.call(input.files || []);
      var seen = current.map(function (f) { return f.name + "/" + f.size; });
      dropped.forEach(function (file) {
        if (seen.indexOf(file.name + "/" + file.size) === -1) current.push(file);
      });
      setFiles(current);
      announce(dropped.length + (dropped.length === 1 ? " file" : " files") + " added; " +
               current.length + " chosen.");
    });
    // A file dropped beside the zone must not make the browser navigate away to it (text may still be dropped).
    ["dragover", "drop"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        var types = event.dataTransfer ? Array.prototype.slice.call(event.dataTransfer.types || []) : [];
        if (!zone.contains(event.target) && types.indexOf("Files") !== -1) event.preventDefault();
      });
    });

    if (!window.FormData || !window.XMLHttpRequest) return;

    form.addEventListener("submit", function (event) {
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) {
        event.preventDefault();
        showError("Choose at least one file to upload.");
        input.focus();
        return;
      }
      var bad = files.filter(function (f) { return !supported(f); });
      if (bad.length) {
        event.preventDefault();
        showError(bad[0].name + ": unsupported file type; supported: " + accepted.join(" "));
        return;
      }
      event.preventDefault();
      showError("");

      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "text/html");
      status.hidden = false;
      bar.value = 0;
      text.textContent = "Uploading…";
      submit.disabled = true;

      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        text.textContent = "Uploading " + percent + "%";
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        text.textContent = "Uploaded; queueing…";
      });
      xhr.addEventListener("load", function () {
        var url = xhr.responseURL || "";
        // The form answers a good upload with a redirect to the batch page; XHR has followed it.
        if (xhr.status >= 200 && xhr.status < 300 && /\/upload\/batches\/\d+/.test(url)) {
          text.textContent = "Done; opening the batch…";
          window.location.assign(url);
          return;
        }
        fail(messageFrom(xhr) || "The upload failed (HTTP " + xhr.status + ").");
      });
      xhr.addEventListener("error", function () {
        fail("The upload did not reach the server. Check the connection, or send fewer or smaller files at a time.");
      });
      xhr.addEventListener("abort", function () { fail("The upload was cancelled."); });
      xhr.send(new FormData(form));
    });

    function fail(message) {
      status.hidden = true;
      submit.disabled = false;
      showError(message);
    }

    /** Pull the flash or error message out of the HTML page the server answered with. */
    function messageFrom(xhr) {
      try {
        var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var found = page.querySelector(".flash, main .error");
        return found ? found.textContent.trim() : "";
      } catch (e) {
        return "";
      }
    }
  }

  // -- batch page: poll the JSON status until every file is done ---------------------------------

  var STATUS_LABELS = { unchanged: "skipped (unchanged)" };

  function initBatch() {
    var section = document.querySelector("section.batch[data-batch-url]");
    if (!section) return;
    var url = section.getAttribute("data-batch-url");
    var documentsUrl = section.getAttribute("data-documents-url") || "/documents";
    var progress = section.querySelector("progress");
    var progressText = section.querySelector(".progress-text");
    var counts = section.querySelector(".batch-counts");
    var tbody = section.querySelector("table.jobs tbody");
    var refresh = section.querySelector("a.refresh");
    if (refresh) refresh.hidden = true;
    if (section.getAttribute("data-finished") === "true") return;

    var failures = 0;

    function cell(row, index, className) {
      var td = row.cells[index];
      if (!td) {
        td = row.insertCell(index);
        if (className) td.className = className;
      }
      return td;
    }

    function renderJob(job) {
      var row = document.getElementById("job-" + job.id);
      if (!row) {
        row = tbody.insertRow(-1);
        row.id = "job-" + job.id;
      }
      row.className = "status-" + job.status;
      var file = cell(row, 0, "file");
      var link = file.querySelector("a");
      if (job.document_id) {
        if (!link) {
          link = document.createElement("a");
          file.textContent = "";
          file.appendChild(link);
        }
        link.href = documentsUrl.replace(/\/$/, "") + "/" + job.document_id;
        if (link.textContent !== job.filename) {
          link.textContent = "";
          link.appendChild(isolate(job.filename));
        }
      } else if (file.textContent !== job.filename || link) {
        file.textContent = "";
        file.appendChild(isolate(job.filename));
      }
      var label = STATUS_LABELS[job.status] || job.status;
      var statusCell = cell(row, 1, "status");
      if (statusCell.textContent !== label) statusCell.textContent = label;
      var message = (job.passages ? job.passages + " passages" : "") + (job.message ? " " + job.message : "");
      var messageCell = cell(row, 2, "message");
      if (messageCell.textContent !== message) messageCell.textContent = message;
    }

    function render(batch) {
      if (progress) {
        progress.max = Math.max(batch.total, 1);
        progress.value = batch.done;
        progress.textContent = batch.done + " of " + batch.total;
      }
      var line = batch.done + " of " + batch.total + " files done";
      if (progressText && progressText.textContent !== line) progressText.textContent = line;
      if (counts && batch.counts) {
        counts.textContent = "";
        ["added", "updated", "unchanged", "failed"].forEach(function (state) {
          if (!batch.counts[state]) return;
          var span = document.createElement("span");
          span.className = "count-" + state;
          span.textContent = batch.counts[state] + " " + state;
          counts.appendChild(span);
        });
      }
      (batch.jobs || []).forEach(renderJob);
      if (batch.finished) {
        section.setAttribute("data-finished", "true");
        var failed = batch.counts && batch.counts.failed;
        announce("Upload finished: " + batch.done + " of " + batch.total + " files done" +
                 (failed ? ", " + failed + " failed." : "."));
      }
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          var batch = data && data.batch;
          if (!batch) throw new Error("no batch in the answer");
          render(batch);
          if (!batch.finished) window.setTimeout(poll, 700);
        })
        .catch(function () {
          failures += 1;
          // Back off, and offer the no-script way again if the server stays away.
          if (refresh && failures >= 3) refresh.hidden = false;
          window.setTimeout(poll, Math.min(700 * Math.pow(2, failures), 10000));
        });
    }

    poll();
  }

  // -- library: a select-all box for the bulk delete ---------------------------------------------

  function initLibrary() {
    var table = document.querySelector("table.library");
    if (!table) return;
    var head = table.querySelector("thead th.select");
    var boxes = table.querySelectorAll("tbody input[type=checkbox][name=document]");
    if (!head || !boxes.length) return;
    var all = document.createElement("input");
    all.type = "checkbox";
    all.setAttribute("aria-label", "Select all documents shown");
    head.textContent = "";
    head.appendChild(all);
    function sync() {
      var ticked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(boxes, function (b) { b.checked = all.checked; });
      sync();
    });
    table.addEventListener("change", function (event) {
      if (event.target !== all) sync();
    });
  }

  function init() {
    initCopyButtons();
    initSearch();
    initCited();
    initUpload();
    initBatch();
    initLibrary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
