// Liaison PID guard, browser helper. The same block rules as liaison/privacy/detection.py, checked as
// the user types so they can fix the text before sending it. A helper only: the server decides.
// Every <textarea> or <input> with a data-pid-guard attribute gets an NHS-style error message below
// it naming what was found, masked. No dependencies, no eval, no inline script or style.
(function () {
  "use strict";
  var MASK = "\u2022";
  var REMOVE = " Remove it: Liaison must not hold information that identifies a patient.";
  var MESSAGES = {
    nhs_number: ["This contains an NHS number (", ")." + REMOVE + " Use the local patient reference field for the practice or hospital number."],
    postcode: ["This contains a postcode (", ")." + REMOVE + " If the place matters, name the practice, hospital or ward instead."],
    email: ["This contains an email address (", ")." + REMOVE + " Contact details for organisations are in the directory."],
    phone: ["This contains a phone number (", ")." + REMOVE + " Bleep and extension numbers are fine; contact details for organisations are in the directory."],
    date_of_birth: ["This contains a date of birth (", ")." + REMOVE + " If age matters clinically, give the age in years instead."]
  };
  // Patterns capture the character before the match (JavaScript engines in older NHS browsers lack
  // lookbehind), so a match starts at index + length of group 1.
  var SEP = "(?:[ \\u00a0\\u2009\\u202f]{1,2}| ?[./\\-\\u2010\\u2011\\u2013] ?)?";
  var NHS = new RegExp("(^|[^0-9])([0-9]{3}" + SEP + "[0-9]{3}" + SEP + "[0-9]{4})(?![0-9])", "g");
  // After a cue ("NHS no.", "CHI") any grouping of the ten digits counts; group 3 is the number.
  var NHS_CUE = new RegExp("(^|[^A-Za-z0-9])((?:NHS|nhs|Nhs|CHI|H ?& ?C)(?: *(?:[Nn]o|NO|[Nn]umber|NUMBER|[Nn]um)\\b)?\\.?(?: +(?:is|was))? *[:#=\\-]? *)" +
    "([0-9](?:(?:[ \\u00a0]{1,2}| ?[./_\\-\\u2010\\u2011\\u2013] ?)?[0-9]){9})(?![0-9])", "g");
  var POSTCODE = /(^|[^A-Za-z0-9])(GIR {0,2}0AA|BFPO {0,2}[0-9]{1,4}|(?:ASCN|STHL|TDCU|BBND|BIQQ|FIQQ|PCRN|SIQQ|TKCA) {0,2}1ZZ|(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?) {0,2}([0-9][ABD-HJLNP-UW-Z]{2}))(?![A-Za-z0-9])/gi;
  var EMAIL = /(^|[^\w.+'%-])([A-Za-z0-9](?:[\w.+'%-]*\w)? ?@ ?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.([A-Za-z]{2,})))(?![\w-])/g;
  var DOT = "(?: *[\\[({<] *dot *[\\])}>] *| +dot +|\\.)";
  var OBFUSCATED = new RegExp("(^|[^\\w.+'-])([A-Za-z0-9][\\w+'-]*(?:" + DOT + "[A-Za-z0-9][\\w+'-]*)*)(?: *([\\[({<] *at *[\\])}>]) *| +at +)" +
    "([A-Za-z0-9][A-Za-z0-9-]*(?:" + DOT + "[A-Za-z0-9][A-Za-z0-9-]*)*)" + DOT +
    "(com|net|org|uk|gov|nhs|ac|co|io|scot|wales|cymru|ie|info|me|email|mail)(?![A-Za-z0-9]|\\.[A-Za-z0-9]|/)", "gi");
  var SPELLED_DOT = /[\[({<] *dot *[\])}>]| dot /i;
  var PROVIDERS = /^(gmail|googlemail|hotmail|outlook|live|yahoo|icloud|me|btinternet|sky|aol|virginmedia|talktalk|protonmail|proton|msn|ntlworld|blueyonder|tiscali|mail|nhs)$/i;
  var NOT_MAILBOX = /^(available|found|seen|is|are|was|were|online|look|visit|published|located|here|there|info|information|guidance|details|website|site|it|them|us|this|that|email|contact|advice|leaflet|page)$/i;
  var PHONE = /(^|[^\w+])((?:(?:\+|00) ?44 ?(?:\(0\) ?)?|\(0|0)[0-9]{1,5}\)?(?:[ .\-]?[0-9]{2,6}){1,4})(?![0-9])/g;
  var MONTH = "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?";
  var DATE = new RegExp("(^|[^\\w/.])(([0-9]{1,2})([/.\\-])([0-9]{1,2})\\4([0-9]{4}|[0-9]{2})(?![\\w/]|[.\\-][0-9])" +
    "|(?:19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}(?![\\w/]|[.\\-][0-9])" +
    "|[0-9]{1,2}(?:st|nd|rd|th)?(?: +of)? +" + MONTH + ",? +(?:[0-9]{4}|'?[0-9]{2})(?!\\w)" +
    "|" + MONTH + " +(?:[0-9]{1,2}(?:st|nd|rd|th)?,? +)?(?:19|20)[0-9]{2}(?!\\w)" +
    "|([0-3][0-9])([01][0-9])((?:19|20)[0-9]{2})(?!\\w)|([0-3][0-9])([01][0-9])([0-9]{2})(?!\\w))", "gi");
  var BIRTH_BEFORE = /\b(?:d\.? ?o\.? ?b\b\.?|date +of +birth|born|birthday|birth ?date)/gi;
  var BIRTH_AFTER = /^ *[(\-\u2013,:]? *(?:[A-Za-z']+ +){0,3}(?:d\.? ?o\.? ?b\b|date +of +birth|birthday)/i;

  function digitsOf(text) { return text.replace(/[^0-9]/g, ""); }

  function isValidNhsNumber(digits) {
    if (!/^[0-9]{10}$/.test(digits)) return false;
    var total = 0;
    for (var i = 0; i < 9; i++) total += Number(digits[i]) * (10 - i);
    var check = 11 - (total % 11);
    if (check === 11) check = 0;
    if (check === 10 || check !== Number(digits[9])) return false;
    var prefix = Number(digits.slice(0, 3));
    if ((prefix >= 400 && prefix <= 499) || (prefix >= 600 && prefix <= 799) || (prefix >= 320 && prefix <= 399) || prefix >= 900) return true;
    return prefix >= 10 && prefix <= 311 && isRealDate(Number(digits.slice(0, 2)), Number(digits.slice(2, 4)), 2000);
  }

  function isRealDate(day, month, year) {
    var date = new Date(Date.UTC(year, month - 1, day));
    return month >= 1 && month <= 12 && date.getUTCDate() === day && date.getUTCMonth() === month - 1;
  }

  // Keep the first `start` and last `end` letters or digits; mask the rest; keep separators.
  function maskMiddle(text, start, end) {
    var positions = [];
    for (var i = 0; i < text.length; i++) if (/[A-Za-z0-9]/.test(text[i])) positions.push(i);
    if (positions.length <= start + end) { start = 0; end = 0; }
    var shown = positions.slice(0, start).concat(end ? positions.slice(positions.length - end) : []);
    return text.replace(/[A-Za-z0-9]/g, function (char, index) { return shown.indexOf(index) >= 0 ? char : MASK; });
  }
  function maskDigits(text, start, end) {
    var positions = [];
    for (var i = 0; i < text.length; i++) if (/[0-9]/.test(text[i])) positions.push(i);
    var shown = positions.slice(0, start).concat(positions.slice(positions.length - end));
    return text.replace(/[0-9]/g, function (char, index) { return shown.indexOf(index) >= 0 ? char : MASK; });
  }
  function maskEmail(local, topLevel) {
    topLevel = topLevel.toLowerCase();
    return local.charAt(0) + MASK + MASK + MASK + "@" + MASK + MASK + MASK + (topLevel.length >= 2 && topLevel.length <= 4 ? "." + topLevel : "");
  }

  function each(pattern, text, callback) {
    pattern.lastIndex = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      callback(match, match.index + match[1].length);
      if (match[0].length === 0) pattern.lastIndex++;
    }
  }

  function isPhone(candidate) {
    var digits = digitsOf(candidate.replace("(0)", ""));
    if (/^\+|^00/.test(candidate)) digits = "0" + digits.replace(/^0*44/, "");
    // Full-length UK numbers only: the server also checks shorter ones against the numbering plan.
    return digits.length === 11 && /^0[1235789]/.test(digits);
  }

  function nearBirthWord(text, start, end) {
    var match;
    BIRTH_BEFORE.lastIndex = 0;
    while ((match = BIRTH_BEFORE.exec(text)) !== null && match.index < start) {
      var gap = text.slice(match.index + match[0].length, start);
      if (gap.length <= 40 && gap.trim().split(/\s+/).filter(Boolean).length <= 4 && gap.replace(/^[ .:]+|[ .:]+$/g, "").indexOf(".") < 0 && !/[0-9]/.test(gap)) return true;
    }
    var after = BIRTH_AFTER.exec(text.slice(end));
    return after !== null && !/^[ :.\-]*[0-9]/.test(text.slice(end + after[0].length));
  }

  function scan(text) {
    var found = [];
    function add(kind, start, matched, masked) {
      found.push({ kind: kind, start: start, end: start + matched.length, masked: masked, message: MESSAGES[kind][0] + masked + MESSAGES[kind][1] });
    }
    each(NHS, text, function (m, start) { if (isValidNhsNumber(digitsOf(m[2]))) add("nhs_number", start, m[2], maskDigits(m[2], 3, 2)); });
    each(NHS_CUE, text, function (m, start) { if (isValidNhsNumber(digitsOf(m[3]))) add("nhs_number", start + m[2].length, m[3], maskDigits(m[3], 3, 2)); });
    each(PHONE, text, function (m, start) {
      var candidate = m[2];
      // Drop trailing groups that ran into the number ("07700 900123 15 tablets"), as the server does.
      for (var shorter = candidate; digitsOf(candidate).length >= 10; candidate = shorter) {
        if (isPhone(candidate)) { add("phone", start, candidate, maskDigits(candidate, 2, 2)); return; }
        shorter = candidate.replace(/[ .\-][0-9]+$/, "");
        if (shorter === candidate) return;
      }
    });
    each(POSTCODE, text, function (m, start) {
      if (m[3] && m[3] === m[3].toLowerCase() && /^(1st|2nd|3rd|[4-9]th)$/.test(m[3])) return;
      var compact = m[2].replace(/\s/g, "").toUpperCase();
      add("postcode", start, m[2], (/^BFPO/.test(compact) ? "BFPO" : compact.slice(0, -3)) + " " + MASK + MASK + MASK);
    });
    each(EMAIL, text, function (m, start) { add("email", start, m[2], maskEmail(m[2], m[4])); });
    each(OBFUSCATED, text, function (m, start) {
      var local = m[2], domain = m[4] + "." + m[5], matched = m[0].slice(m[1].length);
      var spelled = m[3] || SPELLED_DOT.test(matched);
      if (!spelled && (NOT_MAILBOX.test(local) || /^www\./i.test(domain) || !(/[._0-9]/.test(local) || PROVIDERS.test(domain.split(".")[0])))) return;
      // "CH1 4BJ at england.nhs.uk": a postcode followed by "at" and a web address, not a mailbox.
      if (!spelled && found.some(function (f) { return f.kind === "postcode" && f.start < start + local.length && start < f.end; })) return;
      add("email", start, matched, maskEmail(local, m[5]));
    });
    each(DATE, text, function (m, start) {
      var matched = m[2], end = start + matched.length;
      var bare = m[7] !== undefined;
      if (m[3] && !isRealDate(Number(m[3]), Number(m[5]), m[6].length === 4 ? Number(m[6]) : 2000)) return;
      if (bare && !isRealDate(Number(m[7]), Number(m[8]), Number(m[9]))) return;
      if (m[10] && !isRealDate(Number(m[10]), Number(m[11]), 2000)) return;
      if (bare || nearBirthWord(text, start, end)) add("date_of_birth", start, matched, maskMiddle(matched, 2, 2));
    });
    // One finding per stretch of text, in the same order of preference as the server.
    var order = ["nhs_number", "date_of_birth", "phone", "email", "postcode"];
    found.sort(function (a, b) { return order.indexOf(a.kind) - order.indexOf(b.kind) || (b.end - b.start) - (a.end - a.start); });
    var kept = [];
    found.forEach(function (f) { if (kept.every(function (k) { return f.end <= k.start || f.start >= k.end; })) kept.push(f); });
    return kept.sort(function (a, b) { return a.start - b.start; });
  }

  function guard(field) {
    var id = (field.id || field.name || "field") + "-pid-guard";
    var message = document.createElement("span");
    message.className = "nhsuk-error-message";
    message.id = id;
    message.hidden = true;
    message.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", message);
    var errorClass = field.tagName === "TEXTAREA" ? "nhsuk-textarea--error" : "nhsuk-input--error";
    var group = field.closest(".nhsuk-form-group");
    var timer = null;
    var added = [];
    function update() {
      var findings = scan(field.value);
      message.textContent = "";
      findings.forEach(function (finding) {
        var line = document.createElement("span");
        line.className = "nhsuk-u-display-block";
        var prefix = document.createElement("span");
        prefix.className = "nhsuk-u-visually-hidden";
        prefix.textContent = "Error: ";
        line.appendChild(prefix);
        line.appendChild(document.createTextNode(finding.message));
        message.appendChild(line);
      });
      var show = findings.length > 0;
      message.hidden = !show;
      if (show !== (field.dataset.pidGuardShown === "true")) {
        field.dataset.pidGuardShown = String(show);
        // Leave alone any error styling the server put there: only undo what this script added.
        if (show) {
          added = [[field, errorClass], [group, "nhsuk-form-group--error"]].filter(function (pair) {
            return pair[0] && !pair[0].classList.contains(pair[1]);
          });
        }
        added.forEach(function (pair) { pair[0].classList.toggle(pair[1], show); });
        var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (x) { return x && x !== id; });
        if (show) described.push(id);
        if (described.length) field.setAttribute("aria-describedby", described.join(" "));
        else field.removeAttribute("aria-describedby");
      }
    }
    field.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 300); });
    field.addEventListener("blur", update);
    if (field.value) update();
  }

  var api = { scan: scan, isValidNhsNumber: isValidNhsNumber };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;
  } else {
    window.LiaisonPidGuard = api;
    var start = function () { document.querySelectorAll("textarea[data-pid-guard], input[data-pid-guard]").forEach(guard); };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})();
