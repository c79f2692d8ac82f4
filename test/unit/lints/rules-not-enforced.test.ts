/** The `rules-not-enforced` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { rulesNotEnforced } from "../../../src/analysis/lints/rules-not-enforced.js";
import { type Acl, lintTable } from "../../support/lint-table.js";

const peerIs = (value: string) => [{ type: "peer", rule: "is", value }];

/** One rule: a may reach b on tcp/22. */
function withRules(acl: Acl): void {
  acl.rules = [{ from: peerIs("a"), to: peerIs("b"), allow: ["tcp/22"] }];
}

lintTable(rulesNotEnforced, [
  {
    name: "a phone in a network with rules: its links reach it unfiltered",
    acl: (acl) => {
      withRules(acl);
      acl.peers[1].platform = "ios";
    },
    expect: [
      'warning rules-not-enforced at peers[1].platform: the access rules are not enforced on peer "b": it runs ios, where no nftables table of the rules can be loaded, so what its linked peers "a", "c" send it arrives unfiltered; no router on its way filters for it',
    ],
  },
  {
    name: "behind a relaying hub: what the hub forwards is filtered there",
    acl: (acl) => {
      withRules(acl);
      acl.peers[0].subnets.lan.routes = ["10.0.0.0/24"];
      acl.peers[2].platform = "android";
    },
    expect: [
      'warning rules-not-enforced at peers[2].platform: the access rules are not enforced on peer "c": it runs android, where no nftables table of the rules can be loaded, so what its linked peers "a", "b" send it arrives unfiltered; what "a" forwards to it is filtered there',
    ],
  },
  {
    name: "the same hub on macOS filters nothing for it",
    acl: (acl) => {
      withRules(acl);
      acl.peers[0].subnets.lan.routes = ["10.0.0.0/24"];
      acl.peers[0].platform = "macos";
      acl.peers[2].platform = "windows";
    },
    expect: [
      'warning rules-not-enforced at peers[0].platform: the access rules are not enforced on peer "a": it runs macos, where no nftables table of the rules can be loaded, so what its linked peers "b", "c" send it arrives unfiltered; no router on its way filters for it',
      'warning rules-not-enforced at peers[2].platform: the access rules are not enforced on peer "c": it runs windows, where no nftables table of the rules can be loaded, so what its linked peers "a", "b" send it arrives unfiltered; no router on its way filters for it',
    ],
  },
  {
    name: "no rules: nothing to enforce",
    acl: (acl) => {
      acl.peers[1].platform = "ios";
    },
    expect: [],
  },
  {
    name: "linux, said or not, enforces them",
    acl: (acl) => {
      withRules(acl);
      acl.peers[1].platform = "linux";
    },
    expect: [],
  },
]);
