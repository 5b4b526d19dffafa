// Abadi's own few lines of JavaScript (no inline scripts: the Content-Security-Policy forbids them).
// A button marked data-print prints the page with the print stylesheet.
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target instanceof Element && target.closest("[data-print]")) {
    window.print();
  }
});
