/**
 * The Wirenix library: everything the CLI uses, for programs and plugins. This file only
 * re-exports; each module documents its own part.
 */
export {
  ACL_FORMATS,
  type AclLimits,
  DEFAULT_LIMITS,
  type LoadedAcl,
  loadAcl,
  parseAclText,
  type SourcePosition,
} from "./acl/load.js";
export { locateDiagnostics, parseAcl } from "./acl/parse.js";
export { defineParser, type Parser } from "./acl/parser.js";
export { buildNetwork } from "./acl/v1/network.js";
export type {
  AclConnection,
  AclEndpoint,
  AclFilter,
  AclGroup,
  AclPeer,
  AclPeerSubnet,
  AclSubnet,
  AclV1,
} from "./acl/v1/schema.js";
export { AclV1Schema } from "./acl/v1/schema.js";
export { validateAclV1 } from "./acl/v1/validate.js";
export {
  CONFIG_FILE_MODE,
  chooseInterface,
  type Host,
  type HostsWriter,
  hostFileNameProblem,
  hostsWriter,
  type OutputPlan,
  type OutputRequest,
  type OutRun,
  outDirProblem,
  planOutput,
  printProblem,
  type Stream,
} from "./app/output-plan.js";
export { type PhoneConfigOptions, phoneConfiguration } from "./app/phone.js";
export {
  DEFAULT_OPTIONS,
  defaultKeyProviders,
  type GenerateOptions,
  Generator,
  readNetwork,
} from "./app/pipeline.js";
export { definePlugin, loadPlugin, type Plugin } from "./app/plugins.js";
export { BUILTINS, createRegistry, type PluginContribution, Registry } from "./app/registry.js";
export { cli } from "./cli/main.js";
export {
  type ConfigTree,
  type ConfigValue,
  isConfigTree,
  mergeConfigs,
} from "./core/config-tree.js";
export {
  type Diagnostic,
  type DiagnosticCode,
  Diagnostics,
  formatDiagnostic,
  InputError,
  isNonEmpty,
  type NonEmpty,
  type PathSegment,
  type Result,
  renderPath,
  type Severity,
} from "./core/diagnostics.js";
export { compareNames, KeyOrder } from "./core/order.js";
export { RunContext } from "./core/run-context.js";
export {
  type AclChange,
  type AclLock,
  aclEditProblem,
  type EditedAcl,
  editAclFile,
  editAclText,
  editLockedAcl,
  lockAcl,
} from "./edit/acl-file.js";
export { type InitOptions, starterAcl, starterAclText } from "./edit/init.js";
export type { EditOp, EditPath } from "./edit/ops.js";
export { type AddPeerOptions, parseEndpoint, planAddPeer } from "./edit/peers.js";
export { planRemovePeer } from "./edit/remove-peer.js";
export { type PublicKeyUpdate, updateAclPublicKeys } from "./edit/update-acl.js";
export {
  type EncryptOptions,
  type EncryptOutcome,
  encryptKeys,
  encryptTo,
  peerRecipients,
  type Recipient,
  readRecipientsFile,
} from "./keys/encrypt.js";
export {
  generateKeyPair,
  generatePresharedKey,
  type KeyPair,
  publicKeyOf,
} from "./keys/generate.js";
export {
  type GenerateKeysOptions,
  type GenerateKeysReport,
  generateKeys,
  type KeyOutcome,
} from "./keys/generate-dir.js";
export { keyFiles, subnetHasPresharedKey, subnetWantsPresharedKey } from "./keys/key-dir.js";
export {
  defineKeyProvider,
  type KeyProvider,
  type KeyProviderContext,
  type PeerKeyAnswers,
  PeerKeys,
} from "./keys/provider.js";
export { stalePublicKeys, unsetPublicKeys } from "./keys/stale.js";
export { Address, type Prefix, parsePrefix } from "./network/address.js";
export { generatedAddress } from "./network/addresses.js";
export { assembleNetwork, type NetworkParts } from "./network/assemble.js";
export {
  DEV_NAME_METHODS,
  type DevNameMethod,
  deviceName,
  deviceNameProblem,
} from "./network/devname.js";
export { endpointAddress } from "./network/endpoints.js";
export { networkData, networkText } from "./network/inspect.js";
export { allocateIPv4, poolRange } from "./network/ipv4-pool.js";
export type {
  ExtraArgs,
  Link,
  Membership,
  NetConnection,
  NetGroup,
  NetInterface,
  NetPeer,
  NetSubnet,
  Network,
  ResolvedEndpoint,
} from "./network/model.js";
export { allowedIPs, allowedIPTexts } from "./network/routing.js";
export { isAddressOrCidr, isEndpointHost, isWireguardKey } from "./network/values.js";
export {
  type ConfigureContext,
  type ConfigureOptions,
  type Configurer,
  type ConfigurerOutput,
  defineConfigurer,
  type NixosPeerShape,
} from "./render/configurers/configurer.js";
export {
  defineFileConfigurer,
  type FileConfigurerSpec,
  type FileSet,
  filesOf,
  type GeneratedFile,
} from "./render/configurers/files.js";
export { hostsEntries, hostsLines } from "./render/configurers/hosts-entries.js";
export { type DeviceInterface, deviceInterfaces } from "./render/configurers/interfaces.js";
export {
  type IniDialect,
  type IniDocument,
  type IniEntry,
  type IniSection,
  iniValueProblem,
  toIni,
} from "./render/printers/ini.js";
export { toJson, toPrettyJson } from "./render/printers/json.js";
export { nixAttrName, nixString, toNix } from "./render/printers/nix.js";
