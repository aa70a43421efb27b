/* A button that copies a text field's value: <button data-copy="field-id">. Without
 * JavaScript (or a clipboard) the field stays there to select and copy by hand. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        var done = button.getAttribute("data-copied");
        if (done) {
          var status = document.getElementById(button.getAttribute("aria-describedby"));
          if (status) status.textContent = done;
        }
      });
    });
  });
})();
