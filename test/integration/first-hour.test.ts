/**
 * The first hour of a new user (issue #26), replayed with bin/wirenix.js as they typed it: every
 * command an example's header shows runs as written, and every dead end they met now either
 * works or says what to type. Expected texts are written by hand.
 */
import { strict as assert } from "node:assert";
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../support/paths.js";
import { type Ran, wirenix, withTempDir } from "../support/run.js";
import { wirenixOnTerminal } from "../support/terminal.js";

const examples = join(repoRoot, "examples");

/** The `wirenix …` command lines of a file's header comment (`#   wirenix …`, `//   wirenix …`). */
function headerCommands(file: string): string[][] {
  const header: string[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!/^(#|\/\/)/.test(line)) break;
    header.push(line);
  }
  return header.flatMap((line) => {
    const match = /^(?:#|\/\/)\s+wirenix (.+)$/.exec(line);
    return match?.[1] ? [match[1].trim().split(/\s+/)] : [];
  });
}

function ok(ran: Ran, what: string): Ran {
  assert.equal(ran.code, 0, `${what}\n${ran.stdout}\n${ran.stderr}`);
  return ran;
}

test("every command in an example's header runs as written (in a copy of examples/)", async () => {
  await withTempDir((dir) => {
    cpSync(examples, dir, { recursive: true });
    let ran = 0;
    for (const name of readdirSync(examples).filter((f) => /\.(ya?ml|json|toml|nix)$/.test(f))) {
      for (const args of headerCommands(join(examples, name))) {
        // In a terminal, as a user runs them (`qr` shows its code only there).
        const { code, shown } = wirenixOnTerminal(args, { cwd: dir });
        assert.equal(code, 0, `${name}: wirenix ${args.join(" ")}\n${shown}`);
        ran++;
      }
    }
    // road-warrior.yaml: keys generate --update-acl, then qr.
    assert.ok(ran >= 2, `only ${ran} header commands found`);
  });
  // The plugin's header runs from the repository's root.
  const plugin = join(examples, "plugins", "nixos-wg-quick.mjs");
  const commands = headerCommands(plugin);
  assert.equal(commands.length, 1);
  for (const args of commands) {
    const out = ok(wirenix(args, { cwd: repoRoot }), `wirenix ${args.join(" ")}`);
    assert.match(out.stdout, /^ {6}wg-quick = \{$/m);
  }
});

test("1: road-warrior's qr without keys says to make them with --update-acl, which works", async () => {
  await withTempDir((dir) => {
    cpSync(join(examples, "road-warrior.yaml"), join(dir, "road-warrior.yaml"));
    const before = readFileSync(join(dir, "road-warrior.yaml"), "utf8");
    const qr = wirenix(["qr", "road-warrior.yaml", "phone", "--keys-dir", "keys"], { cwd: dir });
    assert.equal(qr.code, 1);
    assert.equal(
      qr.stderr,
      `wirenix: error: road-warrior.yaml: peers[3].privateKey: no private key for peer "phone" to write into its configuration: keys/phone.key does not exist; the ACL's publicKey of "phone" belongs to a key pair whose private key is not in keys; to make a new pair and write its public key into the ACL: wirenix keys generate road-warrior.yaml --dir keys --update-acl (line 50, column 5)\n`,
    );
    // Without --update-acl, each peer is skipped with the way on.
    const skipped = ok(
      wirenix(["keys", "generate", "road-warrior.yaml", "--dir", "keys"], { cwd: dir }),
      "keys generate",
    );
    assert.match(
      skipped.stdout,
      /^skipped {3}peer phone: the ACL already has its publicKey and keys\/phone\.key does not exist \(its private key is somewhere else\); --update-acl makes a new pair and writes its public key into the ACL \(--rotate phone makes one without changing the ACL\)$/m,
    );
    assert.equal(readFileSync(join(dir, "road-warrior.yaml"), "utf8"), before);
    const made = ok(
      wirenix(["keys", "generate", "road-warrior.yaml", "--dir", "keys", "--update-acl"], {
        cwd: dir,
      }),
      "keys generate --update-acl",
    );
    assert.match(
      made.stdout,
      /^created {3}peer phone: keys\/phone\.key, keys\/phone\.pub, public key \S{44} \(replaces the ACL's publicKey, whose private key is not here\)$/m,
    );
    assert.match(
      made.stdout,
      /^updated road-warrior\.yaml: publicKey of vps, home, laptop, phone$/m,
    );
    const phonePub = readFileSync(join(dir, "keys", "phone.pub"), "utf8").trim();
    const after = readFileSync(join(dir, "road-warrior.yaml"), "utf8");
    assert.ok(after.includes(`publicKey: ${phonePub}`));
    assert.ok(!after.includes("uLnUCpNs/MTIW1Bpl9mMvxyqE943ziLXDi6xxBMM03E="), "old key replaced");
    // The header's qr, on a terminal.
    const shown = wirenixOnTerminal(["qr", "road-warrior.yaml", "phone", "--keys-dir", "keys"], {
      cwd: dir,
    });
    assert.equal(shown.code, 0, shown.shown);
    assert.match(shown.shown, /[▀▄█]{10}/);
  });
});

/** README's "Getting started", steps 1-3; the peers it adds get no warning (alice, the first, neither). */
function gettingStarted(dir: string): void {
  ok(wirenix(["init", "net.yaml", "--pool", "10.42.0.0/24"], { cwd: dir }), "init");
  for (const args of [
    ["add-peer", "net.yaml", "alice", "--endpoint", "alice.example.org"],
    ["add-peer", "net.yaml", "bob"],
    ["add-peer", "net.yaml", "carol"],
  ]) {
    const added = ok(wirenix(args, { cwd: dir }), args.join(" "));
    assert.doesNotMatch(added.stderr, /warning/, args.join(" "));
  }
  ok(wirenix(["keys", "generate", "net.yaml", "--dir", "keys"], { cwd: dir }), "keys generate");
}

test("2: check right after Getting started points at --keys-dir, which then passes", async () => {
  await withTempDir((dir) => {
    gettingStarted(dir);
    const check = wirenix(["check", "net.yaml"], { cwd: dir });
    assert.equal(check.code, 1);
    assert.match(
      check.stdout,
      /^error: net\.yaml: peers\[0\]\.privateKeyFile: no private key file for peer "alice" \(key providers asked: acl\); acl: set peers\[0\]\.privateKeyFile; or give --keys-dir DIR, the directory wirenix keys generate net\.yaml --dir DIR made the keys in \(line \d+, column 5\)$/m,
    );
    const generate = wirenix(
      ["generate", "net.yaml", "--configurer", "wg-quick", "--peer", "bob"],
      {
        cwd: dir,
      },
    );
    assert.equal(generate.code, 1);
    assert.match(generate.stderr, /; or give --keys-dir DIR, the directory wirenix keys generate/);
    const fixed = ok(wirenix(["check", "net.yaml", "--keys-dir", "keys"], { cwd: dir }), "check");
    assert.match(fixed.stdout, /^net\.yaml: 0 errors, 0 warnings/m);
  });
});

test("3: a wg-quick peer with two interfaces is refused on stdout; hosts prints its hosts file", async () => {
  await withTempDir((dir) => {
    cpSync(join(examples, "homelab.yaml"), join(dir, "homelab.yaml"));
    const gw = "generate homelab.yaml --configurer wg-quick --peer gateway".split(" ");
    const refused = wirenix(gw, { cwd: dir });
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, "");
    assert.equal(
      refused.stderr,
      'wirenix: error: peer "gateway" has 2 interfaces (subnets "lab", "roam") and wg-quick writes one file for each: print the one of a subnet ("lab"), write them all into an output directory, or print them all as JSON (--subnet)\n',
    );
    const lab = ok(wirenix([...gw, "--subnet", "lab"], { cwd: dir }), "--subnet lab");
    assert.match(lab.stdout, /^\[Interface\]$/m);
    const hosts = ok(
      wirenix("generate homelab.yaml --configurer hosts --peer gateway".split(" "), { cwd: dir }),
      "hosts",
    );
    const lines = hosts.stdout.split("\n");
    assert.equal(lines[0], "# Generated by wirenix from the ACL; edit the ACL, not this file.");
    assert.ok(lines.includes("10.10.0.2 nas.lab"), hosts.stdout);
    assert.ok(lines.includes("10.20.0.10 laptop.roam"), hosts.stdout);
    assert.ok(!hosts.stdout.includes("{"), "a hosts file, not JSON");
    const withSubnet = wirenix(
      "generate homelab.yaml --configurer hosts --peer gateway --subnet lab".split(" "),
      { cwd: dir },
    );
    assert.equal(withSubnet.code, 2);
    assert.match(
      withSubnet.stderr,
      /hosts writes one file per peer \(hosts, for all its subnets\); a subnet is chosen only with configurers that write a file per interface \(--subnet\)/,
    );
    assert.ok(!withSubnet.stderr.includes("several files per interface"));
  });
});

test("4: one missing public key in a 31-peer mesh is one message with the count", async () => {
  await withTempDir((dir) => {
    const peers = Array.from({ length: 31 }, (_, i) => ({
      name: `p${i}`,
      subnets: { mesh: { listenPort: 51820, ipAddresses: [`10.9.0.${i + 1}`] } },
      endpoints: [{ ip: `p${i}.example.org` }],
    }));
    const acl = {
      version: "v1",
      subnets: [{ name: "mesh", endpoints: [{ port: 51820 }], ipv4Pool: "10.9.0.0/24" }],
      groups: [],
      peers,
      connections: [
        {
          a: [{ type: "subnet", rule: "is", value: "mesh" }],
          b: [{ type: "subnet", rule: "is", value: "mesh" }],
        },
      ],
    };
    writeFileSync(join(dir, "mesh.json"), `${JSON.stringify(acl, null, 2)}\n`);
    ok(wirenix(["keys", "generate", "mesh.json", "--dir", "keys"], { cwd: dir }), "keys");
    ok(
      wirenix(["add-peer", "mesh.json", "p31", "--endpoint", "p31.example.org"], { cwd: dir }),
      "add-peer",
    );
    const run = wirenix(["generate", "mesh.json", "--keys-dir", "keys", "--out", "out"], {
      cwd: dir,
    });
    assert.equal(run.code, 1);
    const errors = run.stderr.split("\n").filter((l) => l.startsWith("wirenix: error: "));
    // The peers are configured in name order (p0, p1, p10, ...), as their outputs are written.
    const keys = join(realpathSync(dir), "keys");
    assert.deepEqual(errors, [
      `wirenix: error: mesh.json: peers[31].publicKey: no public key for peer "p31", which 31 peers link to ("p0", "p1", "p10" and 28 more) (key providers asked: dir, acl); dir: ${keys}/p31.pub does not exist; acl: set peers[31].publicKey; make the missing key with wirenix keys generate mesh.json --dir keys (line 512, column 5)`,
      `wirenix: error: mesh.json: peers[31].privateKeyFile: no private key file for peer "p31" (key providers asked: dir, acl); dir: ${keys}/p31.key does not exist; acl: set peers[31].privateKeyFile; make the missing key with wirenix keys generate mesh.json --dir keys (line 512, column 5)`,
    ]);
    // check says the same, once.
    const check = wirenix(["check", "mesh.json", "--keys-dir", "keys"], { cwd: dir });
    assert.equal(check.code, 1);
    assert.equal(check.stdout.split("no public key for peer").length - 1, 1, check.stdout);
    assert.match(check.stdout, /which 31 peers link to/);
    assert.ok(!existsSync(join(dir, "out")) || readdirSync(join(dir, "out")).length === 0);
  });
});

test("5: init n.nix ends with a next step that works", async () => {
  await withTempDir((dir) => {
    const init = ok(wirenix(["init", "n.nix"], { cwd: dir }), "init");
    const next = init.stdout.split("\n").find((l) => l.startsWith("next: "));
    assert.equal(
      next,
      "next: add peers by hand into peers = [ ] of n.nix (its comments show the shape; add-peer edits only .yaml, .yml, .json and .toml ACLs), then: wirenix check n.nix",
    );
    const command = /then: wirenix (.+)$/.exec(next ?? "")?.[1]?.split(" ") ?? [];
    ok(wirenix(command, { cwd: dir }), `wirenix ${command.join(" ")}`);
    const yaml = ok(wirenix(["init", "n.yaml"], { cwd: dir }), "init yaml");
    assert.match(yaml.stdout, /^next: wirenix add-peer n\.yaml NAME$/m);
    ok(wirenix(["add-peer", "n.yaml", "NAME"], { cwd: dir }), "the yaml next step");
  });
});

test("6: add-peer says at once that the new peer is linked to no one and shares no family", async () => {
  await withTempDir((dir) => {
    cpSync(join(examples, "homelab.yaml"), join(dir, "homelab.yaml"));
    const added = ok(
      wirenix(["add-peer", "homelab.yaml", "phone", "--subnet", "roam"], { cwd: dir }),
      "add-peer",
    );
    const warnings = added.stderr.split("\n").filter((l) => l.startsWith("wirenix: warning: "));
    assert.deepEqual(warnings, [
      'wirenix: warning: peer "phone" has only IPv6 addresses on subnet "roam", whose other members use only IPv4: no packet can pass between them; give subnet "roam" an ipv4Pool (add-peer takes the lowest free address from it) or write an IPv4 address into peers[4].subnets.roam.ipAddresses',
      'wirenix: warning: peer "phone" is linked to no one: no connection selects it together with another member of subnet "roam"; --group servers links it to "gateway" (wirenix remove-peer homelab.yaml phone, then add-peer again with --group servers), or add a connection that selects it',
    ]);
    // The hint holds: with --group servers it is linked, and only the family warning remains.
    ok(wirenix(["remove-peer", "homelab.yaml", "phone"], { cwd: dir }), "remove-peer");
    const again = ok(
      wirenix(["add-peer", "homelab.yaml", "phone", "--subnet", "roam", "--group", "servers"], {
        cwd: dir,
      }),
      "add-peer --group",
    );
    assert.doesNotMatch(again.stderr, /linked to no one/);
    assert.match(again.stderr, /has only IPv6 addresses on subnet "roam"/);
  });
});

test("7: --keys-dir without --inline-private-keys warns once that hosts need the keys at that path", async () => {
  await withTempDir((dir) => {
    gettingStarted(dir);
    const run = ok(
      wirenix(
        ["generate", "net.yaml", "--configurer", "wg-quick", "--keys-dir", "keys", "--out", "out"],
        {
          cwd: dir,
        },
      ),
      "generate",
    );
    const warnings = run.stderr.split("\n").filter((l) => l.startsWith("wirenix: warning: "));
    assert.deepEqual(warnings, [
      `wirenix: warning: net.yaml: the configurations name their key files by their path on this machine, in the keys directory ${join(realpathSync(dir), "keys")}: each host must have its own key at that very path, or its WireGuard interface gets no private key; to write the keys into the files instead, add --inline-private-keys (wg-quick, networkd-files); for keys deployed to the hosts, name their provider first (--key-provider agenix --key-provider dir, or sops-nix)`,
    ]);
    const inline = ok(
      wirenix(
        [
          "generate",
          "net.yaml",
          "--configurer",
          "wg-quick",
          "--peer",
          "alice",
          "--keys-dir",
          "keys",
          "--inline-private-keys",
        ],
        { cwd: dir },
      ),
      "inline",
    );
    assert.doesNotMatch(inline.stderr, /path on this machine/);
  });
});

test('8: a plugin outside the checkout imports "wirenix"; a missing one is one plain line', async () => {
  await withTempDir((dir) => {
    // No node_modules anywhere above the plugin: only wirenix itself can resolve the import.
    cpSync(join(examples, "plugins", "nixos-wg-quick.mjs"), join(dir, "my-plugin.mjs"));
    cpSync(join(examples, "homelab.yaml"), join(dir, "homelab.yaml"));
    const run = ok(
      wirenix(
        [
          "generate",
          "homelab.yaml",
          "--plugin",
          "./my-plugin.mjs",
          "--configurer",
          "nixos-wg-quick",
        ],
        {
          cwd: dir,
        },
      ),
      "plugin outside",
    );
    assert.match(run.stdout, /^ {6}wg-quick = \{$/m);
    const same = ok(
      wirenix(
        ["generate", "homelab.yaml", "--plugin=./my-plugin.mjs", "--configurer", "nixos-wg-quick"],
        {
          cwd: dir,
        },
      ),
      "--plugin=FILE",
    );
    assert.equal(same.stdout, run.stdout);
    const missing = wirenix(["generate", "homelab.yaml", "--plugin", "./nope.mjs"], { cwd: dir });
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr,
      "wirenix: error: ./nope.mjs: cannot load the plugin: no such file\n",
    );
  });
});
