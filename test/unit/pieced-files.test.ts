/**
 * Big files in pieces: `toIniPieces`, `toNixPieces` and `toPrettyJsonPieces` joined are the
 * texts they stand for; a pieced file reads, prints, compares
 * and copies as `{ text, secret }`; `--out` writes the pieces in chunks of regular strings.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { ConfigValue } from "../../src/core/config-tree.js";
import { RunContext } from "../../src/core/run-context.js";
import { inChunks } from "../../src/core/text-sink.js";
import { writeTempFile } from "../../src/io/atomic-write.js";
import { filePieces, filesOf, piecedFile } from "../../src/render/configurers/files.js";
import { toIni, toIniPieces } from "../../src/render/printers/ini.js";
import { toPrettyJson, toPrettyJsonPieces } from "../../src/render/printers/json.js";
import { toNix, toNixPieces } from "../../src/render/printers/nix.js";
import { withTempDir } from "../support/run.js";

const sections = Array.from({ length: 1500 }, (_, i) => ({
  name: "Peer",
  comments: [{ text: `peer${i}`, path: ["peers", i, "name"] }],
  entries: [{ key: "AllowedIPs", value: `10.0.${i >> 8}.${i & 255}/32` }],
}));
const document = { header: ["top"], sections };

test("toIniPieces joined is toIni's text, in both dialects", () => {
  for (const dialect of ["wg-quick", "systemd"] as const)
    assert.equal(toIniPieces(document, dialect).join(""), toIni(document, dialect));
  assert.deepEqual(toIniPieces({ sections: [] }, "systemd"), ["\n"]);
});

test("inChunks: the same text, in chunks below V8's large-object size unless a piece is longer", () => {
  const pieces = toIniPieces(document, "wg-quick");
  const long = "x".repeat(70_000);
  for (const given of [pieces, [...pieces, long, "end\n"], [long], []]) {
    const chunks = inChunks(given);
    assert.equal(chunks.join(""), given.join(""));
    for (const chunk of chunks) assert.ok(chunk.length <= 32 * 1024 || chunk.includes(long));
  }
  assert.ok(inChunks(pieces).length > 1, "1500 sections make more than one chunk");
});

test("a pieced file reads, prints and compares as { text, secret }; setting text drops the pieces", () => {
  const pieces = toIniPieces(document, "wg-quick");
  const file = piecedFile(pieces, false);
  assert.deepEqual(file, { text: pieces.join(""), secret: false });
  assert.equal(JSON.stringify(file), JSON.stringify({ secret: false, text: pieces.join("") }));
  const [[path, listed] = []] = filesOf({ files: { "wg0.conf": file as never } }, "wg-quick");
  assert.equal(path, "wg0.conf");
  assert.equal(filePieces(listed as never), pieces, "filesOf keeps the pieces, unjoined");
  file.text = "[Interface]\n";
  assert.equal(filePieces(file), undefined);
  const [[, changed] = []] = filesOf({ files: { "wg0.conf": file as never } }, "wg-quick");
  assert.equal((changed as { text: string }).text, "[Interface]\n");
  assert.equal(filePieces(changed as never), undefined);
});

test("writeTempFile writes pieces as the text they make", () =>
  withTempDir((dir) => {
    const pieces = toIniPieces(document, "systemd");
    const temp = writeTempFile(join(dir, "50-wg0.netdev"), inChunks(pieces), 0o600);
    assert.equal(readFileSync(temp, "utf8"), toIni(document, "systemd"));
  }));

/** Trees of every shape the printers meet: shared subtrees, empty and scalar lists, nesting. */
function trees(run: RunContext): ConfigValue[] {
  const shared = run.shareSubtree({ publicKey: "k=", allowedIPs: ["10.0.0.2/32"], port: 51820 });
  return [
    {},
    { a: [], b: {}, c: null, d: "x", e: 1, f: true },
    { list: [1, "two", false], nested: [[1], [{ x: 1 }], []] },
    {
      networking: {
        hosts: { "10.0.0.2": ["b.lan"], "10.0.0.3": ["c.lan"] },
        wireguard: { interfaces: { lan: { peers: [shared, shared, { publicKey: "own=" }] } } },
      },
      "odd key": { "with.dot": "v", "${x}": "$not interpolated" },
    },
  ];
}

test("toNixPieces and toPrettyJsonPieces joined are toNix's and toPrettyJson's text", () => {
  for (let i = 0; i < 4; i++) {
    // A run of their own and a shared one (shared subtrees then printed once and reused).
    const run = new RunContext();
    for (const [n, tree] of trees(run).entries()) {
      assert.equal(toNixPieces(tree, run).join(""), toNix(tree, "", new RunContext()), `nix ${n}`);
      assert.equal(toNixPieces(tree, run).join(""), toNix(tree, "", run), `nix ${n}, one run`);
      // As `generate` prints every host into one expression: a level in.
      assert.equal(toNixPieces(tree, run, 1).join(""), toNix(tree, "  ", run), `nix ${n}, in`);
      assert.equal(
        toPrettyJsonPieces(tree, run).join(""),
        toPrettyJson(tree, new RunContext()),
        `json ${n}`,
      );
    }
  }
});
