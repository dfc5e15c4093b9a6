// The admin's periodic task form (django-celery-beat): the chosen crontab in words under the
// field. The package does this in an inline script, which the Content-Security-Policy refuses;
// templates/admin/djcelery/change_periodictask_form.html loads this file instead.
(function () {
  var data = document.getElementById("readable-crontabs");
  var select = document.getElementById("id_crontab");
  if (!data || !select) return;
  var readable = JSON.parse(data.textContent);
  var help = document.querySelector(".field-crontab .help");
  var original = help ? help.textContent.trim() : "";
  var translation = document.querySelector(".field-crontab_translation");
  if (translation) translation.hidden = true;
  select.addEventListener("change", function () {
    if (!help) return;
    help.textContent = original;
    if (readable[select.value]) {
      help.appendChild(document.createElement("br"));
      help.appendChild(document.createTextNode("Translation: " + readable[select.value]));
    }
  });
})();
