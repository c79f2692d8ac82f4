/** The `unused-parts` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { unusedParts } from "../../../src/analysis/lints/unused-parts.js";
import { type Acl, lintTable } from "../../support/lint-table.js";

/** A second subnet "wan" with no endpoints. */
function addWan(acl: Acl): void {
  acl.subnets.push({ name: "wan", endpoints: [] });
}

lintTable(unusedParts, [
  {
    name: "a group no one is in",
    acl: (acl) => {
      acl.groups.push({ name: "nobody" });
    },
    expect: ['warning empty-group at groups[1]: no peer is in group "nobody"'],
  },
  {
    name: "the group with a member",
    acl: (acl) => {
      acl.groups.push({ name: "nobody" });
      acl.peers[0].groups.push("nobody");
    },
    expect: [],
  },
  {
    name: "a subnet with no members",
    acl: (acl) => {
      addWan(acl);
    },
    expect: ['warning empty-subnet at subnets[1]: no peer is a member of subnet "wan"'],
  },
  {
    name: "a subnet no connection applies to",
    acl: (acl) => {
      addWan(acl);
      acl.peers[0].subnets.wan = { listenPort: 51821 };
      acl.peers[1].subnets.wan = { listenPort: 51821 };
      acl.connections[0].subnets = ["lan"];
    },
    expect: [
      'warning unlinked-interface at peers[0].subnets.wan: peer "a" is a member of subnet "wan" but linked to no one there: its interface would have no peers',
      'warning unlinked-interface at peers[1].subnets.wan: peer "b" is a member of subnet "wan" but linked to no one there: its interface would have no peers',
      'warning subnet-without-connection at subnets[1]: no connection links any two of the 2 members of subnet "wan"',
    ],
  },
  {
    name: "a subnet with one member",
    acl: (acl) => {
      addWan(acl);
      acl.peers[0].subnets.wan = { listenPort: 51821 };
    },
    expect: [
      'warning unlinked-interface at peers[0].subnets.wan: peer "a" is a member of subnet "wan" but linked to no one there: its interface would have no peers',
      'warning subnet-without-connection at subnets[1]: subnet "wan" has one member ("a"), so nothing can link on it',
    ],
  },
  {
    name: "a peer no connection selects",
    acl: (acl) => {
      acl.peers[2].groups = [];
    },
    expect: [
      'warning isolated-peer at peers[2]: peer "c" is linked to no one (no connection selects it together with another member of its subnets)',
    ],
  },
  {
    name: "a peer in no subnet",
    acl: (acl) => {
      acl.peers[2].subnets = {};
    },
    expect: ['warning isolated-peer at peers[2]: peer "c" is in no subnet'],
  },
  {
    name: "an interface linked to no one",
    acl: (acl) => {
      addWan(acl);
      for (const p of acl.peers) p.subnets.wan = { listenPort: 51821 };
      acl.connections[0].subnets = ["lan"];
      acl.connections.push({
        a: [{ type: "peer", rule: "is", value: "a" }],
        b: [{ type: "peer", rule: "is", value: "b" }],
        subnets: ["wan"],
      });
    },
    expect: [
      'warning unlinked-interface at peers[2].subnets.wan: peer "c" is a member of subnet "wan" but linked to no one there: its interface would have no peers',
    ],
  },
  {
    name: "two subnets, every member linked on both",
    acl: (acl) => {
      addWan(acl);
      for (const p of acl.peers) p.subnets.wan = { listenPort: 51821 };
    },
    expect: [],
  },
]);
