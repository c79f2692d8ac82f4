/**
 * Our result beside the original's for every peer of a golden: each configurer and naming
 * method the golden holds, and both NixOS peer shapes where the configurer has them (the
 * comparison unwraps both). Shared by the differential and dropped-key tests.
 */
import { strict as assert } from "node:assert";
import { Generator } from "../../src/app/pipeline.js";
import type { Registry } from "../../src/app/registry.js";
import type { ConfigTree } from "../../src/core/config-tree.js";
import type { Result } from "../../src/core/diagnostics.js";
import type { DevNameMethod } from "../../src/network/devname.js";
import type { Network } from "../../src/network/model.js";
import type { ConfigureOptions } from "../../src/render/configurers/configurer.js";

/** The original's answer for one peer: its configuration, or that it failed. */
export interface OriginalPeer {
  ok?: unknown;
  error?: true;
}

export interface Compared {
  combo: string;
  peer: string;
  nixosPeerShape: ConfigureOptions["nixosPeerShape"];
  expected: OriginalPeer;
  ours: Result<ConfigTree>;
}

const shapes: ConfigureOptions["nixosPeerShape"][] = ["flat", "wrapped"];

export function* againstGolden(
  network: Network,
  registry: Registry,
  golden: Record<string, Record<string, OriginalPeer>>,
): IterableIterator<Compared> {
  for (const [combo, peers] of Object.entries(golden)) {
    const [configurer, devNameMethod] = combo.split("/") as [string, DevNameMethod];
    for (const nixosPeerShape of shapes) {
      if (nixosPeerShape === "wrapped" && !configurer.startsWith("networkd")) continue;
      const made = Generator.create(network, registry, {
        configurer,
        devNameMethod,
        nixosPeerShape,
        keyProviders: ["acl"],
      });
      assert.ok(made.ok);
      for (const [peer, expected] of Object.entries(peers))
        yield { combo, peer, nixosPeerShape, expected, ours: made.value.configure(peer) };
    }
  }
}
