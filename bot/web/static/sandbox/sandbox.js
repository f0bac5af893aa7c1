// The sandbox page: two WhatsApp chats with the bot, its mailbox, and the operator's buttons.
// It only talks to /sandbox/api/* (JSON); the server signs what is typed here as Twilio would and shows what the fake
// Twilio received. No framework, no inline code (the page's policy allows scripts from this origin only).
"use strict";

(() => {
  const POLL_MS = 600;
  const OPTION_LINE = /^\s*(\d{1,2})\.\s+(.+)$/; // messages.OPTION_LINE, "{number}. {label}"
  const LINK = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)])/g;
  const BOLD = /\*([^*\n]+)\*/g;
  let content = {}; // ContentSid -> definition, as the server knows them
  let mailKey = "";

  document.documentElement.classList.add("js");

  // -- talking to the server ----------------------------------------------------------------------------------

  async function api(path, body) {
    const init = body === undefined ? {} : {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
    };
    const response = await fetch(path, {...init, cache: "no-store"});
    const text = await response.text();
    let data = {};
    try {
      data = JSON.parse(text);
    } catch {
      data = {};
    }
    if (!response.ok) throw new Error(data.error || text.trim() || String(response.status));
    return data;
  }

  function say(text) {
    document.getElementById("operator-status").textContent = text;
  }

  // -- drawing a message ----------------------------------------------------------------------------------------

  // Text as WhatsApp shows it: *bold* and links (opened in a new tab: the Zoom sandbox's consent pages).
  function inline(parent, text) {
    const pieces = text.split(LINK);
    pieces.forEach((piece, i) => {
      if (i % 2 === 1) {
        const a = document.createElement("a");
        a.href = piece;
        a.textContent = piece;
        a.target = "_blank";
        a.rel = "noopener";
        parent.append(a);
        return;
      }
      bold(parent, piece);
    });
  }

  function bold(parent, text) {
    text.split(BOLD).forEach((part, j) => {
      if (j % 2 === 1) {
        const strong = document.createElement("strong");
        strong.textContent = part;
        parent.append(strong);
      } else if (part) {
        parent.append(document.createTextNode(part));
      }
    });
  }

  function fill(template, variables) {
    return String(template ?? "").replace(/\{\{(\w+)\}\}/g, (_, name) => variables?.[name] ?? "");
  }

  // A Content API definition -> what to draw. One entry per content type; issue 8's rich messages (quick replies,
  // list pickers, call-to-action buttons) draw from here, any other type falls back to its text.
  const CONTENT_TYPES = {
    "twilio/text": (t, v) => ({body: fill(t.body, v), actions: []}),
    "twilio/quick-reply": (t, v) => ({
      body: fill(t.body, v),
      actions: (t.actions || []).map((a) => ({
        label: fill(a.title, v), body: fill(a.title, v), payload: fill(a.id, v),
      })),
    }),
    "twilio/list-picker": (t, v) => ({
      body: fill(t.body, v), listTitle: fill(t.button, v),
      actions: (t.items || []).map((i) => ({
        label: fill(i.item, v), description: fill(i.description, v), body: fill(i.item, v), payload: fill(i.id, v),
      })),
    }),
    "twilio/call-to-action": (t, v) => ({
      body: fill(t.body, v), actions: [],
      links: (t.actions || []).filter((a) => a.url).map((a) => ({label: fill(a.title, v), url: fill(a.url, v)})),
    }),
  };

  function fromContent(message) {
    const definition = content[message.content_sid];
    if (!definition) return null;
    for (const [type, template] of Object.entries(definition.types || {})) {
      if (CONTENT_TYPES[type]) return CONTENT_TYPES[type](template, message.content_variables || {});
    }
    const any = Object.values(definition.types || {})[0] || {};
    return {body: fill(any.body, message.content_variables || {}), actions: []};
  }

  // Plain text: the bot's numbered choices ("1. Book a session") become rows to tap, which send the number.
  function fromText(body) {
    const lines = (body || "").split("\n");
    const options = [];
    lines.forEach((line, i) => {
      const m = OPTION_LINE.exec(line);
      if (m && Number(m[1]) === options.length + 1) options.push({index: i, number: m[1], label: m[2]});
    });
    if (!options.length) return {body: body || "", actions: []};
    const first = options[0].index, last = options[options.length - 1].index;
    const optionLines = new Set(options.map((o) => o.index));
    return {  // the text before the rows, the rows, then the text after them (as WhatsApp draws a list's footer)
      body: lines.slice(0, first).join("\n").replace(/\n+$/, ""),
      actions: options.map((o) => ({label: `${o.number}. ${o.label}`, body: o.number, payload: null})),
      footer: lines.slice(first, last + 1).filter((_, i) => !optionLines.has(i + first)).concat(lines.slice(last + 1))
        .join("\n").replace(/^\n+|\n+$/g, ""),
    };
  }

  function drawMessage(chat, message, tappable) {
    const li = document.createElement("li");
    const mine = message.direction === "in";
    li.className = `msg ${mine ? "mine" : "bot"}`;
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = mine ? "You: " : "Bot: ";
    li.append(who);
    const drawn = mine ? {body: message.body, actions: []}
      : fromContent(message) || fromText(message.body);
    if (drawn.body) {
      const p = document.createElement("p");
      p.className = "body";
      inline(p, drawn.body);
      li.append(p);
    }
    for (const url of message.media_urls || []) {
      const img = document.createElement("img");
      img.src = url;
      img.alt = "Image sent by the bot";
      img.className = "media";
      li.append(img);
    }
    for (const link of drawn.links || []) {
      const a = document.createElement("a");
      a.href = link.url;
      a.textContent = link.label;
      a.className = "cta";
      a.target = "_blank";
      a.rel = "noopener";
      li.append(a);
    }
    if (drawn.actions.length) {
      const group = document.createElement(tappable ? "div" : "ol");
      group.className = tappable ? "options" : "options past";
      if (drawn.listTitle) group.setAttribute("aria-label", drawn.listTitle);
      for (const action of drawn.actions) {
        if (tappable) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "option";
          bold(button, action.label);
          if (action.description) {
            const small = document.createElement("small");
            small.textContent = action.description;
            button.append(small);
          }
          button.addEventListener("click", () => send(chat, action.body, action.payload));
          group.append(button);
        } else {
          const row = document.createElement("li");
          bold(row, action.label);
          group.append(row);
        }
      }
      li.append(group);
    }
    if (drawn.footer) {
      const p = document.createElement("p");
      p.className = "body footer";
      inline(p, drawn.footer);
      li.append(p);
    }
    return li;
  }

  function drawChat(chat, messages) {
    const last = messages[messages.length - 1];
    const key = `${chat.shown}|${messages.length}|${last ? last.sid || last.at : ""}`;
    if (key === chat.key) return;
    chat.key = key;
    const latestBot = messages.map((m) => m.direction).lastIndexOf("out");
    const items = messages.map((m, i) => drawMessage(chat, m, i === latestBot && i === messages.length - 1));
    if (!items.length) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "No messages yet: say hi.";
      items.push(empty);
    }
    chat.list.replaceChildren(...items);
    chat.list.scrollTop = chat.list.scrollHeight;
  }

  // -- the mailbox ----------------------------------------------------------------------------------------------

  function drawMail(mail) {
    const list = document.getElementById("mails");
    if (mail === null) {
      document.getElementById("mailbox-note").textContent =
        "Mail goes to SMTP_URL: unset it to collect mail here.";
      list.replaceChildren();
      return;
    }
    const key = mail.map((m) => m.id).join(",");
    if (key === mailKey) return;
    mailKey = key;
    const items = mail.map((m) => {
      const li = document.createElement("li");
      li.className = "mail";
      const h = document.createElement("h3");
      h.textContent = m.subject;
      const meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = `To ${m.to} · ${m.date}`;
      const body = document.createElement("p");
      body.className = "mail-body";
      inline(body, m.text.replace(/\s+$/, ""));
      li.append(h, meta, body);
      for (const file of m.attachments) {
        const a = document.createElement("a");
        a.href = file.url;
        a.download = file.filename;
        a.className = "attachment";
        a.textContent = `Download ${file.filename}`;
        li.append(a);
      }
      return li;
    });
    if (!items.length) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "No mail yet.";
      items.push(empty);
    }
    list.replaceChildren(...items);
  }

  // -- the chats ------------------------------------------------------------------------------------------------

  function setupChat(pane) {
    const side = pane.dataset.side, who = pane.dataset.title;
    pane.append(document.getElementById("chat-template").content.cloneNode(true));
    for (const el of pane.querySelectorAll("[id], [for]")) {
      for (const attribute of ["id", "for"]) {
        if (el.hasAttribute(attribute)) el.setAttribute(attribute, el.getAttribute(attribute).replace("SIDE", side));
      }
    }
    pane.querySelector(".title").textContent = who;
    pane.querySelector(".messages").setAttribute("aria-label", `${who}'s chat`);
    pane.querySelector(".composer-label").textContent = `Message as the ${who.toLowerCase()}`;
    pane.querySelector(".text").placeholder = `Type a message, e.g. ${pane.dataset.hint}`;
    const chat = {
      pane, side, key: "", shown: "",
      number: pane.querySelector(".number"), name: pane.querySelector(".name"),
      list: pane.querySelector(".messages"), text: pane.querySelector(".text"),
      sendButton: pane.querySelector(".send"),
    };
    chat.number.value = localStorage.getItem(`sandbox.${side}.number`) || pane.dataset.number;
    chat.name.value = localStorage.getItem(`sandbox.${side}.name`) ?? pane.dataset.name;
    chat.number.addEventListener("change", () => localStorage.setItem(`sandbox.${side}.number`, chat.number.value));
    chat.name.addEventListener("change", () => localStorage.setItem(`sandbox.${side}.name`, chat.name.value));
    pane.querySelector(".composer").addEventListener("submit", (event) => {
      event.preventDefault();
      send(chat, chat.text.value, null);
    });
    return chat;
  }

  async function send(chat, body, payload) {
    if (!body || !body.trim()) return;
    chat.sendButton.disabled = true;
    try {
      await api("/sandbox/api/send", {number: chat.number.value, name: chat.name.value, body, payload});
      if (body === chat.text.value) chat.text.value = "";
      poll();
    } catch (error) {
      say(`Not sent: ${error.message}`);
    } finally {
      chat.sendButton.disabled = false;
      chat.text.focus();
    }
  }

  const chats = [...document.querySelectorAll(".pane.chat")].map(setupChat);

  let timer = null;
  async function poll() {
    clearTimeout(timer);
    try {
      const query = chats.map((c) => `number=${encodeURIComponent(c.number.value)}`).join("&");
      const state = await api(`/sandbox/api/state?${query}`);
      content = state.content || {};
      document.getElementById("clock-now").textContent = state.now.replace("T", " ").replace("+00:00", " UTC");
      const offset = state.clock_offset_hours;
      document.getElementById("clock-offset").textContent =
        offset ? `(moved ${+offset.toFixed(2)} h ahead)` : "";
      for (const chat of chats) {
        chat.shown = chat.number.value;
        drawChat(chat, state.chats[Object.keys(state.chats).find((n) => n.replace(/\D/g, "") ===
          chat.number.value.replace(/\D/g, ""))] || []);
      }
      drawMail(state.mail);
    } catch (error) {
      say(`The sandbox did not answer: ${error.message}`);
    }
    timer = setTimeout(poll, POLL_MS);
  }

  // -- the operator's buttons -----------------------------------------------------------------------------------

  document.getElementById("run-sweep").addEventListener("click", async () => {
    try {
      const {done} = await api("/sandbox/api/sweep", {});
      say(`Sweep done: ${Object.entries(done).map(([k, v]) => `${v} ${k}`).join(", ")}.`);
      poll();
    } catch (error) {
      say(`Sweep failed: ${error.message}`);
    }
  });
  const moveClock = async (body) => {
    try {
      const state = await api("/sandbox/api/clock", body);
      say(`The bot's clock now reads ${state.now.replace("T", " ").replace("+00:00", " UTC")}.`);
      poll();
    } catch (error) {
      say(`Clock not moved: ${error.message}`);
    }
  };
  for (const button of document.querySelectorAll(".clock-step")) {
    button.addEventListener("click", () => moveClock({hours: Number(button.dataset.hours)}));
  }
  document.getElementById("clock-reset").addEventListener("click", () => moveClock({reset: true}));

  // -- tabs (narrow screens show one pane at a time) ------------------------------------------------------------

  const tabs = [...document.querySelectorAll("[role=tab]")];
  function select(tab) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).classList.toggle("active", on);
    }
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = {ArrowRight: 1, ArrowLeft: -1}[event.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });
  select(tabs[0]);

  poll();
})();
