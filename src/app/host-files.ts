/**
 * The files `generate` would write for each host, with every secret taken out, for showing to
 * a person (`diff --files`, `report`): a private or preshared key inline in a configuration is
 * replaced by `<redacted>`, a secret file with no such line (a key file) is named but never
 * read out, and any stretch of the ACL's own secrets left anywhere is scrubbed as messages are.
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
const SECRET_FILE_TEXT = "(a secret file: its contents are never shown)\n";

// `PrivateKey = …`, `PresharedKey = …` (INI), `privateKey = "…";` (Nix), and JSON's
// `"privateKey": "…"`: the value, whatever it is.
const INLINE_SECRET =
  /((?:^|[\s{;,"])(?:PrivateKey|PresharedKey|privateKey|presharedKey)"?\s*[=:]\s*)("[^"\n]*"|[^\s;,]+)/gm;

/** `text` with inline keys and the ACL's secrets replaced. */
export function redactSecrets(text: string, scrubber: SecretScrubber): string {
  return redacted(text, scrubber).text;
}

function redacted(text: string, scrubber: SecretScrubber): { text: string; keys: number } {
  let keys = 0;
  const replaced = text.replace(INLINE_SECRET, (_all, head: string, value: string) => {
    keys++;
    return value.startsWith('"') ? `${head}"<redacted>"` : `${head}<redacted>`;
  });
  return { text: scrubber.scrub(replaced), keys };
}

/**
 * What a file shows: a configuration that is secret because of the keys inline in it is shown
 * with them redacted; any other secret file (a key file itself) not at all.
 */
function shown(text: string, secret: boolean, scrubber: SecretScrubber): string {
  const out = redacted(text, scrubber);
  return secret && out.keys === 0 ? SECRET_FILE_TEXT : out.text;
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
  // A peer whose private key is inline in the ACL gets it inline in its files (redacted
  // below), as `generate --inline-private-keys` writes them: there is no key file to name.
  const inline = Generator.create(network, registry, {
    ...DEFAULT_OPTIONS,
    configurer,
    inlinePrivateKeys: true,
  });
  const names = network.peers.map((p) => p.name).sort(compareNames);
  if (!created.ok || !inline.ok) {
    const problem = (created.ok ? [] : created.diagnostics).map((d) => d.message).join("; ");
    for (const name of names) out.set(name, { problem });
    return out;
  }
  for (const name of names) {
    const generator = network.peer(name)?.privateKey !== undefined ? inline.value : created.value;
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
            text: shown(file.text, file.secret, scrubber),
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
