/** The `nat-keepalive` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { natKeepalive } from "../../../src/analysis/lints/nat-keepalive.js";
import { lintTable } from "../../support/lint-table.js";

lintTable(natKeepalive, [
  {
    name: "a peer nobody dials, without keepalive, toward the peer it dials",
    acl: (acl) => {
      delete acl.peers[1].endpoints;
      delete acl.peers[2].endpoints;
      // b and c dial a only: nobody dials them, and they dial nobody else.
      acl.subnets[0].endpoints = [{ port: 51820 }];
    },
    expect: [
      'warning missing-keepalive at peers[1].subnets.lan: on subnet "lan", peer "b" dials "a", which has no endpoint for it, and sends no keepalive: behind NAT the way back closes once "b" is silent, and that peer no longer reaches it; set roaming: true on "b" (a keepalive every 25 s), or a persistentKeepalive in the endpoints it dials',
      'warning missing-keepalive at peers[2].subnets.lan: on subnet "lan", peer "c" dials "a", which has no endpoint for it, and sends no keepalive: behind NAT the way back closes once "c" is silent, and that peer no longer reaches it; set roaming: true on "c" (a keepalive every 25 s), or a persistentKeepalive in the endpoints it dials',
    ],
  },
  {
    name: "several peers it dials are listed in one warning",
    acl: (acl) => {
      delete acl.peers[2].endpoints;
    },
    expect: [
      'warning missing-keepalive at peers[2].subnets.lan: on subnet "lan", peer "c" dials "a", "b", which have no endpoint for it, and sends no keepalive: behind NAT the way back closes once "c" is silent, and those peers no longer reach it; set roaming: true on "c" (a keepalive every 25 s), or a persistentKeepalive in the endpoints it dials',
    ],
  },
  {
    name: "roaming: true sends a keepalive (25 s)",
    acl: (acl) => {
      delete acl.peers[2].endpoints;
      acl.peers[2].roaming = true;
    },
    expect: [],
  },
  {
    name: "a persistentKeepalive in the endpoint it dials",
    acl: (acl) => {
      delete acl.peers[2].endpoints;
      acl.subnets[0].endpoints = [{ port: 51820, persistentKeepalive: 15 }];
    },
    expect: [],
  },
  {
    name: "a peer the others dial needs no keepalive",
    acl: () => {},
    expect: [],
  },
]);
