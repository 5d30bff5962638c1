// Starts the NHS.UK frontend components. Loaded as a module with the page's CSP nonce.
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";

initAll();

// "Use this" on a suggested standard: ticks that standard (and Part B) only when the reporter asks.
// Suggestions are never applied by themselves.
document.addEventListener("click", (event) => {
  const trigger = event.target.closest("[data-use-standard]");
  if (!trigger) return;
  const code = trigger.dataset.useStandard;
  const status = trigger.closest(".liaison-standard-suggestion")?.querySelector("[data-use-standard-status]");
  const box = Array.from(document.querySelectorAll('input[name="standards"]')).find((input) => input.value === code);
  if (!box) {
    if (status) status.textContent = `${code} is not in the list of standards yet: choose the organisation first.`;
    return;
  }
  const partB = document.querySelector('input[name="part"][value="B"]');
  if (partB && !partB.checked) partB.checked = true;
  box.checked = true;
  box.dispatchEvent(new Event("change", { bubbles: true }));
  if (status) status.textContent = `${code} is now ticked under "Which standards were not met?". Check it is right.`;
});
