/** One peer's configuration from ACL data, through the library as `generate` makes it. */
import { strict as assert } from "node:assert";
import { parseAcl } from "../../src/acl/parse.js";
import { type GenerateOptions, Generator } from "../../src/app/pipeline.js";
import { createRegistry } from "../../src/app/registry.js";
import type { ConfigTree } from "../../src/core/config-tree.js";
import type { Diagnostic } from "../../src/core/diagnostics.js";

export type Configured =
  | { ok: true; tree: ConfigTree; warnings: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

/** `peer`'s tree by `configurer`, with ACL keys and short device names unless `extra` says. */
export function configureAcl(
  data: unknown,
  configurer: string,
  peer: string,
  extra: Partial<GenerateOptions> = {},
): Configured {
  const registry = createRegistry();
  const network = parseAcl(data, registry);
  if (!network.ok) return network;
  const generator = Generator.create(network.value, registry, {
    configurer,
    keyProviders: ["acl"],
    devNameMethod: "short",
    nixosPeerShape: "flat",
    ...extra,
  });
  assert.ok(generator.ok);
  const result = generator.value.configure(peer);
  if (!result.ok) return result;
  return { ok: true, tree: result.value, warnings: [...generator.value.warnings] };
}
