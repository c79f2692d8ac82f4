/**
 * Hostile ACL files end in one clear message, quickly, through the real CLI: files over the
 * size limit, a symlink to /dev/zero, a FIFO, nesting 100 000 levels deep in every format, a
 * .nix ACL that never finishes, invalid UTF-8; and a byte order mark is accepted everywhere.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readKeyFile } from "../../src/keys/key-dir.js";
import { fixtures, repoRoot, wirenixBin } from "../support/paths.js";
import { type Ran, tempDir, wirenix } from "../support/run.js";

const base = JSON.parse(readFileSync(join(fixtures, "valid-base.json"), "utf8")) as Record<
  string,
  unknown
>;

/** The CLI, stopped after `seconds` so that a hang fails the test instead of stalling it. */
function bounded(args: readonly string[], seconds = 120): Ran & { timedOut: boolean } {
  const run = spawnSync(process.execPath, [wirenixBin, ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    timeout: seconds * 1000,
    killSignal: "SIGKILL",
  });
  const timedOut = (run.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT";
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr, timedOut };
}

/**
 * One clear line, exit 1, no stack trace: on stderr, with nothing on stdout; or, from `check`,
 * on stdout as an error followed by its summary.
 */
function assertRefused(ran: Ran & { timedOut?: boolean }, file: string, words: RegExp): void {
  assert.equal(ran.timedOut ?? false, false, "the run did not finish");
  assert.equal(ran.code, 1, ran.stderr);
  assert.doesNotMatch(`${ran.stdout}${ran.stderr}`, /internal error|RangeError|\n\s+at /);
  const lines =
    ran.stdout === ""
      ? ran.stderr
          .trimEnd()
          .split("\n")
          .map((l) => l.replace(/^wirenix: error: /, ""))
      : ran.stdout
          .trimEnd()
          .split("\n")
          .slice(0, -1)
          .map((l) => l.replace(/^error: /, ""));
  if (ran.stdout !== "") {
    assert.equal(ran.stderr, "");
    assert.match(ran.stdout, /invalid ACL \(1 error\)\n$/);
  }
  assert.equal(lines.length, 1, `${ran.stdout}${ran.stderr}`);
  assert.ok(lines[0]?.startsWith(`${file}: `), lines[0]);
  assert.match(lines[0] ?? "", words);
}

test("an ACL over the size limit is refused before it is read; --max-acl-size moves the limit", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const file = join(dir, "acl.json");
  const text = JSON.stringify(base, null, 2);
  writeFileSync(file, text);
  const size = Buffer.byteLength(text);
  assertRefused(
    bounded(["inspect", file, "--max-acl-size", String(size - 1)]),
    file,
    new RegExp(`larger than the limit of ${size - 1} bytes \\(--max-acl-size SIZE\\)`),
  );
  assert.equal(bounded(["inspect", file, "--max-acl-size", String(size)]).code, 0);
  assertRefused(bounded(["check", file, "--max-acl-size", "1K"]), file, /limit of 1 KiB/);
  // Every command that reads an ACL takes the flag.
  for (const argv of [
    ["generate", file],
    ["explain", file, "alpha", "beta"],
    ["graph", file],
    ["keys", "generate", file, "--dir", join(dir, "keys")],
    ["keys", "encrypt", file, "--dir", join(dir, "keys"), "--secrets-dir", join(dir, "s")],
    ["qr", file, "alpha", "--png", join(dir, "a.png")],
  ])
    assertRefused(bounded([...argv, "--max-acl-size", "1K"]), file, /limit of 1 KiB/);
  const usage = bounded(["inspect", file, "--max-acl-size", "lots"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--max-acl-size.*expected a size in bytes/);
  // A 64 MiB file by default: 70 MB of spaces around a valid ACL is refused by its size.
  const big = join(dir, "big.json");
  writeFileSync(big, `${" ".repeat(70_000_000)}${text}`);
  assertRefused(bounded(["inspect", big]), big, /larger than the limit of 64 MiB/);
});

test("a symlink to /dev/zero, a FIFO, a directory: refused at once, nothing read", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const zero = join(dir, "zero.json");
  symlinkSync("/dev/zero", zero);
  assertRefused(bounded(["inspect", zero], 30), zero, /a character device, not a regular file/);
  const fifo = join(dir, "fifo.yaml");
  execFileSync("mkfifo", [fifo]);
  // Nobody ever writes to it: opening it for reading would wait forever.
  assertRefused(bounded(["check", fifo], 30), fifo, /a FIFO \(named pipe\), not a regular file/);
  const nixFifo = join(dir, "fifo.nix");
  execFileSync("mkfifo", [nixFifo]);
  assertRefused(bounded(["generate", nixFifo], 30), nixFifo, /a FIFO/);
});

test("a FIFO or /dev/zero at a key path is no key, and nothing waits on it", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const fifo = join(dir, "alice.key");
  execFileSync("mkfifo", [fifo]);
  const zero = join(dir, "bob.key");
  symlinkSync("/dev/zero", zero);
  // Opening the FIFO for reading without O_NONBLOCK would wait for a writer forever.
  assert.equal(readKeyFile(fifo), undefined);
  assert.equal(readKeyFile(zero), undefined);
  const key = join(dir, "carol.key");
  writeFileSync(key, "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=\n");
  assert.equal(readKeyFile(key), "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=");
});

test("nesting 100 000 levels deep is a clear error in every format, with its place", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const n = 100_000;
  const files: Record<string, string> = {
    "deep.json": `{"version":"v1","extraArgs":${"[".repeat(n)}${"]".repeat(n)}}`,
    "deep.yaml": `version: v1\nextraArgs: ${"[".repeat(n)}${"]".repeat(n)}\n`,
    "deep.toml": `version = "v1"\nextraArgs = ${"[".repeat(n)}${"]".repeat(n)}\n`,
    // The evaluator builds the nesting; its JSON is checked before it is parsed.
    "deep.nix": `let deep = k: if k == 0 then [ ] else [ (deep (k - 1)) ]; in { version = "v1"; extraArgs = deep 1000; }`,
  };
  for (const [name, text] of Object.entries(files)) {
    const file = join(dir, name);
    writeFileSync(file, text);
    assertRefused(bounded(["check", file]), file, /nest deeper than 128 levels/);
  }
  // The first bracket past the limit: the object is level 1, so the 128th bracket.
  const column = '{"version":"v1","extraArgs":'.length + 128;
  assert.match(
    bounded(["check", join(dir, "deep.json")]).stdout,
    new RegExp(`\\(line 1, column ${column}\\)`),
  );
  // Deep but within the limit is fine: free-form extraArgs may nest.
  const ok = join(dir, "ok.json");
  let nested: unknown = "leaf";
  for (let i = 0; i < 100; i++) nested = { inner: nested };
  writeFileSync(ok, JSON.stringify({ ...base, extraArgs: nested }));
  const ran = bounded(["inspect", ok, "--format", "json"]);
  assert.equal(ran.code, 0, ran.stderr);
});

/** Processes whose command line mentions `text` (a leftover nix-instantiate, say). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

test("a .nix ACL that never finishes is stopped after --nix-timeout, leaving no process", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const fifo = join(dir, "never-written");
  execFileSync("mkfifo", [fifo]);
  const reads = join(dir, "reads-fifo.nix");
  writeFileSync(
    reads,
    `{ version = "v1"; subnets = [ ]; groups = [ ]; peers = [ ]; connections = [ ]; x = builtins.readFile ${fifo}; }\n`,
  );
  const started = Date.now();
  const ran = bounded(["inspect", reads, "--nix-timeout", "2"], 60);
  assertRefused(
    ran,
    reads,
    /did not finish within the time limit of 2 s and was stopped .*--nix-timeout/,
  );
  assert.ok(Date.now() - started < 45_000);
  assert.deepEqual(processesMentioning(reads), []);
  // The same file for every command: all of them take the flag.
  for (const argv of [
    ["check", reads],
    ["generate", reads],
    ["graph", reads],
  ])
    assertRefused(bounded([...argv, "--nix-timeout", "1"], 60), reads, /time limit of 1 s/);
  assert.deepEqual(processesMentioning(reads), []);
  const usage = bounded(["check", reads, "--nix-timeout", "-3"]);
  assert.equal(usage.code, 2);
});

test("invalid UTF-8 is an error with its byte offset, in every format", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const texts: Record<string, string> = {
    "bad.json": '{"version": "v1", "x": "@"}',
    "bad.yaml": "version: v1\nx: '@'\n",
    "bad.toml": 'version = "v1"\nx = "@"\n',
    "bad.nix": '{ version = "v1"; x = "@"; }',
  };
  for (const [name, text] of Object.entries(texts)) {
    const file = join(dir, name);
    const at = Buffer.byteLength(text.slice(0, text.indexOf("@")));
    // A lone continuation byte, then an overlong form: both are not UTF-8.
    for (const bad of [Buffer.from([0x80]), Buffer.from([0xc0, 0xaf])]) {
      const [before, after] = text.split("@") as [string, string];
      writeFileSync(file, Buffer.concat([Buffer.from(before), bad, Buffer.from(after)]));
      assertRefused(
        bounded(["check", file]),
        file,
        new RegExp(
          `not valid UTF-8: byte 0x${(bad[0] as number).toString(16)} at byte offset ${at} `,
        ),
      );
    }
  }
});

test("a byte order mark is accepted in every format, the ACL read as without it", (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const json = JSON.stringify(base, null, 2);
  writeFileSync(join(dir, "plain.json"), json);
  const texts: Record<string, string> = {
    "acl.json": json,
    "acl.yaml": json, // JSON is YAML
    "acl.nix": "builtins.fromJSON (builtins.readFile ./plain.json)",
  };
  const plain = bounded(["inspect", join(dir, "plain.json"), "--format", "json"]);
  assert.equal(plain.code, 0, plain.stderr);
  for (const [name, text] of Object.entries(texts)) {
    const file = join(dir, name);
    writeFileSync(file, `\ufeff${text}`);
    const ran = bounded(["inspect", file, "--format", "json"]);
    assert.equal(ran.code, 0, `${name}: ${ran.stderr}`);
    assert.equal(ran.stdout, plain.stdout, name);
  }
  const toml = join(dir, "acl.toml");
  writeFileSync(
    toml,
    '\ufeffversion = "v1"\nsubnets = []\ngroups = []\npeers = []\nconnections = []\n',
  );
  const ran = wirenix(["inspect", toml]);
  assert.equal(ran.code, 0, ran.stderr);
  // A .nix ACL with a byte order mark still finds the files it names relative to itself,
  // and its errors point into it.
  const broken = join(dir, "broken.nix");
  writeFileSync(broken, "\ufeff{\n  version = undefinedThing;\n}\n");
  const failed = bounded(["check", broken]);
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /undefined variable 'undefinedThing' \(line 2, column 13\)/);
});
