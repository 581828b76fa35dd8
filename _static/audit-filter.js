/* Figure audit: an offline text filter over the audit entries (no library, no network).
   Every word typed must occur in an entry (value, ledger id, producer, outlet, URL, section) for it to stay. */
(function () {
  function setup() {
    var slot = document.querySelector(".audit-filter-slot");
    if (!slot || slot.querySelector("#audit-filter")) return;
    var entries = Array.prototype.slice.call(document.querySelectorAll(".audit-entry"));
    var texts = entries.map(function (e) { return e.textContent.toLowerCase(); });
    var box = document.createElement("input");
    box.type = "search";
    box.id = "audit-filter";
    box.placeholder = "Filter the audit: a ledger id, a producer, an outlet, a number...";
    box.setAttribute("aria-label", "Filter the figure audit");
    var count = document.createElement("p");
    count.className = "audit-filter-count";
    slot.appendChild(box);
    slot.appendChild(count);
    function apply() {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
      entries.forEach(function (e, i) {
        var keep = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
        e.style.display = keep ? "" : "none";
        shown += keep ? 1 : 0;
      });
      count.textContent = words.length ? shown + " of " + entries.length + " entries match" : entries.length + " entries";
    }
    box.addEventListener("input", apply);
    var initial = new URLSearchParams(window.location.search).get("q");
    if (initial) box.value = initial;
    apply();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
