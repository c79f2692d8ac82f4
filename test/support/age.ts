/** Identities from the real age-keygen, for tests that encrypt keys. */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A new identity in `dir/<name>.txt`: its file and its recipient. */
export function ageIdentity(dir: string, name: string): { file: string; recipient: string } {
  const file = join(dir, `${name}.txt`);
  execFileSync("age-keygen", ["-o", file], { stdio: "pipe" });
  const recipient = /# public key: (age1\S+)/.exec(readFileSync(file, "utf8"))?.[1];
  assert.ok(recipient, `age-keygen wrote a recipient into ${file}`);
  return { file, recipient };
}

/** A recipients file `dir/recipients.txt` naming one new identity (`dir/admin.txt`). */
export function ageRecipientsFile(dir: string): { recipients: string; recipient: string } {
  const { recipient } = ageIdentity(dir, "admin");
  const recipients = join(dir, "recipients.txt");
  writeFileSync(recipients, `${recipient}\n`);
  return { recipients, recipient };
}
