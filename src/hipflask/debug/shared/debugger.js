// hipflask debugger: frame consoles, the PIN prompt and small page helpers.
// Plain browser JavaScript, no dependencies. Settings come from the JSON block the server
// renders (#hipflask-debugger-config); console output arrives as HTML the server escaped.
(function () {
  "use strict";

  const configNode = document.getElementById("hipflask-debugger-config");
  if (!configNode) {
    return;
  }
  const config = JSON.parse(configNode.textContent);
  let unlocked = Boolean(config.trusted);
  let afterUnlock = null;

  // ---- talking to the middleware ------------------------------------------------------

  function commandUrl(cmd) {
    const params = new URLSearchParams();
    params.set(config.key, "yes");
    params.set("cmd", cmd);
    return "?" + params.toString();
  }

  function post(cmd, fields) {
    const body = new URLSearchParams(fields);
    body.set("s", config.secret);
    return fetch(commandUrl(cmd), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      cache: "no-store",
    });
  }

  async function failureMessage(response) {
    if (response.status === 404) {
      return "The server does not know this page any more (did it restart?). Reload the page.";
    }
    const text = (await response.text()).trim();
    return text || "The server answered " + response.status + ".";
  }

  // ---- PIN prompt ----------------------------------------------------------------------

  const pinPrompt = document.getElementById("pin-prompt");
  const pinForm = document.getElementById("pin-form");
  const pinInput = document.getElementById("pin-input");
  const pinError = document.getElementById("pin-error");
  const pinSubmit = document.getElementById("pin-submit");

  function askForPin(then, message) {
    if (!pinPrompt) {
      return;
    }
    afterUnlock = then || null;
    pinError.textContent = message || "";
    pinPrompt.hidden = false;
    pinInput.value = "";
    pinInput.focus();
    // Have the server print the PIN again, in case its start-up lines scrolled away.
    post("printpin", {}).catch(function () {});
  }

  function closePinPrompt() {
    pinPrompt.hidden = true;
    afterUnlock = null;
  }

  async function submitPin(event) {
    event.preventDefault();
    pinSubmit.disabled = true;
    pinError.textContent = "";
    try {
      const response = await post("pinauth", { pin: pinInput.value });
      if (!response.ok) {
        throw new Error(await failureMessage(response));
      }
      const result = await response.json();
      if (result.auth) {
        unlocked = true;
        const next = afterUnlock;
        closePinPrompt();
        if (next) {
          next();
        }
      } else if (result.exhausted) {
        pinError.textContent = "Too many wrong PINs: the debugger is locked until the server restarts.";
      } else {
        pinError.textContent = "Wrong PIN, try again.";
        pinInput.select();
      }
    } catch (error) {
      pinError.textContent = error.message || "Could not check the PIN. Is the server running?";
    } finally {
      pinSubmit.disabled = false;
    }
  }

  if (pinForm) {
    pinForm.addEventListener("submit", submitPin);
    document.getElementById("pin-cancel").addEventListener("click", closePinPrompt);
    pinPrompt.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        closePinPrompt();
      }
    });
  }

  // ---- consoles ------------------------------------------------------------------------

  const consoles = new Map();

  function addExpanders(root) {
    root.querySelectorAll(".extended").forEach(function (part) {
      part.hidden = true;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "expand";
      button.textContent = "\u2026";
      button.title = "Show the rest";
      button.addEventListener("click", function () {
        part.hidden = !part.hidden;
        button.textContent = part.hidden ? "\u2026" : "\u00ab";
        button.title = part.hidden ? "Show the rest" : "Show less";
      });
      part.parentNode.insertBefore(button, part);
    });
  }

  function appendNote(output, text) {
    const note = document.createElement("div");
    note.className = "console-error";
    note.textContent = text;
    output.append(note);
  }

  function buildConsole(frameId, container) {
    const root = document.createElement("div");
    root.className = "console";
    const output = document.createElement("div");
    output.className = "console-output";
    output.setAttribute("aria-live", "polite");
    const form = document.createElement("form");
    form.className = "console-input";
    const promptLabel = document.createElement("span");
    promptLabel.className = "prompt";
    promptLabel.textContent = ">>>";
    const input = document.createElement("input");
    input.type = "text";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("autocapitalize", "off");
    input.setAttribute("aria-label", "Python input");
    form.append(promptLabel, input);
    root.append(output, form);
    container.append(root);

    const history = [];
    let position = 0;

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const code = input.value;
      if (code.trim()) {
        history.push(code);
      }
      position = history.length;
      input.value = "";
      input.disabled = true;
      try {
        const response = await post("eval", { frm: frameId, code: code });
        if (response.status === 403) {
          const reason = await failureMessage(response);
          unlocked = false;
          askForPin(function () {
            input.value = code;
            form.requestSubmit();
          }, reason);
          return;
        }
        if (!response.ok) {
          appendNote(output, await failureMessage(response));
          return;
        }
        const entry = document.createElement("div");
        entry.className = "console-entry";
        entry.innerHTML = await response.text();
        addExpanders(entry);
        output.append(entry);
        promptLabel.textContent = response.headers.get("X-Console-More") === "1" ? "..." : ">>>";
        output.scrollTop = output.scrollHeight;
      } catch (error) {
        appendNote(output, "Could not reach the server: " + error.message);
      } finally {
        input.disabled = false;
        input.focus();
      }
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowUp") {
        event.preventDefault();
        if (position > 0) {
          position -= 1;
          input.value = history[position];
        }
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        if (position < history.length) {
          position += 1;
          input.value = history[position] || "";
        }
      } else if (event.key === "l" && event.ctrlKey) {
        event.preventDefault();
        output.textContent = "";
      }
    });
    return { root: root, input: input };
  }

  function toggleConsole(frameId, container) {
    if (!unlocked) {
      askForPin(function () {
        toggleConsole(frameId, container);
      });
      return;
    }
    let entry = consoles.get(frameId);
    if (!entry) {
      entry = buildConsole(frameId, container);
      consoles.set(frameId, entry);
    } else {
      entry.root.hidden = !entry.root.hidden;
    }
    if (!entry.root.hidden) {
      entry.input.focus();
    }
  }

  function addConsoleButtons() {
    document.querySelectorAll(".traceback-section details.frame").forEach(function (frame) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "console-button";
      button.textContent = ">_";
      button.title = "Open a Python console in this frame";
      button.setAttribute("aria-label", "Open a Python console in this frame");
      button.addEventListener("click", function (event) {
        // The button sits in the <summary>: keep the click from folding the frame.
        event.preventDefault();
        event.stopPropagation();
        frame.open = true;
        toggleConsole(frame.dataset.frameId, frame);
      });
      frame.querySelector("summary").append(button);
    });
  }

  // ---- page helpers --------------------------------------------------------------------

  function addCopyButton() {
    const plain = document.getElementById("plain");
    if (!plain) {
      return;
    }
    const textarea = plain.querySelector("textarea");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    button.addEventListener("click", async function () {
      try {
        await navigator.clipboard.writeText(textarea.value);
      } catch (error) {
        textarea.select();
        document.execCommand("copy");
      }
      button.textContent = "Copied";
      setTimeout(function () {
        button.textContent = "Copy";
      }, 1500);
    });
    plain.append(button);
  }

  function addLibraryToggle() {
    const head = document.querySelector(".traceback-section .section-head");
    const library = document.querySelectorAll(".traceback-section details.frame.library");
    if (!head || library.length === 0) {
      return;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "library-toggle";
    let shown = false;
    const label = function () {
      button.textContent = (shown ? "Collapse" : "Expand") + " library frames (" + library.length + ")";
    };
    label();
    button.addEventListener("click", function () {
      shown = !shown;
      library.forEach(function (frame) {
        frame.open = shown;
      });
      label();
    });
    head.append(button);
  }

  function start() {
    addLibraryToggle();
    addCopyButton();
    if (config.evalex && !config.consolePage) {
      addConsoleButtons();
    }
    if (config.consolePage) {
      const container = document.getElementById("app-console");
      toggleConsole("0", container);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
