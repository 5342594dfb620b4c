// Parse Mermaid diagrams with Mermaid's own parser; print "OK <file>" or "FAIL <file>: why".
//
//   node tests/mermaid_check.mjs A.mmd B.mmd     (run with the working directory holding
//                                                 node_modules/mermaid and node_modules/jsdom)
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(join(process.cwd(), "package.json"));
const { JSDOM } = require("jsdom");
const dom = new JSDOM("<!DOCTYPE html><body></body>", { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import(pathToFileURL(require.resolve("mermaid")).href);
mermaid.initialize({ startOnLoad: false });

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    await mermaid.parse(readFileSync(file, "utf8"));
    console.log(`OK ${file}`);
  } catch (error) {
    failed += 1;
    const why = String(error?.message ?? error).split("\n").slice(0, 4).join(" | ");
    console.log(`FAIL ${file}: ${why}`);
  }
}
process.exit(failed ? 1 : 0);
