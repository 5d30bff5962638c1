// Nothing typed is lost: what is typed in the report form is kept in this browser tab's
// sessionStorage (never sent anywhere, gone when the tab closes). If the session ends while the form
// is open (an idle sign-out) and sending it leads to the sign-in page, the same person finds the form
// as they left it after signing in again. A saved concern, or a saved draft, clears it.
(function () {
  "use strict";
  var PREFIX = "liaison:typed:";
  var SKIP = { csrfmiddlewaretoken: true, draft: true, action: true };

  function store() {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null;
    }
  }

  function clearAll(storage) {
    for (var index = storage.length - 1; index >= 0; index -= 1) {
      var name = storage.key(index);
      if (name && name.indexOf(PREFIX) === 0) storage.removeItem(name);
    }
  }

  var storage = store();
  if (!storage) return;
  if (document.querySelector("[data-typed-saved]")) {
    clearAll(storage);
    return;
  }
  var form = document.querySelector("form[data-keep-typed]");
  if (!form) return;
  var key = PREFIX + form.getAttribute("data-keep-typed") + ":" + form.getAttribute("action");

  function fields() {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name && !SKIP[element.name] && element.type !== "submit" && element.type !== "button";
    });
  }

  function snapshot() {
    var values = {};
    fields().forEach(function (element) {
      if (element.type === "checkbox" || element.type === "radio") {
        values[element.name] = values[element.name] || [];
        if (element.checked) values[element.name].push(element.value);
      } else {
        values[element.name] = element.value;
      }
    });
    return values;
  }

  function typedSomething(values) {
    return Object.keys(values).some(function (name) {
      var value = values[name];
      return typeof value === "string" ? value.trim() !== "" : false;
    });
  }

  function formIsBlank() {
    return fields().every(function (element) {
      return element.tagName !== "TEXTAREA" || element.value.trim() === "";
    });
  }

  function restore(values) {
    fields().forEach(function (element) {
      if (!(element.name in values)) return;
      var value = values[element.name];
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = Array.isArray(value) && value.indexOf(element.value) !== -1;
      } else if (typeof value === "string") {
        element.value = value;
      }
      // "change" only: the server checks everything again on submit, and a burst of "input" events
      // would send every as-you-type helper request at once.
      element.dispatchEvent(new Event("change", { bubbles: true }));
    });
    var notice = document.createElement("div");
    notice.className = "nhsuk-inset-text";
    notice.setAttribute("role", "status");
    notice.setAttribute("data-typed-restored", "");
    var text = document.createElement("p");
    text.textContent =
      "We have put back what you typed before you were signed out. Check it, then submit your concern.";
    notice.appendChild(text);
    form.insertBefore(notice, form.firstChild);
  }

  var saved = null;
  try {
    saved = JSON.parse(storage.getItem(key) || "null");
  } catch (error) {
    saved = null;
  }
  if (saved && typedSomething(saved) && formIsBlank()) restore(saved);

  function save() {
    try {
      storage.setItem(key, JSON.stringify(snapshot()));
    } catch (error) {
      // Storage full or refused: the form still works, it just cannot be put back.
    }
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.name === "action" && button.value === "save") clearAll(storage);
    else save();
  });
})();
