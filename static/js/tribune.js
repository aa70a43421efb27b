/* Tribune's page behaviour on top of htmx (static/vendor/htmx).
 *
 * Every form works without JavaScript; with it, forms marked with hx-* attributes
 * exchange only the part of the page that changes. A refused action (4xx) carries its
 * message in the fragment the server returns, so htmx swaps 4xx answers into place too;
 * a 5xx or a network failure swaps nothing: the page stays as it was.
 */
(function () {
  "use strict";
  if (!window.htmx) return;
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "...", swap: false, error: true },
  ];
  // Pages are not swapped whole, so there is no history to snapshot.
  htmx.config.historyEnabled = false;
  htmx.config.allowEval = false;
  htmx.config.includeIndicatorStyles = false;

  // A topic's instant buttons. A post's buttons (in its footer) and the follow button
  // belong to the page's one hidden "actions" form: without JavaScript a press posts
  // that form to the button's formaction. Here htmx sends the same form there instead,
  // and the answer (app/forum/pages/instant.py) replaces the button's part of the page:
  // the post's footer, or the follow button's span. One handler for all of them keeps
  // the page free of per-post hx-* attributes (a topic page shows fifty posts).
  var INSTANT_PART = "article > footer, .follow";

  document.addEventListener("click", function (event) {
    var button = event.target.closest('button[form="actions"][formaction]');
    var part = button && button.closest(INSTANT_PART);
    if (!part || event.defaultPrevented) return;
    event.preventDefault();
    var holder = part.parentElement;
    var place = Array.prototype.indexOf.call(part.querySelectorAll("button"), button);
    htmx
      .ajax("POST", button.getAttribute("formaction"), {
        source: button,
        target: part,
        swap: "outerHTML",
      })
      .then(function () {
        // The pressed button was replaced: the focus goes to the one in its place, so
        // the keyboard stays where it was (a refusal replaces nothing).
        if (button.isConnected) return;
        var fresh = holder.querySelector(":scope > footer, :scope > .follow");
        var again = fresh && fresh.querySelectorAll("button")[place];
        if (again) again.focus();
      });
  });

  // A post's Flag link opens the flag form in its place (app/moderation: the same form
  // as the page /p/<id>/flag, which the link leads to without JavaScript).
  document.addEventListener("click", function (event) {
    var link = event.target.closest('article > footer a[href$="/flag"]');
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    htmx.ajax("GET", link.getAttribute("href"), { source: link, target: link, swap: "outerHTML" });
  });

  // A refused instant action (app/core/htmx.py: a vote on one's own post, too many
  // votes, a removed post) answers one <p class="refusal" role="alert">: it goes right
  // after the button that was pressed, replacing an earlier one there, and the part of
  // the page around it stays as it was.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr.status < 400 || !/^<p class="refusal"/.test(detail.serverResponse)) return;
    detail.shouldSwap = false;
    var control = detail.requestConfig.elt;
    var next = control.nextElementSibling;
    if (next && next.classList.contains("refusal")) next.remove();
    var holder = document.createElement("template");
    holder.innerHTML = detail.serverResponse;
    control.insertAdjacentElement("afterend", holder.content.firstElementChild);
  });

  // A refusal beside a control that stays on the page (the title that asks for similar
  // questions) goes once that control's next request is answered.
  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail;
    if (!detail.xhr || detail.xhr.status >= 400) return;
    var next = detail.elt.nextElementSibling;
    if (next && next.classList.contains("refusal")) next.remove();
  });
})();
