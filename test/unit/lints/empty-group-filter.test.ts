/** The `empty-group-filter` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { emptyGroupFilter } from "../../../src/analysis/lints/empty-group-filter.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(emptyGroupFilter, [
  {
    name: "a misspelt group in `not`, with no top-level groups: it selects everyone",
    acl: (acl) => {
      delete acl.groups;
      acl.peers[2].groups = ["guest"];
      acl.connections[0].b = [{ type: "group", rule: "not", value: "guests" }];
    },
    expect: [
      'warning empty-group-filter at connections[0].b[0].value: no peer is in group "guests", so this filter selects every peer: a misspelt group name? (groups peers are in: "guest", "servers")',
    ],
  },
  {
    name: "a group nobody is in, in an endpoint's match (`is`: nobody)",
    acl: (acl) => {
      delete acl.groups;
      acl.peers[0].endpoints[0].match = [{ type: "group", rule: "is", value: "laptops" }];
    },
    expect: [
      'warning empty-group-filter at peers[0].endpoints[0].match[0].value: no peer is in group "laptops", so this filter selects no peer: a misspelt group name? (groups peers are in: "servers")',
    ],
  },
  {
    name: "a declared group nobody is in, in a rule",
    acl: (acl) => {
      acl.groups.push({ name: "ops" });
      acl.rules = [
        {
          from: [{ type: "group", rule: "is", value: "ops" }],
          to: [{ type: "peer", rule: "is", value: "a" }],
          allow: ["tcp/22"],
        },
      ];
    },
    expect: [
      'warning empty-group-filter at rules[0].from[0].value: no peer is in group "ops", so this filter selects no peer: a misspelt group name? (groups peers are in: "servers")',
    ],
  },
  {
    name: "groups peers are in, with `is` and `not`, and peer and subnet filters",
    acl: (acl) => {
      acl.groups.push({ name: "guest" });
      acl.peers[2].groups = ["guest"];
      acl.connections[0].b = [
        { type: "group", rule: "not", value: "guest" },
        { type: "subnet", rule: "is", value: "lan" },
        { type: "peer", rule: "not", value: "c" },
      ];
    },
    expect: [],
  },
]);
