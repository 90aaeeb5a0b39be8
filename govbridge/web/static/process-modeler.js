/* The item admin's process modeler (the page /admin/services/{code}/draw).
 *
 * bpmn-js (served from /static/vendor/bpmn-js, installed at set-up) opens the item's
 * current process, or a blank one. Saving puts the drawing, as a .bpmn file, into the same
 * upload form the file import uses, so the server checks a drawn process exactly like an
 * uploaded one. No inline script or style: the page's CSP allows scripts and styles from
 * this site only, which bpmn-js (since 2022) respects.
 */
(function () {
  "use strict";
  var holder = document.getElementById("process-canvas");
  var source = document.getElementById("process-xml");
  var form = document.getElementById("process-save");
  var status = document.getElementById("process-status");
  if (!holder || !source || !form || typeof window.BpmnJS === "undefined") {
    return;
  }
  var modeler = new window.BpmnJS({ container: holder });
  var text = source.value.trim();
  var opened = text ? modeler.importXML(text) : modeler.createDiagram();
  opened.then(function () {
    modeler.get("canvas").zoom("fit-viewport");
    holder.setAttribute("data-ready", "true");
  }).catch(function (err) {
    status.textContent = form.getAttribute("data-open-failed") + " " + err.message;
    holder.setAttribute("data-ready", "failed");
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    modeler.saveXML({ format: true }).then(function (result) {
      var files = new DataTransfer();
      files.items.add(new File([result.xml], form.getAttribute("data-filename"),
                               { type: "application/xml" }));
      form.querySelector("input[type=file]").files = files.files;
      form.submit();
    }).catch(function (err) {
      status.textContent = form.getAttribute("data-save-failed") + " " + err.message;
    });
  });
}());
