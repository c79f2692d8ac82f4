/**
 * Interface names: how a subnet (and, for `hash`, the local peer) becomes a Linux device name,
 * which the kernel limits to 15 characters.
 */
import { createHash } from "node:crypto";

export const DEV_NAME_METHODS = ["short", "long", "hash"] as const;
export type DevNameMethod = (typeof DEV_NAME_METHODS)[number];

/** Linux's IFNAMSIZ less the terminating NUL. */
export const MAX_DEVICE_NAME_LENGTH = 15;

/** The device name of `peer`'s interface on `subnet`, before any length check. */
export function deviceName(method: DevNameMethod, peer: string, subnet: string): string {
  switch (method) {
    case "long":
      return subnet;
    case "hash":
      return `wn.${createHash("sha256").update(`${peer}.${subnet}`).digest("hex").slice(0, 12)}`;
    default:
      return subnet.split(".")[0] ?? subnet;
  }
}

/** Why a device name cannot be used by Linux, or undefined when it can. */
export function deviceNameProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (name.length > MAX_DEVICE_NAME_LENGTH)
    return `is ${name.length} characters long; Linux allows at most ${MAX_DEVICE_NAME_LENGTH}`;
  if (name === "." || name === "..") return "cannot be . or ..";
  if (/[\s/:]/.test(name)) return "contains a space, '/' or ':'";
  return undefined;
}
