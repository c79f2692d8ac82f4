/**
 * An ACL file as it is in git at a revision (`--base REF`), read with git from the repository
 * the file is in, into a private temporary directory (0700, the copy 0600: an ACL may hold
 * private keys) that the caller removes. A .nix ACL gets its whole directory at the revision,
 * so the files it imports beside it are there too.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { writeFileAtomic } from "../io/atomic-write.js";
import { UsageError } from "./io.js";

export interface BaseAcl {
  /** The copy to read. */
  file: string;
  /** How messages name it: `REF:path/in/repo.yaml`. */
  label: string;
  /** Removes the temporary directory. */
  remove(): void;
}

function git(cwd: string, args: readonly string[], input?: Buffer): Buffer {
  return execFileSync("git", args, {
    cwd,
    stdio: ["pipe", "pipe", "pipe"],
    maxBuffer: 1 << 30,
    ...(input ? { input } : {}),
  });
}

function gitProblem(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split("\n")[0];
  if (stderr) return stderr.replace(/^fatal: /, "");
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return "git is not installed";
  return (error as Error).message;
}

/** `file` as committed at `ref`, copied where it can be read. */
export function aclAtRef(file: string, ref: string): BaseAcl {
  if (ref === "" || ref.startsWith("-"))
    throw new UsageError(
      `--base ${JSON.stringify(ref)}: expected a git revision (a branch, tag or commit)`,
    );
  const absolute = resolve(file);
  // The working file is the other side, and git runs in its directory.
  if (!existsSync(absolute)) throw new UsageError(`${file}: no such file`);
  let top: string;
  try {
    top = git(dirname(absolute), ["rev-parse", "--show-toplevel"]).toString().trim();
  } catch (error) {
    throw new UsageError(
      `--base ${ref}: ${file} is not in a git repository (${gitProblem(error)})`,
    );
  }
  // Paths relative to the repository, through the same links git sees.
  let real: string;
  try {
    real = join(realpathSync(dirname(absolute)), basename(absolute));
  } catch {
    real = absolute;
  }
  const path = relative(realpathSync(top), real).split(sep).join("/");
  const label = `${ref}:${path}`;
  let text: Buffer;
  try {
    text = git(top, ["show", `${ref}:${path}`]);
  } catch (error) {
    throw new UsageError(`--base ${ref}: cannot read ${path} at ${ref} (${gitProblem(error)})`);
  }
  const dir = mkdtempSync(join(tmpdir(), "wirenix-base-"));
  chmodSync(dir, 0o700);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    if (extname(path) === ".nix") {
      const folder = dirname(path);
      const archive = git(top, [
        "archive",
        "--format=tar",
        ref,
        "--",
        folder === "." ? "." : folder,
      ]);
      execFileSync("tar", ["-x", "-C", dir], { input: archive, stdio: ["pipe", "ignore", "pipe"] });
      writeFileAtomic(join(dir, path), text, { mode: 0o600 });
    } else writeFileAtomic(join(dir, basename(path)), text, { mode: 0o600 });
  } catch (error) {
    remove();
    throw error;
  }
  return {
    file: extname(path) === ".nix" ? join(dir, path) : join(dir, basename(path)),
    label,
    remove,
  };
}
