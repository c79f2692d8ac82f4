/** The `device-names` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { deviceNames } from "../../../src/analysis/lints/device-names.js";
import { type Acl, lintTable } from "../../support/lint-table.js";

/** Subnets "lan.home" and "lan.work", every peer in both: one short name, "lan". */
function lanHomeAndWork(acl: Acl): void {
  acl.subnets = [
    { name: "lan.home", endpoints: [{ port: 51820 }] },
    { name: "lan.work", endpoints: [{ port: 51821 }] },
  ];
  for (const p of acl.peers)
    p.subnets = { "lan.home": { listenPort: 51820 }, "lan.work": { listenPort: 51821 } };
}

/** The subnet renamed to 16 characters. */
function sixteenChars(acl: Acl): void {
  acl.subnets[0].name = "sixteen-chars-xx";
  for (const p of acl.peers) p.subnets = { "sixteen-chars-xx": p.subnets.lan };
}

lintTable(deviceNames, [
  {
    name: "two subnets that get one short name",
    acl: lanHomeAndWork,
    expect: [
      'error devname-clash at subnets[1].name: subnets "lan.home" and "lan.work" both get device name "lan" (devNameMethod short) on peer "a", "b", "c"; only one interface can have it (use devNameMethod long or hash, or rename a subnet)',
    ],
  },
  {
    name: "the same subnets with long names",
    acl: lanHomeAndWork,
    devNameMethod: "long",
    expect: [],
  },
  {
    name: "the same subnets with hashed names",
    acl: lanHomeAndWork,
    devNameMethod: "hash",
    expect: [],
  },
  {
    name: "a clash on one peer only",
    acl: (acl) => {
      acl.subnets = [
        { name: "lan.home", endpoints: [{ port: 51820 }] },
        { name: "lan.work", endpoints: [{ port: 51821 }] },
      ];
      for (const p of acl.peers) p.subnets = { "lan.home": { listenPort: 51820 } };
      acl.peers[1].subnets["lan.work"] = { listenPort: 51821 };
    },
    expect: [
      'error devname-clash at peers[1].subnets["lan.work"]: subnets "lan.home" and "lan.work" both get device name "lan" (devNameMethod short) on peer "b"; only one interface can have it (use devNameMethod long or hash, or rename a subnet)',
    ],
  },
  {
    name: "a name of 16 characters",
    acl: sixteenChars,
    expect: [
      'error devname-too-long at subnets[0].name: device name "sixteen-chars-xx" of subnet "sixteen-chars-xx" (devNameMethod short) of peer "a", "b", "c" is 16 characters long; Linux allows at most 15; rename the subnet or use devNameMethod hash',
    ],
  },
  {
    // No subnet entry to blame: the name comes from the first peer's membership (never from
    // subnets[0], which does not exist).
    name: "a name of 16 characters on a subnet the ACL does not declare",
    acl: (acl) => {
      sixteenChars(acl);
      delete acl.subnets;
    },
    expect: [
      'error devname-too-long at peers[0].subnets.sixteen-chars-xx: device name "sixteen-chars-xx" of subnet "sixteen-chars-xx" (devNameMethod short) of peer "a", "b", "c" is 16 characters long; Linux allows at most 15; rename the subnet or use devNameMethod hash',
    ],
  },
  {
    name: "two undeclared subnets that get one short name",
    acl: (acl) => {
      lanHomeAndWork(acl);
      delete acl.subnets;
    },
    expect: [
      'error devname-clash at peers[0].subnets["lan.work"]: subnets "lan.home" and "lan.work" both get device name "lan" (devNameMethod short) on peer "a", "b", "c"; only one interface can have it (use devNameMethod long or hash, or rename a subnet)',
    ],
  },
  {
    name: "the same name hashed",
    acl: sixteenChars,
    devNameMethod: "hash",
    expect: [],
  },
  {
    name: "a name Linux refuses",
    acl: (acl) => {
      acl.subnets[0].name = "my:lan";
      for (const p of acl.peers) p.subnets = { "my:lan": p.subnets.lan };
    },
    unvalidated: true,
    expect: [
      'error devname-invalid at subnets[0].name: device name "my:lan" of subnet "my:lan" (devNameMethod short) of peer "a", "b", "c" contains a space, \'/\' or \':\'; rename the subnet or use devNameMethod hash',
    ],
  },
  {
    name: "a name Linux takes",
    acl: (acl) => {
      acl.subnets[0].name = "my-lan";
      for (const p of acl.peers) p.subnets = { "my-lan": p.subnets.lan };
    },
    unvalidated: true,
    expect: [],
  },
]);
