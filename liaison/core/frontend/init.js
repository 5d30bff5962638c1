// Starts the NHS.UK frontend components. Loaded as a module with the page's CSP nonce.
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";

initAll();
