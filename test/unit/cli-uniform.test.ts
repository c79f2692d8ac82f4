/**
 * The CLI behaves the same everywhere: help and exit 2 when no command is given, every error
 * and warning starting the same way, unknown peers listed in every command, colour only where
 * wanted, and the small promises of issue 14 (graph's format from --out, "1 subnet", a missing
 * recipients file said plainly).
 */
import { strict as assert } from "node:assert";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { wantsColour } from "../../src/cli/process-io.js";
import { fixtures } from "../support/paths.js";
import { wirenixInProcess, withTempDir } from "../support/run.js";

const spoke = join(fixtures, "check", "example-spoke.yaml");

/** Every non-empty line of standard error is a message of ours. */
function assertLabelled(stderr: string): void {
  for (const line of stderr.split("\n").filter(Boolean))
    assert.match(line, /^wirenix: (error|warning): |^\(run with --help for usage\)$/, stderr);
}

test("a bare wirenix or wirenix keys prints help and exits 2", async () => {
  for (const argv of [[], ["keys"]]) {
    const ran = await wirenixInProcess(argv);
    assert.equal(ran.code, 2, argv.join(" "));
    assert.match(`${ran.stdout}${ran.stderr}`, /^Usage: wirenix/m);
  }
  // Asked for, help is a success.
  assert.equal((await wirenixInProcess(["--help"])).code, 0);
  assert.equal((await wirenixInProcess(["keys", "--help"])).code, 0);
});

test("usage errors, bad input and commander's own errors all start with wirenix: error:", async () => {
  for (const argv of [
    ["generate", spoke, "--frobnicate"],
    ["generate", spoke, "--host", "h"],
    ["generate", join(fixtures, "bad-input", "missing-version.json")],
    ["inspect", spoke, "--peer", "nobody"],
    ["frobnicate"],
  ]) {
    const ran = await wirenixInProcess(argv);
    assert.notEqual(ran.code, 0, argv.join(" "));
    assert.match(ran.stderr, /^wirenix: error: /, argv.join(" "));
    assertLabelled(ran.stderr);
  }
  const host = await wirenixInProcess(["generate", spoke, "--host", "h"]);
  assert.equal(host.code, 2);
  assert.match(host.stderr, /--host names the host --merge makes/);
});

test("an unknown peer lists the known ones in every command", async () => {
  for (const argv of [
    ["generate", spoke, "--peer", "nobody"],
    ["inspect", spoke, "--peer", "nobody"],
    ["explain", spoke, "nobody", "central"],
    ["qr", spoke, "nobody", "--png", "/nonexistent/q.png"],
    ["keys", "generate", spoke, "--dir", "/nonexistent/keys", "--peer", "nobody"],
  ]) {
    const ran = await wirenixInProcess(argv);
    assert.equal(ran.code, 2, argv.join(" "));
    assert.match(
      ran.stderr,
      /^wirenix: error: (no peer "nobody" in|--peer "nobody": no such peer in) .*\(peers: central, leaf1, leaf2, leaf3\)/,
    );
  }
});

test("graph --out takes the format from the extension", () =>
  withTempDir(async (dir) => {
    for (const [file, start] of [
      ["net.svg", /<svg/],
      ["net.mmd", /^flowchart|^graph/m],
      ["net.dot", /^graph /m],
    ] as const) {
      const ran = await wirenixInProcess(["graph", spoke, "--out", join(dir, file)]);
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(readFileSync(join(dir, file), "utf8"), start, file);
    }
    const unknown = await wirenixInProcess(["graph", spoke, "--out", join(dir, "net.txt")]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /cannot tell the format from the extension/);
    // A picture Graphviz draws: the pipe that makes it, for this ACL and this file.
    const png = await wirenixInProcess(["graph", spoke, "--out", join(dir, "net.png")]);
    assert.equal(png.code, 2);
    assert.ok(
      png.stderr.includes(
        `wirenix graph ${spoke} --format dot | dot -Tpng -o ${join(dir, "net.png")}`,
      ),
      png.stderr,
    );
  }));

test("one subnet is 1 subnet", async () => {
  const ran = await wirenixInProcess(["inspect", spoke]);
  assert.match(ran.stdout, /: 1 subnet, /);
  assert.doesNotMatch(ran.stdout, /\b1 subnets\b/);
});

test("a missing --recipients file is a clear error, not ENOENT", () =>
  withTempDir(async (dir) => {
    const ran = await wirenixInProcess([
      ...["keys", "encrypt", spoke, "--dir", join(dir, "keys")],
      ...["--secrets-dir", join(dir, "secrets"), "--recipients", join(dir, "admins.txt")],
    ]);
    assert.equal(ran.code, 1);
    assert.match(ran.stderr, /^wirenix: error: .*admins\.txt: cannot read: no such file/m);
    assert.doesNotMatch(ran.stderr, /ENOENT/);
  }));

test("colour only on a terminal, never with NO_COLOR", () =>
  withTempDir((dir) => {
    const fd = openSync(join(dir, "err.txt"), "w");
    try {
      assert.equal(wantsColour(fd, {}), false, "a file is no terminal");
    } finally {
      closeSync(fd);
    }
    assert.equal(wantsColour(2, { NO_COLOR: "1" }), false);
  }));
