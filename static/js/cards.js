/* User cards: a click on an author's name opens a small card beside it, read from the
 * profile's address followed by /card (/u/<name>/card, a fragment). The names are the
 * links to a profile marked data-card (topic lists) and, unmarked, the first link of a
 * post's header on a topic page (its author: fifty of them a page, so no attribute).
 * Without JavaScript the name is a plain link to the profile.
 *
 * The card is a non-modal dialog inserted after the name, so Tab goes from the card to
 * what follows the name. It takes the focus when it opens; Escape and its close button
 * close it and give the focus back to the name; a click or the focus elsewhere closes it.
 * The name says whether its card is open (aria-expanded). A click with a modifier key
 * (a new tab) or a card that cannot be read (a 5xx, no network) follows the link.
 */
(function () {
  "use strict";
  var NAMES = "a[data-card], article.post > header > a:first-child";
  var open = null; // {trigger, card} of the card on the page, if one is
  var waiting = null; // the name whose card is being read

  function prepare(root) {
    var names = root.querySelectorAll ? root.querySelectorAll(NAMES) : [];
    for (var i = 0; i < names.length; i++) {
      if (!names[i].hasAttribute("aria-expanded")) {
        names[i].setAttribute("aria-haspopup", "dialog");
        names[i].setAttribute("aria-expanded", "false");
      }
    }
  }

  function close(giveFocusBack) {
    if (!open) return;
    var shown = open;
    open = null;
    shown.card.remove();
    shown.trigger.setAttribute("aria-expanded", "false");
    shown.trigger.removeAttribute("aria-controls");
    if (giveFocusBack) shown.trigger.focus();
  }

  // Below the name, kept inside the screen (a phone is narrow). Properties set through
  // the CSSOM, which the Content-Security-Policy allows (style attributes it does not).
  function place(card, trigger) {
    var margin = 8;
    var name = trigger.getBoundingClientRect();
    var base = (card.offsetParent || document.body).getBoundingClientRect();
    var room = document.documentElement.clientWidth;
    var left = Math.max(margin, Math.min(name.left, room - card.offsetWidth - margin));
    card.style.left = left - base.left + "px";
    card.style.top = name.bottom + 4 - base.top + "px";
  }

  function show(trigger, html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var card = holder.content.querySelector(".user-card");
    if (!card) throw new Error("no card in the answer");
    close(false);
    trigger.insertAdjacentElement("afterend", card);
    place(card, trigger);
    trigger.setAttribute("aria-expanded", "true");
    trigger.setAttribute("aria-controls", card.id);
    open = { trigger: trigger, card: card };
    card.focus();
  }

  function toggle(trigger) {
    if (open && open.trigger === trigger) {
      close(true);
      return;
    }
    if (waiting === trigger) return; // a second click while the first is on its way
    waiting = trigger;
    fetch(trigger.getAttribute("href") + "/card", {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (answer) {
        // A 404 carries its own card ("no member goes by this name").
        if (!answer.ok && answer.status !== 404) throw new Error(String(answer.status));
        return answer.text();
      })
      .then(function (html) {
        show(trigger, html);
      })
      .catch(function () {
        window.location.assign(trigger.href);
      })
      .then(function () {
        waiting = null;
      });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (open && target.closest("[data-card-close]") && open.card.contains(target)) {
      close(true);
      return;
    }
    var trigger = target.closest(NAMES);
    var plain = event.button === 0 && !(event.ctrlKey || event.metaKey || event.shiftKey || event.altKey);
    if (trigger && plain && !(open && open.card.contains(trigger))) {
      event.preventDefault();
      prepare(trigger.parentNode);
      toggle(trigger);
      return;
    }
    if (open && !open.card.contains(target)) close(false);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && open) {
      event.preventDefault();
      close(true);
    }
  });

  // The focus leaving the card (Tab past its last link, a click elsewhere) closes it.
  document.addEventListener("focusin", function (event) {
    if (open && !open.card.contains(event.target) && event.target !== open.trigger) close(false);
  });

  window.addEventListener("resize", function () {
    if (open) place(open.card, open.trigger);
  });

  prepare(document);
  // Parts of pages that htmx swaps in may hold names too.
  document.addEventListener("htmx:afterSwap", function (event) {
    prepare(event.target);
  });
})();
