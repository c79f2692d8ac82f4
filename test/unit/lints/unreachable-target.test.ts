/** The `unreachable-target` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { unreachableTarget } from "../../../src/analysis/lints/unreachable-target.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(unreachableTarget, [
  {
    name: "a notReaches target that nobody links to",
    acl: (acl) => {
      acl.peers[2].groups = [];
      acl.tests = [{ from: "a", notReaches: ["c"] }];
    },
    expect: [
      `warning unreachable-target at tests[0].notReaches[0]: no peer's AllowedIPs hold 10.0.0.3 of "c": no link or route could ever reach it, so this proves nothing`,
    ],
  },
  {
    name: "a linked target with a service",
    acl: (acl) => {
      acl.tests = [{ from: "a", notReaches: ["b:tcp/22"] }];
      acl.rules = [];
    },
    expect: [],
  },
]);
