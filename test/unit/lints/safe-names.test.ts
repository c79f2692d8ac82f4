/** The `safe-names` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { safeNames } from "../../../src/analysis/lints/safe-names.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(safeNames, [
  {
    name: "a name that climbs out of --out",
    acl: (acl) => {
      acl.peers[1].name = "b/../../etc";
    },
    unvalidated: true,
    expect: [
      'error unsafe-file-name at peers[1].name: peer name "b/../../etc" cannot be a file name (it names files in an output directory and secrets such as wirenix-peer-<name>.age)',
      'warning invalid-host-name at peers[1].name: peer name "b/../../etc" makes host names "<peer>.<subnet>" in networking.hosts that are not valid DNS names (letters, digits and -, dot-separated), so resolvers may ignore them',
    ],
  },
  {
    name: "a name that starts with -",
    acl: (acl) => {
      acl.peers[1].name = "-b";
    },
    unvalidated: true,
    expect: [
      'warning unsafe-file-name at peers[1].name: peer name "-b" is not a portable file name (use letters, digits and . _ + @ -, not starting with . or -); writing into an output directory refuses it',
      'warning invalid-host-name at peers[1].name: peer name "-b" makes host names "<peer>.<subnet>" in networking.hosts that are not valid DNS names (letters, digits and -, dot-separated), so resolvers may ignore them',
    ],
  },
  {
    name: "a name that ends with -",
    acl: (acl) => {
      acl.peers[1].name = "b-";
    },
    unvalidated: true,
    expect: [
      'warning invalid-host-name at peers[1].name: peer name "b-" makes host names "<peer>.<subnet>" in networking.hosts that are not valid DNS names (letters, digits and -, dot-separated), so resolvers may ignore them',
    ],
  },
  {
    name: "a name with a line break",
    acl: (acl) => {
      acl.peers[1].name = "b\nPrivateKey = x";
    },
    unvalidated: true,
    expect: [
      'error unsafe-ini-value at peers[1].name: peer name "b\\nPrivateKey = x" has control characters, surrounding spaces or a trailing backslash, which an INI value (wg-quick, systemd) cannot carry',
      'warning unsafe-file-name at peers[1].name: peer name "b\\nPrivateKey = x" is not a portable file name (use letters, digits and . _ + @ -, not starting with . or -); writing into an output directory refuses it',
      'warning invalid-host-name at peers[1].name: peer name "b\\nPrivateKey = x" makes host names "<peer>.<subnet>" in networking.hosts that are not valid DNS names (letters, digits and -, dot-separated), so resolvers may ignore them',
    ],
  },
  {
    name: "a name with a dot",
    acl: (acl) => {
      acl.peers[1].name = "b.x";
    },
    unvalidated: true,
    expect: [],
  },
  {
    name: "a group name with a NUL character",
    acl: (acl) => {
      acl.groups[0].name = "serv\u0000ers";
      for (const p of acl.peers) p.groups = ["serv\u0000ers"];
      acl.connections[0].a[0].value = "serv\u0000ers";
      acl.connections[0].b[0].value = "serv\u0000ers";
    },
    unvalidated: true,
    expect: [
      'error unsafe-nix-attr at groups[0].name: group name "serv\\u0000ers" contains a NUL character, which no Nix string can hold',
    ],
  },
  {
    name: "a name with an underscore",
    acl: (acl) => {
      acl.peers[2].name = "c_1";
    },
    expect: [
      'warning invalid-host-name at peers[2].name: peer name "c_1" makes host names "<peer>.<subnet>" in networking.hosts that are not valid DNS names (letters, digits and -, dot-separated), so resolvers may ignore them',
    ],
  },
  {
    name: "a name with a hyphen inside",
    acl: (acl) => {
      acl.peers[2].name = "c-1";
    },
    expect: [],
  },
]);
