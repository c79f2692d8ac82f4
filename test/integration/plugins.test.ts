/** Plugins: the README's example plugin works end to end, and bad plugins fail clearly. */
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../support/paths.js";
import { nixEval, tempDir, wirenix } from "../support/run.js";

const example = join(repoRoot, "examples", "plugins", "nixos-wg-quick.mjs");
const acl = join(repoRoot, "examples", "homelab.yaml");

test("the example plugin adds a configurer that generate can use", () => {
  const ran = wirenix([
    "generate",
    acl,
    "--plugin",
    example,
    "--configurer",
    "nixos-wg-quick",
    "--format",
    "json",
  ]);
  assert.equal(ran.code, 0, ran.stderr);
  const out = JSON.parse(ran.stdout);
  const lab = out.nas.networking["wg-quick"].interfaces.lab;
  assert.deepEqual(lab.address, ["10.10.0.2/24", "fda5:1146:d380:77ff:047d:e0f5:43c7:e359/64"]);
  assert.equal(lab.listenPort, 51820);
  assert.equal(lab.privateKeyFile, "/etc/wireguard/private.key");
  const gateway = lab.peers.find(
    (p: { publicKey: string }) => p.publicKey === "kwBWcEJh7oiRrZYUVZvsQZy5WE56sSZsiIE8eXmgKms=",
  );
  assert.equal(gateway.endpoint, "192.168.1.1:51820");
  assert.deepEqual(gateway.allowedIPs, [
    "10.10.0.1/32",
    "fda5:1146:d380:77ff:4ea5:ee68:fea0:5586/128",
  ]);
  assert.deepEqual(out.nas.networking.hosts["10.10.0.3"], ["media.lab"]);
});

test("the plugin's Nix output evaluates to its JSON output", () => {
  const { dir, remove } = tempDir();
  try {
    const args = ["generate", acl, "--plugin", example, "--configurer", "nixos-wg-quick"];
    const nix = wirenix([...args, "--format", "nix"]);
    const json = wirenix([...args, "--format", "json"]);
    writeFileSync(join(dir, "out.nix"), nix.stdout);
    assert.deepEqual(nixEval(join(dir, "out.nix")), JSON.parse(json.stdout));
  } finally {
    remove();
  }
});

test("a plugin that cannot be loaded or has the wrong shape is a clear error", () => {
  const { dir, remove } = tempDir();
  try {
    const missing = wirenix(["generate", acl, "--plugin", join(dir, "nope.mjs")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.mjs: cannot load the plugin/);
    const bad = join(dir, "bad.mjs");
    writeFileSync(bad, "export default { configurers: [{ name: 'x' }] };\n");
    const shaped = wirenix(["generate", acl, "--plugin", bad]);
    assert.equal(shaped.code, 1);
    assert.match(
      shaped.stderr,
      /bad\.mjs: configurers\[0\]: expected \{ name, description, configure\(\) \}/,
    );
    assert.doesNotMatch(shaped.stderr, /^\s+at /m);
    const throwing = join(dir, "throwing.mjs");
    writeFileSync(throwing, "export default () => { throw new Error('boom'); };\n");
    const thrown = wirenix(["generate", acl, "--plugin", throwing]);
    assert.equal(thrown.code, 1);
    assert.match(thrown.stderr, /setup function failed: boom/);
  } finally {
    remove();
  }
});

test("a plugin function receives the registry and can register a key provider", () => {
  const { dir, remove } = tempDir();
  try {
    const plugin = join(dir, "keys.mjs");
    writeFileSync(
      plugin,
      `export default (registry) => ({
        keyProviders: [{
          name: "fixed-files",
          description: "every private key in /run/keys/<peer>",
          forPeer: ({ peer }) => ({ privateKeyFile: () => "/run/keys/" + peer.name }),
        }],
      });\n`,
    );
    const ran = wirenix([
      "generate",
      acl,
      "--plugin",
      plugin,
      "--key-provider",
      "fixed-files",
      "--key-provider",
      "acl",
      "--peer",
      "nas",
      "--format",
      "json",
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    const lab = JSON.parse(ran.stdout).nas.networking.wireguard.interfaces.lab;
    assert.equal(lab.privateKeyFile, "/run/keys/nas", "the first provider answers");
    assert.equal(
      lab.peers[0].publicKey,
      "kwBWcEJh7oiRrZYUVZvsQZy5WE56sSZsiIE8eXmgKms=",
      "the next one fills in",
    );
  } finally {
    remove();
  }
});

test("an InputError a plugin throws, from the library it imports, is reported as bad input", () => {
  const { dir, remove } = tempDir();
  try {
    // The CLI runs from its bundle and the plugin imports the compiled library: two copies of
    // the InputError class, which must still be recognised as one.
    const library = pathToFileURL(join(repoRoot, "dist", "src", "index.js")).href;
    const plugin = join(dir, "strict.mjs");
    writeFileSync(
      plugin,
      `import { defineConfigurer, InputError } from ${JSON.stringify(library)};
      export default {
        configurers: [defineConfigurer({
          name: "strict",
          description: "refuses every peer",
          configure: ({ peer }) => {
            throw new InputError([{
              severity: "error",
              code: "invalid-value",
              path: ["peers", peer.index, "name"],
              message: "not allowed here",
            }]);
          },
        })],
      };\n`,
    );
    const ran = wirenix(["generate", acl, "--plugin", plugin, "--configurer", "strict"]);
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(ran.stderr, /homelab\.yaml: peers\[0\]\.name: not allowed here/);
    assert.doesNotMatch(ran.stderr, /internal error|^\s+at /m);
  } finally {
    remove();
  }
});
