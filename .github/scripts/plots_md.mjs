// `dvc plots diff --json` on stdin -> one SVG per plot in DIR, and Markdown image links on stdout,
// so the pull-request comment shows the plots (CML uploads local images a comment links to).
// Rendered with vega's headless SVG renderer: no browser, no canvas.
//   dvc plots diff main --json | node .github/scripts/plots_md.mjs DIR > plots.md
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import * as vega from "vega";
import * as vl from "vega-lite";

const dir = process.argv[2] ?? "plots-md";
mkdirSync(dir, { recursive: true });
const plots = JSON.parse(readFileSync(0, "utf8")).data ?? {};
let n = 0;
for (const [name, renders] of Object.entries(plots)) {
  for (const render of renders) {
    if (render.type !== "vega") continue;
    const spec = render.content.$schema?.includes("vega-lite") ? vl.compile(render.content).spec : render.content;
    const view = new vega.View(vega.parse(spec), { renderer: "none" });
    const file = `${dir}/${String(++n).padStart(2, "0")}.svg`;
    writeFileSync(file, await view.toSVG());
    view.finalize();
    console.log(`**${name}**\n\n![${name}](${file})\n`);
  }
}
