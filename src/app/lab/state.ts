/**
 * What a running (or kept) lab leaves for `lab down` and `lab exec`: one small JSON file per
 * ACL under /run/wirenix-lab, named by a hash of the ACL's real path, so a second lab of the
 * same ACL is refused while the first is up, and a lab whose process died can be cleared.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const STATE_DIR = "/run/wirenix-lab";

export interface LabState {
  acl: string;
  /** The process that runs the lab; gone once it ended (`kept` then says it was left up). */
  pid: number;
  kept: boolean;
  /** Every lab namespace starts with this. */
  prefix: string;
  dir: string;
  userspace: boolean;
  /** Each peer's namespace. */
  hosts: Record<string, string>;
}

/** The state file of the lab of `acl`. */
export function stateFile(acl: string): string {
  const real = realpathSync(acl);
  return join(STATE_DIR, `${createHash("sha256").update(real).digest("hex").slice(0, 16)}.json`);
}

export function readState(file: string): LabState | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as LabState;
  } catch {
    return undefined;
  }
}

/** Written whole and renamed into place. */
export function writeState(file: string, state: LabState): void {
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 1)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

export function removeState(file: string): void {
  rmSync(file, { force: true });
}

/** Whether the process with this pid still runs. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
