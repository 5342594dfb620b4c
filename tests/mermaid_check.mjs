// Parse Mermaid diagrams with Mermaid's own parser; print "OK <file>" or "FAIL <file>: why".
// A Markdown file (.md) is rendered with markdown-it first: each ```mermaid block is
// parsed, and the line says how many tables and diagrams it has.
//
//   node tests/mermaid_check.mjs A.mmd report.md   (run in a directory holding
//                                                   node_modules: mermaid, jsdom, markdown-it)
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

async function check(file) {
  const text = readFileSync(file, "utf8");
  if (!file.endsWith(".md")) {
    await mermaid.parse(text);
    return "";
  }
  const markdown = require("markdown-it")({ html: true });
  const tokens = markdown.parse(text, {});
  const diagrams = tokens.filter((t) => t.type === "fence" && t.info.trim() === "mermaid");
  for (const diagram of diagrams) await mermaid.parse(diagram.content);
  const tables = (markdown.render(text).match(/<table>/g) || []).length;
  return `: ${tables} tables, ${diagrams.length} mermaid diagrams`;
}

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    console.log(`OK ${file}${await check(file)}`);
  } catch (error) {
    failed += 1;
    const why = String(error?.message ?? error).split("\n").slice(0, 4).join(" | ");
    console.log(`FAIL ${file}: ${why}`);
  }
}
process.exit(failed ? 1 : 0);
