/**
 * nixpkgs' lib, found the Nix way: `<nixpkgs/lib>` on NIX_PATH. Tests that evaluate with the
 * NixOS module system need it; when it is missing they say what to set instead of failing
 * inside nix-instantiate.
 */
import { spawnSync } from "node:child_process";

export type Found = { ok: true; path: string } | { ok: false; message: string };

/** Where nix-instantiate finds `<nixpkgs/lib>`, or a message saying how to provide it. */
export function findNixpkgsLib(): Found {
  const run = spawnSync("nix-instantiate", ["--find-file", "nixpkgs/lib"], { encoding: "utf8" });
  if (run.error)
    return {
      ok: false,
      message: `cannot run nix-instantiate (${run.error.message}); install Nix (Debian: nix-bin)`,
    };
  if (run.status === 0) return { ok: true, path: run.stdout.trim() };
  const nixPath = process.env.NIX_PATH;
  return {
    ok: false,
    message:
      `<nixpkgs/lib> is not on the Nix search path (${nixPath ? `NIX_PATH=${nixPath}` : "NIX_PATH is unset"}). ` +
      "The NixOS module tests evaluate with nixpkgs' lib: set NIX_PATH=nixpkgs=DIR, DIR a " +
      "nixpkgs checkout or any directory with lib/default.nix (such as nixpkgs.lib).",
  };
}

/** The path of `<nixpkgs/lib>`; throws the message of findNixpkgsLib when there is none. */
export function nixpkgsLib(): string {
  const found = findNixpkgsLib();
  if (!found.ok) throw new Error(found.message);
  return found.path;
}
