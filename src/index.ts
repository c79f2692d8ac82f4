/**
 * The Wirenix library: one ACL in, the WireGuard configuration of every machine out.
 *
 * ```js
 * import { generate } from "wirenix";
 * const result = await generate("network.yaml", { configurer: "wg-quick" });
 * ```
 *
 * Every command takes an ACL (a path, a file's text, or parsed data; see {@link AclInput}) and
 * options, and returns a {@link Result}: the value with warnings, or diagnostics with codes
 * (`result.diagnostics`), never an exception for bad input. Plugins import the `define*`
 * helpers and the types from here too. The command line lives apart, in `wirenix/cli`;
 * importing this module loads none of it.
 *
 * @packageDocumentation
 */

export { defineParser, type Parser } from "./acl/parser.js";
// The commands.
export { type AclInput, type AclOptions, type ReadAcl, readAcl } from "./app/acl-input.js";
export { type Checked, check } from "./app/check.js";
export { type Explained, type ExplainRequest, explain } from "./app/explain.js";
export {
  type ConfigureChoices,
  type Generated,
  type GenerateRequest,
  generate,
  type WriteOutRequest,
  type WrittenOut,
  writeOut,
} from "./app/generate.js";
export { type GraphFormat, type GraphRequest, graph } from "./app/graph.js";
export type { Host, Stream } from "./app/output-plan.js";
// Plugins: what they add, and the registry they add it to.
export { definePlugin, loadPlugin, type Plugin } from "./app/plugins.js";
export { createRegistry, type PluginContribution, type Registry } from "./app/registry.js";
// What configurers produce, and the printers of it.
export type { ConfigTree } from "./core/config-tree.js";
// Results and their diagnostics.
export {
  type Diagnostic,
  type DiagnosticCode,
  formatDiagnostic,
  InputError,
  type Result,
} from "./core/diagnostics.js";
export {
  defineKeyProvider,
  type KeyProvider,
  type KeyProviderOptionProblem,
} from "./keys/provider.js";
// The model every command reads.
export type { Link, NetInterface, NetPeer, NetSubnet, Network } from "./network/model.js";
export { allowedIPTexts } from "./network/routing.js";
export {
  type ConfigureContext,
  type Configurer,
  defineConfigurer,
} from "./render/configurers/configurer.js";
export { defineFileConfigurer } from "./render/configurers/files.js";
export { hostsEntries } from "./render/configurers/hosts-entries.js";
export { deviceInterfaces } from "./render/configurers/interfaces.js";
export { toJson } from "./render/printers/json.js";
export { toNix } from "./render/printers/nix.js";
