/**
 * Syncing many files: one by one up to `PER_FILE`, then one `sync -f` of each file system they
 * are on; where `sync -f` cannot run, every file left is opened again and synced on its own.
 * `sync` is found on PATH, so a directory of our own put first on PATH shows which way was taken.
 */
import { strict as assert } from "node:assert";
import {
  chmodSync,
  constants,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BackgroundSyncs, PER_FILE } from "../../src/io/background-sync.js";
import { OutTransaction } from "../../src/io/out-dir.js";
import { withTempDir } from "../support/run.js";

/** Runs `body` with `bin` first on PATH. */
async function withPathFirst<T>(bin: string, body: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved ?? "/usr/bin:/bin"}`;
  try {
    return await body();
  } finally {
    process.env.PATH = saved;
  }
}

/** A `sync` that logs its arguments, then runs the system's own (or fails, when `fail`). */
function loggingSync(dir: string, log: string, fail = false): string {
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const script = join(bin, "sync");
  const real = ["/usr/bin/sync", "/bin/sync"].find((path) => {
    try {
      return readFileSync(path).length > 0;
    } catch {
      return false;
    }
  });
  assert.ok(real, "the system's sync (coreutils)");
  writeFileSync(
    script,
    `#!/bin/sh\necho "$*" >> '${log}'\n${fail ? "exit 1" : `exec ${real} "$@"`}\n`,
  );
  chmodSync(script, 0o755);
  return bin;
}

const asRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const lines = (log: string) => {
  try {
    return readFileSync(log, "utf8").trim().split("\n");
  } catch {
    return [];
  }
};

/** `count` hosts of one file each, into `out`. */
async function writeHosts(out: string, count: number): Promise<void> {
  const tx = await OutTransaction.begin(out, {
    configurer: "wg-quick",
    aclPeers: Array.from({ length: count }, (_, i) => `h${i}`),
  });
  for (let i = 0; i < count; i++)
    tx.add({ name: `h${i}`, peers: [`h${i}`] }, [
      { path: `h${i}/wg0.conf`, text: `host ${i}\n`, mode: 0o600 },
    ]);
  await tx.commit();
}

test("a big --out syncs its file system twice (files, then directories); a small one never", () =>
  withTempDir(async (dir) => {
    const log = join(dir, "sync.log");
    const bin = loggingSync(dir, log);
    await withPathFirst(bin, async () => {
      await writeHosts(join(dir, "small"), 10);
      assert.deepEqual(lines(log), [], "ten files are synced one by one");
      const big = join(dir, "big");
      await writeHosts(big, PER_FILE + 50);
      assert.deepEqual(lines(log), [`-f ${big}`, `-f ${big}`]);
      assert.equal(readdirSync(big).filter((name) => name.startsWith("h")).length, PER_FILE + 50);
      assert.equal(
        readFileSync(join(big, `h${PER_FILE + 49}`, "wg0.conf"), "utf8"),
        `host ${PER_FILE + 49}\n`,
      );
    });
  }));

test("where sync -f fails, every file left is synced on its own: one gone meanwhile is named", () =>
  withTempDir(async (dir) => {
    const log = join(dir, "sync.log");
    const bin = loggingSync(dir, log, true);
    const files = join(dir, "files");
    mkdirSync(files);
    const paths = Array.from({ length: PER_FILE + 20 }, (_, i) => join(files, `f${i}`));
    /** Every file written and handed over, the last one then removed behind its back. */
    const handOver = (syncs: BackgroundSyncs) => {
      for (const path of paths) {
        const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
        writeSync(fd, "data\n");
        syncs.add(fd, path, path);
      }
      rmSync(paths.at(-1) as string);
    };
    await withPathFirst(bin, async () => {
      const failing = new BackgroundSyncs(() => [files]);
      handOver(failing);
      await assert.rejects(() => failing.settled(), {
        message: new RegExp(`${asRegExp(paths.at(-1) as string)}.*(ENOENT|no such file)`, "i"),
      });
      assert.deepEqual(lines(log), [`-f ${files}`], "sync -f was tried first");
    });
    // With the system's sync, the file system is synced whole: nothing is opened again.
    const syncs = new BackgroundSyncs(() => [files]);
    handOver(syncs);
    await syncs.settled();
  }));

test("with no sync on PATH at all, files are synced one by one and the run completes", () =>
  withTempDir(async (dir) => {
    const saved = process.env.PATH;
    process.env.PATH = join(dir, "nothing-here");
    try {
      const out = join(dir, "out");
      await writeHosts(out, PER_FILE + 10);
      assert.equal(readFileSync(join(out, "h0", "wg0.conf"), "utf8"), "host 0\n");
    } finally {
      process.env.PATH = saved;
    }
  }));
