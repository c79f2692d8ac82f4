/** Output that never shows half a result: held output, spilling, and revocable files. */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { HeldOutput } from "../../src/io/atomic-write.js";
import { meshAcl } from "../support/acl.js";
import { wirenixBin } from "../support/paths.js";
import { withTempDir, writeAcl } from "../support/run.js";

const spills = () =>
  readdirSync(tmpdir()).filter((f) => f.startsWith(`wirenix-output.${process.pid}.`));

test("held output goes out in order only on commit, spilling past its memory limit", () => {
  const out: string[] = [];
  const held = new HeldOutput((chunk) => out.push(chunk), 10);
  for (const word of ["alpha ", "beta ", "gamma ", "delta"]) held.write(word);
  assert.deepEqual(out, []);
  assert.equal(spills().length, 1, "past 10 characters the rest waits in a file");
  held.commit();
  assert.equal(out.join(""), "alpha beta gamma delta");
  assert.equal(spills().length, 0, "the spill file is removed");
});

test("spilled output read back keeps characters that straddle two reads whole", () => {
  const out: string[] = [];
  const held = new HeldOutput((chunk) => out.push(chunk), 4);
  // The spill is read back a MiB at a time: "é" (two bytes) and "€" (three) straddle the first
  // boundary; a decoder that splits them would print U+FFFD instead.
  const text = `${"x".repeat((1 << 20) - 1)}é${"y".repeat((1 << 20) - 3)}€ end`;
  held.write(text.slice(0, 10));
  held.write(text.slice(10));
  held.commit();
  assert.equal(out.length > 1, true, "read back in more than one piece");
  assert.equal(out.join(""), text);
});

test("discarded held output leaves nothing behind", () => {
  const out: string[] = [];
  const held = new HeldOutput((chunk) => out.push(chunk), 4);
  held.write("secret enough");
  held.discard();
  assert.deepEqual(out, []);
  assert.equal(spills().length, 0);
});

test("stdout redirected to a file holds the whole result or, after a failure, nothing new", () =>
  withTempDir((dir) => {
    const good = writeAcl(dir, meshAcl(), "good.json");
    const broken = meshAcl();
    delete (broken.peers[2] as Record<string, unknown>).publicKey;
    const bad = writeAcl(dir, broken, "bad.json");
    const out = join(dir, "out.json");
    const sh = (command: string) =>
      spawnSync("sh", ["-c", command], {
        encoding: "utf8",
        env: { ...process.env, BIN: wirenixBin, OUT: out },
      });

    assert.equal(sh(`node "$BIN" generate ${good} --format json > "$OUT"`).status, 0);
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(out, "utf8"))), ["a", "b", "c"]);

    const failed = sh(`node "$BIN" generate ${bad} --format json > "$OUT"`);
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /no public key for peer "c"/);
    assert.equal(readFileSync(out, "utf8"), "", "peers a and b were written, then taken back");

    writeFileSync(out, "kept\n");
    assert.equal(sh(`node "$BIN" generate ${bad} --format json >> "$OUT"`).status, 1);
    assert.equal(readFileSync(out, "utf8"), "kept\n", "what was there before stays");

    const piped = sh(`node "$BIN" generate ${bad} --format json | cat > "$OUT"`);
    assert.equal(readFileSync(out, "utf8"), "", `nothing went into the pipe: ${piped.stderr}`);
  }));
