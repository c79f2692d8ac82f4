/**
 * Writing public keys back into the ACL file: each peer's `publicKey` set or added in place,
 * in the file's own format, with the layout-keeping edits of `add-peer` (src/edit/): comments
 * and every other line stay as they were. A `.nix` ACL is an expression, not data: it is never
 * rewritten. The caller holds the ACL's lock from before it read the ACL until this is done,
 * so the peers whose keys it made are the peers of the file it writes.
 */

import type { ParserSource } from "../acl/parse.js";
import { diagnostic, type Result } from "../core/diagnostics.js";
import { type AclLock, editLockedAcl } from "./acl-file.js";
import type { EditOp } from "./ops.js";

/** One peer's public key to write: the peer's index in `peers` and the key. */
export interface PublicKeyUpdate {
  index: number;
  name: string;
  publicKey: string;
}

export interface UpdateReport {
  /** Peers whose key changed in the file. */
  changed: string[];
  notices: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Writes the public keys into the ACL file `lock` holds, atomically, keeping its mode. Peers
 * whose key is already right are not touched, and an ACL that needs no change is not rewritten.
 */
export function updateAclPublicKeys(
  lock: AclLock,
  updates: readonly PublicKeyUpdate[],
  registry?: ParserSource,
): Result<UpdateReport> {
  const changed: string[] = [];
  const edited = editLockedAcl(
    lock,
    (data) => {
      const peers = isRecord(data) && Array.isArray(data.peers) ? data.peers : [];
      const ops: EditOp[] = [];
      for (const u of updates) {
        const peer = peers[u.index];
        if (!isRecord(peer) || peer.name !== u.name)
          return {
            ok: false,
            diagnostics: [
              diagnostic(
                "error",
                "acl-changed",
                ["peers", u.index],
                `expected peer ${JSON.stringify(u.name)} here; the file changed while wirenix ran`,
              ),
            ],
          };
        if (peer.publicKey === u.publicKey) continue;
        ops.push({ kind: "set", map: ["peers", u.index], key: "publicKey", value: u.publicKey });
        changed.push(u.name);
      }
      return { ok: true, value: { ops, notices: [] }, warnings: [] };
    },
    registry,
  );
  if (!edited.ok) return edited;
  return { ok: true, value: { changed, notices: edited.value.notices }, warnings: [] };
}
