/**
 * The library as a user imports it (`import … from "wirenix"`, resolved through the package's
 * own exports): each command takes an ACL and options and returns a Result with coded
 * diagnostics; none throws for bad input; importing it loads no part of the CLI; and the
 * README's example runs as written.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../support/paths.js";

/** By the package's name, as a user imports it (typed by the source, which tsc compiles first). */
const LIBRARY: string = "wirenix";
const wirenix = (await import(LIBRARY)) as typeof import("../../src/index.js");

const homelab = join(repoRoot, "examples", "homelab.yaml");
const PEERS = ["gateway", "laptop", "media", "nas"];

/** A flag of the command line in a message (`--out`, `--peer`): the library words none. */
const FLAG = /(^|\s)--[a-z]/;

test("generate: every host of the example, in name order, as configuration data", async () => {
  const result = await wirenix.generate(homelab);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
  assert.deepEqual(
    result.value.hosts.map((h) => h.name),
    PEERS,
  );
  assert.equal(result.value.configurer, "static");
  const laptop = result.value.hosts.find((h) => h.name === "laptop");
  // The gateway's public key, as the example ACL writes it, in the laptop's configuration.
  assert.match(wirenix.toNix(laptop?.config ?? {}), /kwBWcEJh7oiRrZYUVZvsQZy5WE56sSZsiIE8eXmgKms=/);
});

test("an ACL as text or as data reads as the file does", async () => {
  const text = readFileSync(homelab, "utf8");
  const fromText = await wirenix.generate({ file: "homelab.yaml", text }, { peers: ["nas"] });
  assert.ok(fromText.ok);
  const fromFile = await wirenix.generate(homelab, { peers: ["nas"] });
  assert.ok(fromFile.ok);
  assert.equal(
    wirenix.toJson(fromText.value.hosts[0]?.config ?? {}),
    wirenix.toJson(fromFile.value.hosts[0]?.config ?? {}),
  );
  const fromData = wirenix.check({ data: { version: "v1", subnets: [], groups: [], peers: [] } });
  assert.ok(fromData.ok);
  assert.equal(fromData.value.errors, 0);
});

test("bad input is a failed Result with codes and paths, and messages name no flag", async () => {
  const data = {
    version: "v1",
    subnets: [{ name: "lan", endpoints: [] }],
    groups: [],
    peers: [{ name: "a", subnets: { lan: { listenPort: "x" } }, publicKey: "k" }],
  };
  const bad = await wirenix.generate({ file: "bad.json", data });
  assert.ok(!bad.ok);
  assert.ok(bad.diagnostics.some((d) => d.code === "invalid-value"));
  assert.ok(bad.diagnostics.some((d) => d.path.join(".") === "peers.0.subnets.lan.listenPort"));
  const unknown = await wirenix.generate(homelab, { peers: ["nobody"] });
  assert.ok(!unknown.ok);
  assert.deepEqual(
    unknown.diagnostics.map((d) => d.code),
    ["unknown-peer"],
  );
  const missing = wirenix.check(join(repoRoot, "no-such.yaml"));
  assert.ok(!missing.ok);
  assert.equal(missing.diagnostics[0]?.code, "load-failed");
  const options = wirenix.check(homelab, { configurer: "nonesuch" });
  assert.ok(!options.ok);
  assert.equal(options.diagnostics[0]?.code, "usage");
  const merged = await wirenix.writeOut(homelab, {
    configurer: "wg-quick",
    peers: ["nas", "media"],
    merge: true,
    stream: { write: () => {} },
  });
  assert.ok(!merged.ok);
  assert.deepEqual(
    merged.diagnostics.map((d) => [d.code, d.option]),
    [["usage", "merge"]],
  );
  const inline = await wirenix.writeOut(homelab, {
    inlinePrivateKeys: true,
    stream: { write: () => {} },
  });
  assert.ok(!inline.ok);
  assert.equal(inline.diagnostics[0]?.option, "inlinePrivateKeys");
  // Over the size limit: the option that moves it is named, never the flag.
  const tooBig = wirenix.check(homelab, { limits: { maxBytes: 100 } });
  assert.ok(!tooBig.ok);
  assert.deepEqual(
    tooBig.diagnostics.map((d) => [d.code, d.option]),
    [["load-failed", "maxBytes"]],
  );
  assert.match(tooBig.diagnostics[0]?.message ?? "", /larger than the limit of 100 bytes$/);
  for (const result of [bad, unknown, missing, options, merged, inline, tooBig])
    for (const d of result.ok ? [] : result.diagnostics)
      assert.doesNotMatch(d.message, FLAG, d.message);
});

test("check: the lints' findings and the policy tests in a successful Result", () => {
  const checked = wirenix.check(homelab);
  assert.ok(checked.ok);
  assert.equal(checked.value.errors, 0);
  assert.equal(checked.value.network.peers.length, 4);
  assert.equal(checked.value.policy.failed, 0);
});

test("explain and graph", async () => {
  const explained = wirenix.explain(homelab, "laptop", "nas");
  assert.ok(explained.ok, JSON.stringify(!explained.ok && explained.diagnostics));
  assert.match(explained.value.text, /laptop/);
  assert.ok(explained.value.link);
  const same = wirenix.explain(homelab, "nas", "nas");
  assert.ok(!same.ok);
  const drawn = await wirenix.graph(homelab, { format: "mermaid" });
  assert.ok(drawn.ok);
  assert.match(drawn.value, /^(graph|flowchart)\b/m);
  for (const peer of PEERS) assert.match(drawn.value, new RegExp(peer));
});

test("writeOut: one module per host under a directory, and the document on a stream", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wirenix-api-"));
  try {
    const out = join(dir, "hosts");
    const written = await wirenix.writeOut(homelab, { out });
    assert.ok(written.ok, JSON.stringify(!written.ok && written.diagnostics));
    assert.deepEqual(
      readdirSync(out)
        .filter((f) => f.endsWith(".nix"))
        .sort(),
      PEERS.map((p) => `${p}.nix`),
    );
    let printed = "";
    const streamed = await wirenix.writeOut(homelab, {
      format: "json",
      peers: ["nas"],
      stream: { write: (chunk) => (printed += chunk) },
    });
    assert.ok(streamed.ok);
    assert.deepEqual(Object.keys(JSON.parse(printed)), ["nas"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Every module the compiled `entry` loads when imported (static imports), as paths. */
function staticImports(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, "utf8");
    // Static imports and re-exports only: `import("x")` loads on use, not on import.
    for (const m of source.matchAll(
      /^(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["'];?$|^import\s*["']([^"']+)["'];?$/gms,
    )) {
      const specifier = m[1] ?? m[2] ?? "";
      if (specifier.startsWith(".")) visit(join(dirname(file), specifier));
      else packages.add(specifier.replace(/^(@[^/]+\/[^/]+|[^/]+).*$/, "$1"));
    }
  };
  visit(entry);
  return { files, packages };
}

test("importing the library loads no module of the CLI, and not commander", () => {
  const dist = join(repoRoot, "dist", "src");
  const { files, packages } = staticImports(join(dist, "index.js"));
  assert.ok(files.size > 50, `only ${files.size} modules found`);
  const cli = [...files].map((f) => relative(dist, f)).filter((f) => f.startsWith("cli"));
  assert.deepEqual(cli, []);
  assert.ok(!packages.has("commander"), [...packages].join(", "));
  // The detector sees the CLI where it is imported.
  assert.ok(staticImports(join(dist, "cli", "main.js")).packages.has("commander"));
});

test("the README's library example runs as written", async () => {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Library"));
  const example = /```js\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  assert.ok(example.split("\n").filter((l) => l.trim() !== "").length <= 6, example);
  const dir = mkdtempSync(join(tmpdir(), "wirenix-readme-"));
  const logged: string[] = [];
  const log = console.log;
  try {
    // Run from a temporary file: "wirenix" is the compiled library, the ACL path the README's.
    const file = join(dir, "example.mjs");
    writeFileSync(
      file,
      example
        .replace(
          '"wirenix"',
          JSON.stringify(pathToFileURL(join(repoRoot, "dist", "src", "index.js")).href),
        )
        .replace('"examples/homelab.yaml"', JSON.stringify(homelab)),
    );
    console.log = (...args: unknown[]) => logged.push(args.join(" "));
    await import(pathToFileURL(file).href);
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(logged.length, 1);
  assert.match(logged[0] ?? "", /^laptop: \{\n/);
  assert.match(logged[0] ?? "", /kwBWcEJh7oiRrZYUVZvsQZy5WE56sSZsiIE8eXmgKms=/);
});
