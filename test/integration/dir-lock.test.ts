/**
 * The lock every writer takes (src/io/dir-lock.ts), in this process: waiting for it lets the event
 * loop run (the holder can release it meanwhile), a lock left by an earlier process with our
 * own pid is taken over, a FIFO or a symbolic link at the lock's name is an error and never a
 * hang, and an ACL's lock sits beside the file its name points to.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { WriteError } from "../../src/io/atomic-write.js";
import { acquireLock, fileLockPath, LockError } from "../../src/io/dir-lock.js";
import { tempDir } from "../support/run.js";

test("a waiter does not block the event loop: the holder releases from a timer, and the waiter gets the lock", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const file = join(dir, ".net.yaml.wirenix-lock");
  const first = await acquireLock(file, { busy: "net.yaml is being edited", waitMs: 60_000 });
  let released = false;
  setTimeout(() => {
    released = true;
    first.release();
  }, 50);
  // With a blocking wait the timer could not fire before the wait ended, and this would fail.
  const second = await acquireLock(file, { busy: "net.yaml is being edited", waitMs: 60_000 });
  assert.ok(released);
  assert.equal(second.notice, undefined, "nothing was taken over");
  second.release();
  assert.deepEqual(readdirSync(dir), []);
});

test("a lock held in this process makes a second taker wait, then fail naming this process", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const file = join(dir, ".wirenix.lock");
  const held = await acquireLock(file, { busy: `${dir} is being written` });
  try {
    await assert.rejects(
      acquireLock(file, { busy: `${dir} is being written`, waitMs: 100 }),
      (error: unknown) =>
        error instanceof LockError &&
        error.message.startsWith(
          `${dir} is being written by another wirenix run (process ${process.pid}); waited 0.1 s`,
        ),
    );
  } finally {
    held.release();
  }
  assert.ok(!existsSync(file));
});

test("a lock with our pid made before this process started is an earlier process's: taken over", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  // In a container every run may be pid 1: a killed run's lock then holds the next run's pid.
  const file = join(dir, ".wirenix.lock");
  writeFileSync(file, `${process.pid}\n`);
  const anHourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(file, anHourAgo, anHourAgo);
  const lock = await acquireLock(file, { busy: "x", waitMs: 0 });
  assert.equal(
    lock.notice,
    `${file}: took over the lock of process ${process.pid}, which no longer runs`,
  );
  lock.release();
  assert.deepEqual(readdirSync(dir), []);
});

test("a FIFO or a symbolic link at the lock's name is an error naming it, never a hang or a write through", async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const fifo = join(dir, ".a.yaml.wirenix-lock");
  execFileSync("mkfifo", [fifo]);
  await assert.rejects(
    acquireLock(fifo, { busy: "a.yaml is being edited", waitMs: 0 }),
    (error: unknown) =>
      error instanceof WriteError &&
      error.message === `cannot write ${fifo}: a file of that name is in the way (EEXIST)`,
  );
  const link = join(dir, ".b.yaml.wirenix-lock");
  const victim = join(dir, "victim");
  writeFileSync(victim, "precious\n");
  symlinkSync(victim, link);
  await assert.rejects(
    acquireLock(link, { busy: "b.yaml is being edited", waitMs: 0 }),
    (error: unknown) =>
      error instanceof WriteError &&
      error.message.startsWith(`cannot write ${link}: it is a symbolic link`),
  );
});

test("an ACL's lock is beside the file its name points to; a missing ACL's beside the name", (t) => {
  const made = tempDir();
  t.after(made.remove);
  const dir = realpathSync(made.dir);
  mkdirSync(join(dir, "real"));
  writeFileSync(join(dir, "real", "net.yaml"), "version: v1\n");
  symlinkSync(join(dir, "real", "net.yaml"), join(dir, "link.yaml"));
  symlinkSync(join(dir, "real"), join(dir, "via"));
  assert.equal(fileLockPath(join(dir, "link.yaml")), join(dir, "real", ".net.yaml.wirenix-lock"));
  assert.equal(
    fileLockPath(join(dir, "via", "new.json")),
    join(dir, "real", ".new.json.wirenix-lock"),
  );
});
