/** The `connection-effects` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { connectionEffects } from "../../../src/analysis/lints/connection-effects.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(connectionEffects, [
  {
    name: "a side whose filters together select no one",
    acl: (acl) => {
      acl.connections[0].b = [
        { type: "peer", rule: "is", value: "a" },
        { type: "peer", rule: "is", value: "b" },
      ];
    },
    expect: [
      "warning filter-selects-nobody at connections[0].b: side b of connections[0] selects no peer, so the connection links no one",
    ],
  },
  {
    name: "a side that selects one peer",
    acl: (acl) => {
      acl.connections[0].b = [{ type: "peer", rule: "is", value: "a" }];
    },
    expect: [],
  },
  {
    name: "an endpoint match that selects no one",
    acl: (acl) => {
      acl.peers[2].endpoints[0].match = [{ type: "group", rule: "not", value: "servers" }];
    },
    expect: [
      "warning filter-selects-nobody at peers[2].endpoints[0].match: this endpoint's match selects no peer, so no one ever dials it",
    ],
  },
  {
    name: "an endpoint match that selects some",
    acl: (acl) => {
      acl.peers[2].endpoints[0].match = [{ type: "peer", rule: "not", value: "a" }];
    },
    expect: [],
  },
  {
    name: "a connection of a peer with itself",
    acl: (acl) => {
      acl.connections.push({
        a: [{ type: "peer", rule: "is", value: "a" }],
        b: [{ type: "peer", rule: "is", value: "a" }],
      });
    },
    expect: [
      'warning connection-links-nobody at connections[1]: connections[1] links no one: side a selects "a" and side b "a", but no two different peers of them share a subnet it applies to ("lan")',
    ],
  },
  {
    name: "a connection of two peers",
    acl: (acl) => {
      acl.connections.push({
        a: [{ type: "peer", rule: "is", value: "a" }],
        b: [{ type: "peer", rule: "is", value: "b" }],
      });
    },
    expect: [],
  },
]);
