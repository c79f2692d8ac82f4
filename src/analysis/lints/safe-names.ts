/**
 * Lint `safe-names`. Reports: unsafe-nix-attr, unsafe-ini-value, unsafe-file-name (errors or
 * warnings), invalid-host-name (warning).
 * Checks: subnet, group and peer names as they reach Nix attributes, INI values, file names
 * under --out and secret names, and host names.
 * Why: a name one of those cannot carry breaks or silently changes an output.
 */
import type { PathSegment } from "../../core/diagnostics.js";
import type { Lint } from "../lint.js";

const q = JSON.stringify;

/** A name Linux accepts as a file name under --out, or in agenix secret names. */
const PORTABLE_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+@-]*$/;
/** Whether text holds a C0 control character or DEL. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Names as they reach files, Nix attributes, INI values and hosts files. */
export const safeNames: Lint = {
  name: "safe-names",
  codes: ["unsafe-file-name", "unsafe-nix-attr", "unsafe-ini-value", "invalid-host-name"],
  description: "names that would be unsafe as a file name, a Nix attribute or an INI value",
  run({ network, report }) {
    const kinds = [
      ["subnets", "subnet", network.subnets, true],
      ["groups", "group", network.groups, false],
      ["peers", "peer", network.peers, true],
    ] as const;
    for (const [list, kind, items, written] of kinds)
      for (const item of items) {
        const at: PathSegment[] = [list, item.index, "name"];
        const name = item.name;
        const what = `${kind} name ${q(name)}`;
        if (name.includes("\u0000"))
          report.error(
            "unsafe-nix-attr",
            at,
            `${what} contains a NUL character, which no Nix string can hold`,
          );
        if (!written) continue;
        if (hasControl(name) || name.trim() !== name || name.endsWith("\\"))
          report.error(
            "unsafe-ini-value",
            at,
            `${what} has control characters, surrounding spaces or a trailing backslash, which an INI value (wg-quick, systemd) cannot carry`,
          );
        if (name.includes("/") || name === "." || name === "..")
          report.error(
            "unsafe-file-name",
            at,
            `${what} cannot be a file name (it names files in an output directory and secrets such as wirenix-${kind}-<name>.age)`,
          );
        else if (!PORTABLE_FILE_NAME.test(name))
          report.warn(
            "unsafe-file-name",
            at,
            `${what} is not a portable file name (use letters, digits and . _ + @ -, not starting with . or -); writing into an output directory refuses it`,
          );
        if (!name.split(".").every((label) => HOST_LABEL.test(label)))
          report.warn(
            "invalid-host-name",
            at,
            `${what} makes host names "<peer>.<subnet>" in networking.hosts that are not valid DNS names (letters, digits and -, dot-separated), so resolvers may ignore them`,
          );
      }
  },
};
