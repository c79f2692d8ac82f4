/**
 * The API report: every name `import … from "wirenix"` gives, with its declaration as the
 * compiled `.d.ts` states it (comments left out), in name order. test/unit/api-report.test.ts
 * compares it with the committed test/fixtures/api/wirenix.api.txt, so a change of the public
 * surface is a deliberate one: after `npm run build`,
 *
 *   node dist/scripts/api-report.js --write
 *
 * writes the new report to commit with the change.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The committed report, relative to the repository. */
export const API_REPORT = join("test", "fixtures", "api", "wirenix.api.txt");

/** The report of the library whose compiled entry point is `dist/src/index.d.ts` under `root`. */
export function apiReport(root: string): string {
  const entry = join(root, "dist", "src", "index.d.ts");
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`cannot read ${entry}; build first`);
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
  const sections: string[] = [];
  const exports = checker
    .getExportsOfModule(moduleSymbol)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const exported of exports) {
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const texts = (symbol.declarations ?? []).map((declaration) =>
      printer
        .printNode(ts.EmitHint.Unspecified, declaration, declaration.getSourceFile())
        .replace(/^export (declare )?/gm, ""),
    );
    sections.push(`// ${exported.name}\n${texts.join("\n")}\n`);
  }
  return `${sections.join("\n")}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(fileURLToPath(import.meta.url), "..", "..", "..");
  const report = apiReport(root);
  const file = join(root, API_REPORT);
  if (process.argv.includes("--write")) writeFileSync(file, report);
  else if (readFileSync(file, "utf8") !== report) {
    process.stderr.write(`${API_REPORT} differs from the library; rerun with --write\n`);
    process.exitCode = 1;
  }
}
