// Live updates for the front desk console: the inbox list and a request's transcript
// refresh every few seconds. Client text is only ever set as textContent (never HTML);
// the inbox fragment is HTML rendered by the server with every value escaped.
(function () {
  "use strict";
  var POLL_MS = 2000;

  function poll(task) {
    var busy = false;
    function tick() {
      if (busy || document.hidden) { return; }
      busy = true;
      task().catch(function () {}).then(function () { busy = false; });
    }
    setInterval(tick, POLL_MS);
  }

  function get(url, accept) {
    return fetch(url, { headers: { Accept: accept }, credentials: "same-origin" }).then(function (r) {
      if (r.status === 401 || r.redirected) { window.location.assign("/login"); throw new Error("logged out"); }
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return accept === "application/json" ? r.json() : r.text();
    });
  }

  var list = document.getElementById("inbox-list");
  if (list) {
    poll(function () {
      return get(list.getAttribute("data-refresh"), "text/html").then(function (html) {
        if (html !== list.getAttribute("data-last")) {
          list.setAttribute("data-last", html);
          list.innerHTML = html;  // server-rendered, autoescaped
          var count = document.getElementById("open-count");
          if (count) {
            var open = list.querySelectorAll(".request").length;
            count.textContent = String(open);
            count.setAttribute("aria-label", open + " open requests");
          }
        }
      });
    });
  }

  var transcript = document.getElementById("transcript");
  if (transcript) {
    var url = transcript.getAttribute("data-lines");
    var status = document.getElementById("req-status");
    var knownState = null;
    poll(function () {
      var after = transcript.getAttribute("data-after") || "0";
      return get(url + "?after=" + encodeURIComponent(after), "application/json").then(function (data) {
        data.lines.forEach(function (line) {
          var item = document.createElement("li");
          item.className = "line line-" + line.author;
          var who = document.createElement("span");
          who.className = "who";
          who.textContent = (line.author === "client" ? "Client" : line.author === "staff" ? line.who : "Note") +
            (line.at ? " " + line.at : "");
          var text = document.createElement("span");
          text.className = "text";
          text.textContent = line.text;
          item.appendChild(who);
          item.appendChild(text);
          transcript.appendChild(item);
          transcript.setAttribute("data-after", String(line.id));
        });
        if (data.lines.length) { transcript.scrollTop = transcript.scrollHeight; }
        var state = data.status + "/" + data.taken_by;
        if (knownState !== null && state !== knownState && status) {
          // Someone else took, handed back or closed it: reload for the right buttons.
          window.location.reload();
        }
        knownState = state;
      });
    });
    transcript.scrollTop = transcript.scrollHeight;
  }
})();
