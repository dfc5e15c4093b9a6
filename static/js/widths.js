// Bars take their width, and My week's capacity mark its place, from data attributes (in
// percent): the Content-Security-Policy refuses style="..." in markup, while a style set
// from a script file is allowed.
(function () {
  document.querySelectorAll("[data-width]").forEach(function (element) {
    element.style.width = element.getAttribute("data-width") + "%";
  });
  document.querySelectorAll("[data-left]").forEach(function (element) {
    element.style.left = element.getAttribute("data-left") + "%";
  });
})();
