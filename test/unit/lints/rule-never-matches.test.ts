/** The `rule-never-matches` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { ruleNeverMatches } from "../../../src/analysis/lints/rule-never-matches.js";
import { type Acl, KEYS, lintTable } from "../../support/lint-table.js";

const peerIs = (value: string) => [{ type: "peer", rule: "is", value }];

/** d, linked to a alone; a relays nothing. */
function withD(acl: Acl): void {
  acl.peers.push({
    ...acl.peers[2],
    name: "d",
    groups: [],
    subnets: { lan: { listenPort: 51820, ipAddresses: ["10.0.0.4"] } },
    publicKey: KEYS[3]?.publicKey,
    endpoints: [{ ip: "192.168.1.4" }],
  });
  acl.connections.push({ a: peerIs("d"), b: peerIs("a") });
}

lintTable(ruleNeverMatches, [
  {
    name: "a rule between peers that share no link nor route",
    acl: (acl) => {
      withD(acl);
      acl.rules = [
        { from: peerIs("d"), to: peerIs("a"), allow: ["*"] },
        { from: peerIs("d"), to: peerIs("b"), allow: ["tcp/22"] },
      ];
    },
    expect: [
      "warning rule-never-matches at rules[1]: no peer of `from` reaches any peer of `to` by any link or route, so this rule can never match; check its filters, or add a connection",
    ],
  },
  {
    name: "a rule between linked peers",
    acl: (acl) => {
      acl.rules = [{ from: peerIs("a"), to: peerIs("b"), allow: ["tcp/22"] }];
    },
    expect: [],
  },
]);
