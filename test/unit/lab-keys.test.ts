/**
 * The keys the lab configures its files with (src/app/lab/keys.ts): the lab's own pairs and
 * preshared key from its keys directory, a random key of no one for a peer outside the lab,
 * never a key or key path of the ACL's. The files are made by the real `writeOutOf` with the
 * wg-quick configurer; the keys are written here by hand.
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { writeOutOf } from "../../src/app/generate.js";
import { labKeys } from "../../src/app/lab/keys.js";
import { readNetwork } from "../../src/app/pipeline.js";
import { createRegistry } from "../../src/app/registry.js";

const ACL_KEYS = {
  alpha: "kdyzqV8cBQtDYeW6R1vUug0Oe+KaytHHDS7JoCp/kTE=",
  beta: "ztdAXTspQEZUNpxUbUdAhhRWbiL3YYWKSK0ZGdcsMHE=",
  gamma: "43tP6JgckdTFrnbYuy8a42jdNt3+wwVcb4+ae5U4ez4=",
};
/** The lab's pairs of alpha and beta (gamma is outside the lab). */
const LAB_PUBLIC = {
  alpha: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE=",
  beta: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAI=",
};

const ACL = `{
  "version": "v1",
  "subnets": [{ "name": "net", "endpoints": [{ "port": 51820 }], "presharedKeyFile": "/etc/wireguard/net.psk" }],
  "peers": [
    { "name": "alpha", "subnets": { "net": { "listenPort": 51820, "ipAddresses": ["10.0.0.1"] } },
      "publicKey": "${ACL_KEYS.alpha}", "privateKeyFile": "/etc/wireguard/alpha.key",
      "endpoints": [{ "ip": "192.0.2.1" }] },
    { "name": "beta", "subnets": { "net": { "listenPort": 51820, "ipAddresses": ["10.0.0.2"] } },
      "publicKey": "${ACL_KEYS.beta}", "privateKeyFile": "/etc/wireguard/beta.key",
      "endpoints": [{ "ip": "192.0.2.2" }] },
    { "name": "gamma", "subnets": { "net": { "listenPort": 51820, "ipAddresses": ["10.0.0.3"] } },
      "publicKey": "${ACL_KEYS.gamma}", "privateKeyFile": "/etc/wireguard/gamma.key",
      "endpoints": [{ "ip": "192.0.2.3" }] }
  ],
  "connections": [{ "a": [{ "type": "subnet", "rule": "is", "value": "net" }],
                    "b": [{ "type": "subnet", "rule": "is", "value": "net" }] }]
}
`;

test("the lab's files carry its own keys and a random key for a peer outside it, never the ACL's", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "wirenix-lab-keys-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const acl = join(dir, "acl.json");
  writeFileSync(acl, ACL);
  const keys = join(dir, "keys");
  const out = join(dir, "files");
  // What `keys generate` leaves in the lab's keys directory for alpha and beta: the files
  // name the private and preshared key files, which must be there.
  mkdirSync(keys, { mode: 0o700 });
  for (const file of ["alpha.key", "beta.key", "net.psk"])
    writeFileSync(join(keys, file), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", {
      mode: 0o600,
    });
  const read = readNetwork(acl, createRegistry());
  assert.ok(read.ok);
  const network = read.value;
  const lab = labKeys(keys, new Map(Object.entries(LAB_PUBLIC)));
  const written = await writeOutOf(
    {
      network,
      registry: createRegistry().with({ keyProviders: [lab.provider] }),
      locate: (d) => [...d],
    },
    { configurer: "wg-quick", keyProviders: ["lab"], keysDir: keys, out, peers: ["alpha", "beta"] },
  );
  assert.ok(written.ok, JSON.stringify(!written.ok && written.diagnostics));
  const alpha = readFileSync(join(out, "alpha", "net.conf"), "utf8");
  const beta = readFileSync(join(out, "beta", "net.conf"), "utf8");
  assert.match(alpha, new RegExp(`^PostUp = wg set %i private-key '${keys}/alpha.key'$`, "m"));
  assert.match(beta, new RegExp(`^PostUp = wg set %i private-key '${keys}/beta.key'$`, "m"));
  assert.match(alpha, new RegExp(`^PublicKey = ${LAB_PUBLIC.beta.replace(/\+/g, "\\+")}$`, "m"));
  assert.match(beta, new RegExp(`^PublicKey = ${LAB_PUBLIC.alpha.replace(/\+/g, "\\+")}$`, "m"));
  assert.ok(alpha.includes(`preshared-key '${keys}/net.psk'`), alpha);
  // gamma, outside the lab: one random key of no one, the same in both files.
  const outside = [...lab.outside()];
  assert.equal(outside.length, 1);
  const gamma = outside[0] as string;
  assert.match(gamma, /^[A-Za-z0-9+/]{43}=$/);
  assert.ok(alpha.includes(`PublicKey = ${gamma}`) && beta.includes(`PublicKey = ${gamma}`));
  assert.ok(!Object.values(ACL_KEYS).includes(gamma));
  for (const text of [alpha, beta]) {
    for (const key of Object.values(ACL_KEYS)) assert.ok(!text.includes(key), key);
    assert.ok(!text.includes("/etc/wireguard/"), text);
  }
  // Only the lab's peers were configured: gamma has no files.
  assert.equal(existsSync(join(out, "gamma")), false);
});
