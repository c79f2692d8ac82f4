// Bundles the command line into dist/bundle/ for bin/wirenix.js.
//
// Node loads ES modules one file at a time; the ~50 modules (ours, commander's, valibot's)
// that every `generate` needs took a quarter of a 100-peer run. Bundled, they are a few files.
// Commands stay separate chunks (the CLI imports each one on demand), and so do the packages
// only some commands use, which are loaded from node_modules as they are.
import { readFileSync } from "node:fs";
import { build } from "esbuild";

/** Loaded by every run: worth bundling. */
const EVERY_RUN = new Set(["commander", "valibot"]);

const root = new URL("..", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));

await build({
  absWorkingDir: root.pathname,
  entryPoints: { main: "src/cli/main.ts" },
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: Object.keys(pkg.dependencies).filter((name) => !EVERY_RUN.has(name)),
  // commander is CommonJS and calls require() for Node's modules; ES modules have no require.
  banner: {
    js: "import { createRequire as __wirenixCreateRequire } from 'node:module'; const require = __wirenixCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
