/** The `unused-parts` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { unusedParts } from "../../../src/check/lints/unused-parts.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(unusedParts, [
  {
    name: "a group no one is in",
    acl: (acl) => {
      acl.groups.push({ name: "nobody" });
    },
    expect: [
      {
        severity: "warning",
        code: "empty-group",
        path: "groups[1]",
        message: 'no peer is in group "nobody"',
      },
    ],
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
      acl.subnets.push({ name: "wan", endpoints: [] });
    },
    expect: [
      {
        severity: "warning",
        code: "empty-subnet",
        path: "subnets[1]",
        message: 'no peer is a member of subnet "wan"',
      },
    ],
  },
  {
    name: "a subnet no connection applies to",
    acl: (acl) => {
      acl.subnets.push({ name: "wan", endpoints: [] });
      acl.peers[0].subnets.wan = { listenPort: 51821 };
      acl.peers[1].subnets.wan = { listenPort: 51821 };
      acl.connections[0].subnets = ["lan"];
    },
    expect: [
      {
        severity: "warning",
        code: "unlinked-interface",
        path: "peers[0].subnets.wan",
        message:
          'peer "a" is a member of subnet "wan" but linked to no one there: its interface would have no peers',
      },
      {
        severity: "warning",
        code: "unlinked-interface",
        path: "peers[1].subnets.wan",
        message:
          'peer "b" is a member of subnet "wan" but linked to no one there: its interface would have no peers',
      },
      {
        severity: "warning",
        code: "subnet-without-connection",
        path: "subnets[1]",
        message: 'no connection links any two of the 2 members of subnet "wan"',
      },
    ],
  },
  {
    name: "a subnet with one member",
    acl: (acl) => {
      acl.subnets.push({ name: "wan", endpoints: [] });
      acl.peers[0].subnets.wan = { listenPort: 51821 };
    },
    expect: [
      {
        severity: "warning",
        code: "unlinked-interface",
        path: "peers[0].subnets.wan",
        message:
          'peer "a" is a member of subnet "wan" but linked to no one there: its interface would have no peers',
      },
      {
        severity: "warning",
        code: "subnet-without-connection",
        path: "subnets[1]",
        message: 'subnet "wan" has one member ("a"), so nothing can link on it',
      },
    ],
  },
  {
    name: "a peer no connection selects",
    acl: (acl) => {
      acl.peers[2].groups = [];
    },
    expect: [
      {
        severity: "warning",
        code: "isolated-peer",
        path: "peers[2]",
        message:
          'peer "c" is linked to no one (no connection selects it together with another member of its subnets)',
      },
    ],
  },
  {
    name: "a peer in no subnet",
    acl: (acl) => {
      acl.peers[2].subnets = {};
    },
    expect: [
      {
        severity: "warning",
        code: "isolated-peer",
        path: "peers[2]",
        message: 'peer "c" is in no subnet',
      },
    ],
  },
  {
    name: "an interface linked to no one",
    acl: (acl) => {
      acl.subnets.push({ name: "wan", endpoints: [] });
      for (const p of acl.peers) p.subnets.wan = { listenPort: 51821 };
      acl.connections[0].subnets = ["lan"];
      acl.connections.push({
        a: [{ type: "peer", rule: "is", value: "a" }],
        b: [{ type: "peer", rule: "is", value: "b" }],
        subnets: ["wan"],
      });
    },
    expect: [
      {
        severity: "warning",
        code: "unlinked-interface",
        path: "peers[2].subnets.wan",
        message:
          'peer "c" is a member of subnet "wan" but linked to no one there: its interface would have no peers',
      },
    ],
  },
  {
    name: "two subnets, every member linked on both",
    acl: (acl) => {
      acl.subnets.push({ name: "wan", endpoints: [] });
      for (const p of acl.peers) p.subnets.wan = { listenPort: 51821 };
    },
    expect: [],
  },
]);
