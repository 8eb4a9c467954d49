// The citizen's registration page (progressive enhancement; the page works without it as a form).
// The secret is in the link's fragment (#token=…), which no browser sends to a server: this script takes it, removes
// it from the address bar, and reads or cancels the registration through the API with X-Registration-Token.
(function () {
  "use strict";
  var root = document.getElementById("registration");
  if (!root || !window.fetch) {
    return;
  }
  var match = /(?:^#|&)token=([A-Za-z0-9_-]{20,100})(?:&|$)/.exec(window.location.hash);
  if (!match) {
    return;
  }
  var token = match[1];
  window.history.replaceState(null, "", window.location.pathname + window.location.search);

  var api = root.getAttribute("data-api");
  var english = document.documentElement.lang === "en";
  var statusBox = document.getElementById("registration-live-status");
  var errorBox = document.getElementById("registration-live-error");
  var details = document.getElementById("registration-details");
  var cancelBox = document.getElementById("registration-cancel-js");
  var tokenField = document.getElementById("token");
  if (tokenField) {
    tokenField.value = token; // the form below still works with it
  }

  function field(name) {
    return details.querySelector('[data-field="' + name + '"]');
  }

  function time(value) {
    var when = new Date(value);
    var text = new Intl.DateTimeFormat(english ? "en-GB" : "ja-JP", {
      timeZone: "Asia/Tokyo",
      year: "numeric",
      month: english ? "short" : "long",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(when);
    var element = document.createElement("time");
    element.setAttribute("datetime", value);
    element.textContent = english ? text + " JST" : text;
    return element;
  }

  function put(name, content) {
    var cell = field(name);
    if (!cell) {
      return;
    }
    cell.textContent = "";
    if (typeof content === "string") {
      cell.textContent = content;
    } else {
      cell.appendChild(content);
    }
  }

  function refuse(problem) {
    var title = problem && (english ? problem.title_en : problem.title_ja);
    errorBox.textContent = title || root.getAttribute("data-failed-message");
    errorBox.hidden = false;
  }

  function show(registration) {
    errorBox.hidden = true;
    var link = document.createElement("a");
    link.href = "/trainings/" + registration.training_id;
    link.textContent = registration.title_ja;
    put("title", link);
    field("title").setAttribute("lang", "ja");
    put("starts_at", time(registration.starts_at));
    var seat = root.getAttribute("data-seat-" + registration.seat) || registration.seat;
    if (registration.position) {
      seat += " (" + root.getAttribute("data-waitlist-label") + ": " + registration.position + ")";
    }
    put("seat", seat);
    put("name", registration.name || "—");
    put("email", registration.email || "—");
    put("registered_at", time(registration.registered_at));
    details.hidden = false;
    cancelBox.hidden = registration.seat === "cancelled";
    var form = document.getElementById("registration-token-form");
    if (form) {
      form.hidden = true;
    }
  }

  function call(method) {
    return window
      .fetch(api, {
        method: method,
        headers: { "X-Registration-Token": token, Accept: "application/json" },
        credentials: "omit", // the token is the authority; a session cookie would ask for a CSRF token
        cache: "no-store",
      })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      });
  }

  cancelBox.querySelector("button").addEventListener("click", function () {
    call("DELETE")
      .then(function (answer) {
        if (!answer.ok) {
          refuse(answer.body);
          return;
        }
        show(answer.body);
        statusBox.textContent = root.getAttribute("data-cancelled-message");
      })
      .catch(function () {
        refuse(null);
      });
  });

  call("GET")
    .then(function (answer) {
      if (answer.ok) {
        show(answer.body);
      } else {
        refuse(answer.body);
      }
    })
    .catch(function () {
      refuse(null);
    });
})();
