/* The workbench's keys: j/k move through the cases, Enter opens one, / searches, ? helps. */
(function () {
  "use strict";
  var selected = null;  // the case id, so a live refresh of the list keeps the selection

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#case-list tr[data-case-id]")); }
  function mark() {
    rows().forEach(function (row) {
      var on = row.dataset.caseId === selected;
      row.classList.toggle("selected", on);
      if (on) row.setAttribute("aria-selected", "true"); else row.removeAttribute("aria-selected");
    });
  }
  function move(step) {
    var list = rows();
    if (!list.length) return;
    var index = list.findIndex(function (row) { return row.dataset.caseId === selected; });
    index = Math.max(0, Math.min(list.length - 1, index < 0 ? 0 : index + step));
    selected = list[index].dataset.caseId;
    mark();
    var link = list[index].querySelector("a.case-link");
    if (link) link.focus();
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) {
      if (event.key === "Escape") target.blur();
      return;
    }
    var help = document.getElementById("keys-help");
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (event.key === "Enter" && selected) {
      var row = document.querySelector('#case-list tr[data-case-id="' + selected + '"] a.case-link');
      if (row && target !== row) { row.click(); event.preventDefault(); }
    } else if (event.key === "/") {
      var search = document.querySelector("[data-search]");
      if (search) { search.focus(); event.preventDefault(); }
    } else if (event.key === "?" && help) {
      if (help.open) help.close(); else help.showModal();
      event.preventDefault();
    }
  });
  document.addEventListener("htmx:afterSwap", mark);
})();
