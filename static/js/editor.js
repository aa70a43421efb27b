/* The editor's drafts and the warning before leaving unsaved text (plain JavaScript).
 *
 * A form marked data-draft="NAME" data-draft-owner="MEMBER" keeps what is typed in it in
 * localStorage under "tribune:draft:MEMBER:NAME" (the title, text, tags, category and
 * kind of a question; the text of an answer). Coming back to the form, an empty form
 * gets the draft back, with a notice and a "Discard draft" button; a form the server
 * filled (a refused post shown again, a preview) keeps the server's text. A draft is
 * kept when the form is sent, since the post may still be refused or the network fail:
 * it is forgotten when the server says the post was saved, with the tribune_posted
 * cookie ("NAME|NAME...") set on the answer that saved it.
 *
 * A form marked data-editor warns before the page is left with text that differs from
 * what the server gave, unless the form is being sent.
 *
 * The preview itself is htmx's (hx-post on the Preview button): nothing here. A refused
 * preview (an expired form, a logged-out member, too many) is a refusal that
 * static/js/tribune.js places beside the Preview button, like every instant action's.
 */
(function () {
  "use strict";
  var PREFIX = "tribune:draft:";
  var POSTED = "tribune_posted";
  var KEEP_DAYS = 30;
  var SKIP = { csrf_token: true, submission: true, preview: true, body_format: true };

  function storage() {
    try {
      var probe = PREFIX + "probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null; // private mode, or storage refused: no drafts, the forms work as before
    }
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !SKIP[el.name] && el.type !== "submit" && el.type !== "button";
    });
  }

  function isText(el) {
    return el.tagName === "TEXTAREA" || el.type === "text" || el.type === "search";
  }

  function values(form) {
    var found = {};
    fields(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) found[el.name] = el.value;
      } else {
        found[el.name] = el.value;
      }
    });
    return found;
  }

  function hasText(form) {
    return fields(form).some(function (el) {
      return isText(el) && el.value.trim() !== "";
    });
  }

  function changed(form) {
    return fields(form).some(function (el) {
      return isText(el) && el.value !== el.defaultValue;
    });
  }

  function fill(form, saved) {
    fields(form).forEach(function (el) {
      if (!(el.name in saved)) return;
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = el.value === saved[el.name];
      } else {
        el.value = saved[el.name];
      }
    });
  }

  function reset(form) {
    fields(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = el.defaultChecked;
      } else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (o) {
          o.selected = o.defaultSelected;
        });
      } else {
        el.value = el.defaultValue;
      }
    });
  }

  function readCookie(name) {
    var pairs = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < pairs.length; i++) {
      var at = pairs[i].indexOf("=");
      if (pairs[i].slice(0, at) === name) {
        return decodeURIComponent(pairs[i].slice(at + 1).replace(/^"|"$/g, ""));
      }
    }
    return "";
  }

  // Forget the drafts of the posts the server saved, and drafts left for a month.
  function forgetSaved(store, owner) {
    var posted = readCookie(POSTED);
    if (posted) {
      posted.split("|").forEach(function (name) {
        if (name) store.removeItem(PREFIX + owner + ":" + name);
      });
      var secure = window.location.protocol === "https:" ? "; Secure" : "";
      document.cookie = POSTED + "=; Max-Age=0; Path=/; SameSite=Lax" + secure;
    }
    var old = Date.now() - KEEP_DAYS * 24 * 3600 * 1000;
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        try {
          if ((JSON.parse(store.getItem(key)) || {}).saved < old) store.removeItem(key);
        } catch (e) {
          store.removeItem(key);
        }
      }
    }
  }

  // Typing shows the preview (htmx, after a pause): so does a draft put back or discarded.
  // htmx starts listening at DOMContentLoaded, after this deferred script has run.
  function refreshPreview(form) {
    var body = form.querySelector("textarea");
    if (!body) return;
    var send = function () {
      body.dispatchEvent(new Event("input", { bubbles: true }));
    };
    if (document.readyState === "complete") {
      send();
    } else {
      window.addEventListener("load", send);
    }
  }

  function keepDrafts(form, store) {
    var owner = form.getAttribute("data-draft-owner");
    var key = PREFIX + owner + ":" + form.getAttribute("data-draft");
    var notice = form.querySelector(".draft-notice");
    var timer = null;

    function save() {
      timer = null;
      if (!hasText(form)) {
        store.removeItem(key);
        return;
      }
      try {
        store.setItem(key, JSON.stringify({ saved: Date.now(), fields: values(form) }));
      } catch (e) {
        /* storage full: the text stays in the form */
      }
    }

    var saved = null;
    try {
      saved = JSON.parse(store.getItem(key) || "null");
    } catch (e) {
      store.removeItem(key);
    }
    var serverGaveText = fields(form).some(function (el) {
      return isText(el) && el.defaultValue.trim() !== "";
    });
    if (saved && saved.fields && !serverGaveText) {
      fill(form, saved.fields);
      if (notice) notice.hidden = false;
      refreshPreview(form);
    }
    if (notice) {
      var discard = notice.querySelector("[data-discard-draft]");
      if (discard) {
        discard.addEventListener("click", function () {
          store.removeItem(key);
          reset(form);
          notice.hidden = true;
          refreshPreview(form);
        });
      }
    }
    form.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, 300);
    });
    form.addEventListener("change", save);
    form.addEventListener("submit", function () {
      if (timer) clearTimeout(timer);
      save(); // kept until the server says the post is saved
    });
  }

  function warnBeforeLeaving(forms) {
    var sending = false;
    forms.forEach(function (form) {
      form.addEventListener("submit", function () {
        sending = true;
      });
    });
    window.addEventListener("pageshow", function () {
      sending = false; // back on the page after sending (bfcache): warn again
    });
    window.addEventListener("beforeunload", function (event) {
      if (sending) return;
      if (forms.some(changed)) {
        event.preventDefault();
        event.returnValue = ""; // older browsers ask for a value
      }
    });
  }

  var store = storage();
  var drafted = Array.prototype.slice.call(document.querySelectorAll("form[data-draft]"));
  if (store) {
    var owners = {};
    drafted.forEach(function (form) {
      owners[form.getAttribute("data-draft-owner")] = true;
    });
    Object.keys(owners).forEach(function (owner) {
      forgetSaved(store, owner);
    });
    drafted.forEach(function (form) {
      keepDrafts(form, store);
    });
  }
  warnBeforeLeaving(Array.prototype.slice.call(document.querySelectorAll("form[data-editor]")));
})();
