/**
 * The files `generate` would write for each host, with every secret taken out, for showing to
 * a person (`diff --files`, `report`): a secret file (a private key) is named but never read
 * out, a private or preshared key inline in a configuration is replaced by `<redacted>`, and
 * any stretch of the ACL's own secrets left anywhere is scrubbed as messages are.
 */
import type { HostFiles, ShownFile } from "../analysis/diff.js";
import { compareNames } from "../core/order.js";
import type { SecretScrubber } from "../core/secrets.js";
import type { Network } from "../network/model.js";
import { filesOf } from "../render/configurers/files.js";
import { toNix } from "../render/printers/nix.js";
import { DEFAULT_OPTIONS, Generator } from "./pipeline.js";
import type { Registry } from "./registry.js";

/** What a secret file shows instead of its contents. */
export const SECRET_FILE_TEXT = "(a secret file: its contents are never shown)\n";

// `PrivateKey = …`, `PresharedKey = …` (INI), `privateKey = "…";` (Nix), and JSON's
// `"privateKey": "…"`: the value, whatever it is.
const INLINE_SECRET =
  /((?:^|[\s{;,"])(?:PrivateKey|PresharedKey|privateKey|presharedKey)"?\s*[=:]\s*)("[^"\n]*"|[^\s;,]+)/gm;

/** `text` with inline keys and the ACL's secrets replaced. */
export function redactSecrets(text: string, scrubber: SecretScrubber): string {
  const replaced = text.replace(INLINE_SECRET, (_all, head: string, value: string) =>
    value.startsWith('"') ? `${head}"<redacted>"` : `${head}<redacted>`,
  );
  return scrubber.scrub(replaced);
}

/**
 * Every host's files as `configurer` makes them (a NixOS configurer's options as one
 * `<host>.nix`), in host name order.
 */
export function hostFiles(
  network: Network,
  registry: Registry,
  configurer: string,
  scrubber: SecretScrubber,
): Map<string, HostFiles> {
  const out = new Map<string, HostFiles>();
  const created = Generator.create(network, registry, { ...DEFAULT_OPTIONS, configurer });
  const names = network.peers.map((p) => p.name).sort(compareNames);
  if (!created.ok) {
    const problem = created.diagnostics.map((d) => d.message).join("; ");
    for (const name of names) out.set(name, { problem });
    return out;
  }
  const generator = created.value;
  for (const name of names) {
    const result = generator.configure(name);
    if (!result.ok) {
      out.set(name, {
        problem: redactSecrets(result.diagnostics.map((d) => d.message).join("; "), scrubber),
      });
      continue;
    }
    const files: ShownFile[] =
      generator.configurer.output === "files"
        ? filesOf(result.value, configurer).map(([path, file]) => ({
            path,
            secret: file.secret,
            text: file.secret ? SECRET_FILE_TEXT : redactSecrets(file.text, scrubber),
          }))
        : [
            {
              path: `${name}.nix`,
              secret: false,
              text: redactSecrets(`${toNix(result.value, "", generator.run)}\n`, scrubber),
            },
          ];
    out.set(name, { files });
  }
  return out;
}
