// Builds Liaison's static assets into liaison/static/ from the pinned npm packages.
// The NHS.UK stylesheet is compiled without its remote @font-face, so no page needs a font
// from another host: Frutiger falls back to Arial as the design system intends.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const modules = join(root, "node_modules");
const out = join(root, "liaison", "static");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "vendor", "nhsuk"), { recursive: true });
mkdirSync(join(out, "vendor", "htmx"), { recursive: true });
mkdirSync(join(out, "liaison"), { recursive: true });

const nhsuk = join(modules, "nhsuk-frontend", "dist", "nhsuk");
cpSync(join(nhsuk, "assets"), join(out, "vendor", "nhsuk", "assets"), { recursive: true });
cpSync(join(nhsuk, "nhsuk-frontend.min.js"), join(out, "vendor", "nhsuk", "nhsuk-frontend.min.js"));
cpSync(join(modules, "htmx.org", "dist", "htmx.min.js"), join(out, "vendor", "htmx", "htmx.min.js"));

const css = sass.compile(join(here, "liaison.scss"), {
  loadPaths: [modules],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "color-functions", "slash-div"],
});
writeFileSync(join(out, "liaison", "liaison.css"), css.css);
cpSync(join(here, "init.js"), join(out, "liaison", "init.js"));
console.log(`Built Liaison assets into ${out}`);
