/*!
 * Still Water clinic - website chat widget (talks to the clinic's Rasa server over socket.io).
 *
 * Embed with one tag, anywhere in the page:
 *   <script src="https://BOT-SERVER/widget/widget.js" defer
 *           data-privacy-url="https://www.your-clinic.example/privacy"></script>
 *
 * Optional attributes: data-privacy-url (link in the privacy note), data-title (panel
 * heading), data-server-url (the Rasa server; default: where this script came from),
 * data-socket-path (default /socket.io).
 *
 * Everything a visitor or the bot writes is put on the page as text (textContent);
 * http(s) addresses become <a> elements built with the DOM. No innerHTML anywhere.
 */
(function () {
  "use strict";

  if (window.__stillWaterChat) return; // one widget per page
  window.__stillWaterChat = true;

  var DEFAULT_PRIVACY_URL = "https://stillwater-acupuncture.example/privacy";
  var STORAGE_PREFIX = "stillwater-chat:";
  var MAX_HISTORY = 200;
  var MAX_MESSAGE_CHARS = 1000;
  var TYPING_TIMEOUT_MS = 30000;
  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;

  // ---- configuration from the <script> tag ---------------------------------------------
  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[src*='widget.js']");
    return all[all.length - 1];
  })();
  var scriptUrl = new URL(script.getAttribute("src"), document.baseURI);
  var assetBase = new URL(".", scriptUrl).href;
  var serverUrl = httpUrl(script.getAttribute("data-server-url")) || scriptUrl.origin;
  var socketPath = script.getAttribute("data-socket-path") || "/socket.io";
  var privacyUrl = httpUrl(script.getAttribute("data-privacy-url")) || DEFAULT_PRIVACY_URL;
  var title = script.getAttribute("data-title") || "Still Water clinic";
  var storageKey = STORAGE_PREFIX + new URL(serverUrl).host + ":";

  // ---- small helpers ----------------------------------------------------------------------
  function httpUrl(value) {
    if (!value) return null;
    try {
      var url = new URL(value, document.baseURI);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text != null) node.textContent = text;
    return node;
  }

  function svg(pathData) {
    var ns = "http://www.w3.org/2000/svg";
    var icon = document.createElementNS(ns, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    icon.appendChild(path);
    return icon;
  }

  var store = {
    get: function (name) {
      try {
        return window.localStorage.getItem(storageKey + name);
      } catch (error) {
        return null;
      }
    },
    set: function (name, value) {
      try {
        window.localStorage.setItem(storageKey + name, value);
      } catch (error) {
        /* private mode or full storage: the chat still works, it just forgets */
      }
    },
  };

  /** A version 4 UUID: 122 random bits from the browser's cryptographic generator. */
  function newSessionId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
      hex.slice(20)].join("-");
  }

  function loadHistory() {
    try {
      var saved = JSON.parse(store.get("history") || "[]");
      return Array.isArray(saved) ? saved.filter(validEntry) : [];
    } catch (error) {
      return [];
    }
  }

  function validEntry(entry) {
    return entry && (entry.who === "bot" || entry.who === "user") &&
      typeof entry.text === "string";
  }

  function saveHistory() {
    store.set("history", JSON.stringify(history.slice(-MAX_HISTORY)));
  }

  // ---- state ------------------------------------------------------------------------------
  var sessionId = store.get("session") || newSessionId();
  store.set("session", sessionId);
  var history = loadHistory();
  var socket = null;
  var confirmed = false; // the server has put this socket in our session's room
  var outbox = []; // messages typed while (re)connecting
  var typingTimer = null;
  var isOpen = false;

  // ---- the DOM ------------------------------------------------------------------------------
  var root = el("div", { class: "swc-root", hidden: "" });
  var launcher = el("button", {
    type: "button",
    class: "swc-launcher",
    "aria-haspopup": "dialog",
    "aria-expanded": "false",
    "aria-controls": "swc-panel",
  });
  launcher.appendChild(svg("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"));
  launcher.appendChild(el("span", { class: "swc-launcher-label" }, "Chat with us"));

  var panel = el("div", {
    id: "swc-panel",
    class: "swc-panel",
    role: "dialog",
    "aria-modal": "true",
    "aria-labelledby": "swc-title",
    hidden: "",
  });
  var header = el("div", { class: "swc-header" });
  var heading = el("div", { class: "swc-heading" });
  heading.appendChild(el("h2", { id: "swc-title", class: "swc-title" }, title));
  var status = el("p", { class: "swc-status", role: "status" }, "Automated assistant");
  heading.appendChild(status);
  var closeButton = el("button", { type: "button", class: "swc-close", "aria-label": "Close chat" });
  closeButton.appendChild(svg("M6 6l12 12M18 6L6 18"));
  header.appendChild(heading);
  header.appendChild(closeButton);

  var log = el("ol", { class: "swc-log", "aria-label": "Conversation", tabindex: "0" });
  var typing = el("div", { class: "swc-typing", hidden: "" });
  typing.appendChild(el("span", { class: "swc-sr-only" }, "The assistant is typing"));
  ["", "", ""].forEach(function () {
    typing.appendChild(el("span", { class: "swc-dot", "aria-hidden": "true" }));
  });

  var privacy = el("p", { class: "swc-privacy" },
    "You're chatting with an automated assistant. We keep this conversation to answer you. ");
  privacy.appendChild(el("a", {
    href: privacyUrl, target: "_blank", rel: "noopener noreferrer", class: "swc-privacy-link",
  }, "Privacy notice"));

  var form = el("form", { class: "swc-form" });
  form.appendChild(el("label", { for: "swc-input", class: "swc-sr-only" }, "Your message"));
  var input = el("input", {
    id: "swc-input",
    class: "swc-input",
    type: "text",
    autocomplete: "off",
    maxlength: String(MAX_MESSAGE_CHARS),
    placeholder: "Type your question…",
  });
  var sendButton = el("button", { type: "submit", class: "swc-send" }, "Send");
  form.appendChild(input);
  form.appendChild(sendButton);

  // Only new bot messages go here, so screen readers announce them (not the visitor's own).
  var announcer = el("div", { class: "swc-sr-only swc-announcer", "aria-live": "polite" });

  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(privacy);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);
  root.appendChild(announcer);

  // ---- rendering ----------------------------------------------------------------------------
  /** Append `text` to `parent` as text nodes, with http(s) addresses as safe links. */
  function appendText(parent, text) {
    var last = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(text)) !== null) {
      var raw = match[0];
      // Sentence punctuation and an unmatched ")" after an address are not part of it.
      while (/[.,;:!?]$/.test(raw) ||
        (raw.slice(-1) === ")" && raw.split("(").length < raw.split(")").length)) {
        raw = raw.slice(0, -1);
      }
      var href = httpUrl(raw);
      if (!href) continue;
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, raw));
      last = match.index + raw.length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function renderEntry(entry) {
    var item = el("li", { class: "swc-msg swc-" + entry.who });
    item.appendChild(el("span", { class: "swc-sr-only" },
      entry.who === "bot" ? "Assistant: " : "You: "));
    var bubble = el("div", { class: "swc-bubble" });
    appendText(bubble, entry.text);
    if (entry.image) {
      if (entry.text) bubble.appendChild(document.createTextNode(" "));
      bubble.appendChild(el("a", {
        href: entry.image, target: "_blank", rel: "noopener noreferrer",
      }, "Open the picture"));
    }
    item.appendChild(bubble);
    log.appendChild(item);
    return item;
  }

  function renderQuickReplies(buttons) {
    removeQuickReplies();
    var group = el("li", { class: "swc-quick", role: "group", "aria-label": "Suggested replies" });
    buttons.forEach(function (button) {
      var chip = el("button", { type: "button", class: "swc-chip" }, button.title);
      chip.addEventListener("click", function () {
        send(button.payload, button.title);
      });
      group.appendChild(chip);
    });
    log.appendChild(group);
  }

  function removeQuickReplies() {
    Array.prototype.forEach.call(log.querySelectorAll(".swc-quick"), function (group) {
      var hadFocus = group.contains(document.activeElement);
      group.remove();
      if (hadFocus) input.focus();
    });
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function renderHistory() {
    log.textContent = "";
    if (!history.length) {
      renderEntry({
        who: "bot",
        text: "Hello! Ask me anything about facial acupuncture: does it hurt, is it safe, " +
          "what it costs, or book a first session.",
      });
    }
    history.forEach(renderEntry);
    var last = history[history.length - 1];
    if (last && last.who === "bot" && last.buttons && last.buttons.length) {
      renderQuickReplies(last.buttons);
    }
    scrollToEnd();
  }

  function addEntry(entry, announce) {
    history.push(entry);
    saveHistory();
    if (history.length === 1) renderHistory(); // replaces the local greeting
    else renderEntry(entry);
    if (entry.buttons && entry.buttons.length) renderQuickReplies(entry.buttons);
    if (announce) {
      announcer.appendChild(el("p", null, entry.text));
      while (announcer.childNodes.length > 3) announcer.removeChild(announcer.firstChild);
    }
    scrollToEnd();
  }

  function setStatus(text, warning) {
    status.textContent = text;
    status.classList.toggle("swc-warning", !!warning);
  }

  function showTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    if (on) {
      typingTimer = setTimeout(function () { typing.hidden = true; }, TYPING_TIMEOUT_MS);
      scrollToEnd();
    }
  }

  // ---- talking to the server ------------------------------------------------------------
  function normaliseButtons(message) {
    var buttons = message.quick_replies || message.buttons;
    if (!Array.isArray(buttons)) return undefined;
    var clean = buttons.filter(function (b) {
      return b && typeof b.title === "string" && typeof b.payload === "string";
    }).map(function (b) {
      return { title: b.title, payload: b.payload };
    });
    return clean.length ? clean : undefined;
  }

  function onBotMessage(message) {
    if (!message || typeof message !== "object") return;
    var entry = { who: "bot", text: typeof message.text === "string" ? message.text : "" };
    var buttons = normaliseButtons(message);
    if (buttons) entry.buttons = buttons;
    var attachment = message.attachment;
    if (attachment && attachment.type === "image" && attachment.payload) {
      var image = httpUrl(attachment.payload.src);
      if (image) entry.image = image;
    }
    if (!entry.text && !entry.buttons && !entry.image) return;
    showTyping(false);
    addEntry(entry, true);
  }

  function flushOutbox() {
    while (confirmed && socket && socket.connected && outbox.length) {
      socket.emit("user_uttered", { message: outbox.shift(), session_id: sessionId });
    }
  }

  function send(message, shownAs) {
    message = message.trim().slice(0, MAX_MESSAGE_CHARS);
    if (!message) return;
    if (history.length) {
      var last = history[history.length - 1];
      if (last.buttons) {
        delete last.buttons; // a reply was given: the buttons are spent
      }
    }
    removeQuickReplies();
    addEntry({ who: "user", text: shownAs || message }, false);
    outbox.push(message);
    showTyping(true);
    connect();
    flushOutbox();
  }

  function loadSocketIo() {
    return new Promise(function (resolve, reject) {
      var had = Object.prototype.hasOwnProperty.call(window, "io");
      var previous = window.io;
      var tag = el("script", { src: assetBase + "socket.io.min.js", async: "" });
      tag.onload = function () {
        var io = window.io;
        if (had) window.io = previous; // leave the page's own socket.io alone
        else delete window.io;
        if (typeof io === "function") resolve(io);
        else reject(new Error("socket.io client did not load"));
      };
      tag.onerror = function () { reject(new Error("socket.io client did not load")); };
      document.head.appendChild(tag);
    });
  }

  var connecting = null;
  function connect() {
    if (connecting) return connecting;
    setStatus("Connecting…");
    connecting = loadSocketIo().then(function (io) {
      socket = io(serverUrl, {
        path: socketPath,
        transports: ["websocket", "polling"],
        reconnectionDelay: 1000,
        reconnectionDelayMax: 5000,
        timeout: 10000,
      });
      socket.on("connect", function () {
        confirmed = false;
        socket.emit("session_request", { session_id: sessionId });
      });
      socket.on("session_confirm", function (id) {
        if (typeof id === "string" && id && id !== sessionId) {
          sessionId = id; // the server did not accept ours and made a new one
          store.set("session", sessionId);
        }
        confirmed = true;
        setStatus("Automated assistant");
        flushOutbox();
      });
      socket.on("disconnect", function (reason) {
        confirmed = false;
        setStatus("Connection lost - reconnecting…", true);
        if (reason === "io server disconnect") socket.connect();
      });
      socket.on("connect_error", function () {
        confirmed = false;
        setStatus("Can't reach the clinic's chat - retrying…", true);
      });
      socket.on("bot_uttered", onBotMessage);
    }, function () {
      connecting = null;
      setStatus("The chat could not start. Please call the clinic.", true);
    });
    return connecting;
  }

  window.addEventListener("online", function () {
    if (socket && !socket.connected) socket.connect();
  });

  // ---- opening, closing, keyboard ---------------------------------------------------------
  function focusable() {
    return Array.prototype.filter.call(
      panel.querySelectorAll("a[href], button:not([disabled]), input:not([disabled]), [tabindex='0']"),
      function (node) { return node.getClientRects().length > 0; }
    );
  }

  function open() {
    if (isOpen) return;
    isOpen = true;
    renderHistory();
    panel.hidden = false;
    root.classList.add("swc-open");
    launcher.setAttribute("aria-expanded", "true");
    input.focus();
    connect();
  }

  function close() {
    if (!isOpen) return;
    isOpen = false;
    panel.hidden = true;
    root.classList.remove("swc-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (isOpen) close();
    else open();
  });
  closeButton.addEventListener("click", close);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
    input.focus();
  });

  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
      return;
    }
    if (event.key !== "Tab") return;
    var items = focusable();
    if (!items.length) return;
    var first = items[0];
    var last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || !panel.contains(document.activeElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });

  // Focus that leaves the open panel (a click on the page, say) is brought back.
  document.addEventListener("focusin", function (event) {
    if (isOpen && !panel.contains(event.target)) input.focus();
  });
  document.addEventListener("keydown", function (event) {
    if (isOpen && event.key === "Escape" && !panel.contains(event.target)) close();
  });

  // ---- start ----------------------------------------------------------------------------------
  function mount() {
    var css = el("link", { rel: "stylesheet", href: assetBase + "widget.css" });
    var shown = false;
    function show() {
      if (!shown) root.hidden = false;
      shown = true;
    }
    css.onload = show;
    css.onerror = show;
    setTimeout(show, 3000);
    document.head.appendChild(css);
    document.body.appendChild(root);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
