/** The `keys` lint: each row an ACL change and, written by hand, all the lint reports for it. */
import { keys } from "../../../src/analysis/lints/keys.js";
import { KEYS, lintTable } from "../../support/lint-table.js";

lintTable(keys, [
  {
    name: "32 zero bytes: base64 that wg reads, but a point of small order",
    acl: (acl) => {
      acl.peers[1].publicKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    },
    expect: [
      'error invalid-public-key at peers[1].publicKey: public key of peer "b" is a point of small order: X25519 with it gives no shared secret, so no handshake can succeed',
    ],
  },
  {
    name: "1 (little-endian), a point of order 4",
    acl: (acl) => {
      acl.peers[0].publicKey = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    },
    expect: [
      'error invalid-public-key at peers[0].publicKey: public key of peer "a" is a point of small order: X25519 with it gives no shared secret, so no handshake can succeed',
    ],
  },
  {
    name: "a point of order 8 (libsodium's list)",
    acl: (acl) => {
      acl.peers[1].publicKey = "4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA=";
    },
    expect: [
      'error invalid-public-key at peers[1].publicKey: public key of peer "b" is a point of small order: X25519 with it gives no shared secret, so no handshake can succeed',
    ],
  },
  {
    name: "p + 1 with the top bit set, which X25519 ignores: 1 again",
    acl: (acl) => {
      acl.peers[2].publicKey = "7v////////////////////////////////////////8=";
    },
    expect: [
      'error invalid-public-key at peers[2].publicKey: public key of peer "c" is a point of small order: X25519 with it gives no shared secret, so no handshake can succeed',
    ],
  },
  {
    name: "a fresh key from wg",
    acl: (acl) => {
      acl.peers[1].publicKey = KEYS[3]?.publicKey;
    },
    expect: [],
  },
  {
    name: "one key on two peers",
    acl: (acl) => {
      acl.peers[2].publicKey = acl.peers[0].publicKey;
    },
    expect: [
      'error duplicate-public-key at peers[2].publicKey: peer "c" has the same public key as peer "a"; WireGuard tells peers apart by key, so one would replace the other',
    ],
  },
  {
    name: "a publicKey that is not the privateKey's",
    acl: (acl) => {
      acl.peers[0].privateKey = KEYS[3]?.privateKey;
    },
    expect: [
      'error key-mismatch at peers[0].publicKey: public key of peer "a" is not the one of its privateKey, so the others would reject its handshakes',
    ],
  },
  {
    name: "a publicKey that is the privateKey's",
    acl: (acl) => {
      acl.peers[0].privateKey = KEYS[3]?.privateKey;
      acl.peers[0].publicKey = KEYS[3]?.publicKey;
    },
    expect: [],
  },
]);
