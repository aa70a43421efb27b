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
