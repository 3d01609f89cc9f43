// Checks that every value exported by the deno.json entries (classes,
// functions, variables) has JSDoc with an `@example` (run by
// `deno test --doc`); exported types and interfaces without one are listed as
// notes. `deno doc --lint` checks the rest of the JSDoc.
//
//   deno run -A scripts/check_examples.ts
import process from "node:process";
import { bin, denoExports, mustRun, readDenoConfig, ROOT } from "./_tools.ts";

interface DocTag {
  kind: string;
  doc?: string;
}

interface DocDeclaration {
  kind: string;
  declarationKind: string;
  location: { filename: string; line: number };
  jsDoc?: { doc?: string; tags?: DocTag[] };
}

interface DocJson {
  nodes: Record<string, {
    symbols: { name: string; declarations: DocDeclaration[] }[];
  }>;
}

const VALUE_KINDS = new Set(["class", "function", "variable"]);

const entries = [...new Set(Object.values(denoExports(readDenoConfig())))];
const doc = JSON.parse(
  mustRun(bin("deno"), ["doc", "--json", ...entries], { capture: true }),
) as DocJson;

const missing: string[] = [];
const notes: string[] = [];
let checked = 0;
for (const [entry, node] of Object.entries(doc.nodes)) {
  const shortEntry = entry.replace(`file://${ROOT}/`, "");
  for (const symbol of node.symbols) {
    const declarations = symbol.declarations.filter((d) =>
      d.declarationKind === "export"
    );
    if (declarations.length === 0) continue;
    checked++;
    const hasExample = declarations.some((d) =>
      d.jsDoc?.tags?.some((t) => t.kind === "example")
    );
    if (hasExample) continue;
    const d = declarations[0];
    const where = `${
      d.location.filename.replace(`file://${ROOT}/`, "")
    }:${d.location.line}`;
    const line = `${shortEntry}: ${d.kind} ${symbol.name} (${where})`;
    if (declarations.some((d) => VALUE_KINDS.has(d.kind))) missing.push(line);
    else notes.push(line);
  }
}

if (notes.length) {
  console.log(
    `note: exported types without @example:\n  ${notes.join("\n  ")}`,
  );
}
if (missing.length) {
  console.error(
    `check_examples: exported values without @example:\n  ${
      missing.join("\n  ")
    }`,
  );
  process.exitCode = 1;
} else {
  console.log(`${checked} exports checked: every exported value has @example`);
}
