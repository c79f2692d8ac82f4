/**
 * Issue #26, items 9-16: each command as a new user typed it, through the real `bin/wirenix.js`
 * (and the real `bash`, `wg` for keys). Expected texts are written by hand from the examples.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot, wirenixBin } from "../support/paths.js";
import { wirenix, withTempDir } from "../support/run.js";

const homelab = join(repoRoot, "examples", "homelab.yaml");
const roadWarrior = join(repoRoot, "examples", "road-warrior.yaml");

/** Runs in `dir`, the way a user in that directory types it. */
const run = (dir: string, ...args: string[]) => wirenix(args, { cwd: dir });

test("9: explain answers with the way through the gateway however B is asked", () => {
  for (const args of [["media"], ["media", "icmp"], ["media.roam"]]) {
    const ran = wirenix(["explain", homelab, "laptop", ...args]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(
      ran.stdout,
      /^"laptop" and "media" are not linked: no connection selects one on each side on their shared subnet; packets from "laptop" reach "media" through "gateway" \(see below\)\n/,
      args.join(" "),
    );
    assert.ok(
      ran.stdout.includes(
        '    "gateway" forwards it on subnet "roam" to "media" (connections[2]): "10.20.0.3" is in its AllowedIPs for "media" (no rules: everything passes)\n',
      ),
      args.join(" "),
    );
  }
  const json = JSON.parse(
    wirenix(["explain", homelab, "laptop", "media.roam", "--format", "json"]).stdout,
  );
  assert.equal(json.linked, false);
  assert.equal(json.paths.reached, true);
  assert.equal(json.paths.target, "media.roam");
});

test("9: a failed policy test's hint names the ACL file, ready to paste", () =>
  withTempDir((dir) => {
    const acl = `${readFileSync(homelab, "utf8")}\ntests:\n  - from: nas\n    reaches: [laptop]\n`;
    writeFileSync(join(dir, "my lab.yaml"), acl);
    const ran = run(dir, "check", "my lab.yaml");
    assert.equal(ran.code, 1);
    assert.match(ran.stdout, /; see `wirenix explain 'my lab\.yaml' nas laptop`/);
    assert.doesNotMatch(ran.stdout, /explain ACL/);
  }));

test("10: a duplicate address is one error, without advice to write the bare address", () =>
  withTempDir((dir) => {
    writeFileSync(
      join(dir, "dup.yaml"),
      [
        "version: v1",
        "subnets: [{ name: wg, endpoints: [{ port: 51820 }] }]",
        "peers:",
        "  - { name: a, subnets: { wg: { listenPort: 51820, ipAddresses: [10.0.0.1] } }, endpoints: [{ ip: a.example }] }",
        "  - { name: b, subnets: { wg: { listenPort: 51820, ipAddresses: [10.0.0.1] } } }",
        "connections: [{ a: [{ type: subnet, rule: is, value: wg }], b: [{ type: subnet, rule: is, value: wg }] }]",
        "",
      ].join("\n"),
    );
    const ran = run(dir, "check", "dup.yaml");
    assert.equal(ran.code, 1);
    assert.match(ran.stdout, /address 10\.0\.0\.1 of peer "b" on subnet "wg" is also peer "a"'s/);
    assert.doesNotMatch(ran.stdout, /bare address/);
  }));

test("11: an unknown peer or a file of the wrong kind is a usage error (2) in every command", () =>
  withTempDir((dir) => {
    copyFileSync(homelab, join(dir, "homelab.yaml"));
    for (const args of [
      ["generate", "homelab.yaml", "--peer", "nobody"],
      ["inspect", "homelab.yaml", "--peer", "nobody"],
      ["explain", "homelab.yaml", "laptop", "nobody"],
      ["qr", "homelab.yaml", "nobody"],
      ["remove-peer", "homelab.yaml", "nobody"],
      ["keys", "generate", "homelab.yaml", "--dir", "keys", "--rotate", "nobody"],
      ["init", "net.txt"],
    ]) {
      const ran = run(dir, ...args);
      assert.equal(ran.code, 2, `${args.join(" ")}: ${ran.stderr}`);
      assert.match(ran.stderr, /^wirenix: error: /, args.join(" "));
    }
    // A wrong ACL is invalid input (1), whatever the command.
    writeFileSync(join(dir, "bad.yaml"), "version: v1\npeers: 3\n");
    assert.equal(run(dir, "remove-peer", "bad.yaml", "x").code, 1);
  }));

test("12: before npm ci the launcher says so in one line, no stack trace", () =>
  withTempDir((dir) => {
    mkdirSync(join(dir, "bin"));
    copyFileSync(wirenixBin, join(dir, "bin", "wirenix.js"));
    copyFileSync(join(repoRoot, "package.json"), join(dir, "package.json"));
    const ran = spawnSync(process.execPath, [join(dir, "bin", "wirenix.js"), "--help"], {
      encoding: "utf8",
    });
    assert.equal(ran.status, 1);
    assert.equal(ran.stdout, "");
    assert.equal(
      ran.stderr,
      `wirenix: error: wirenix is not built yet: run \`npm ci\` in ${dir} (it installs the dependencies and builds dist/)\n`,
    );
  }));

test("13: graph --format png shows the Graphviz pipe that draws it", () => {
  const ran = wirenix(["graph", homelab, "--format", "png"]);
  assert.equal(ran.code, 2);
  assert.equal(
    ran.stderr,
    `wirenix: error: --format png: wirenix draws dot, mermaid and svg; for PNG, let Graphviz draw it: wirenix graph ${homelab} --format dot | dot -Tpng -o net.png\n`,
  );
});

test("13: generate --out says what it wrote, in one line on standard error", () =>
  withTempDir((dir) => {
    copyFileSync(homelab, join(dir, "homelab.yaml"));
    const ran = run(dir, "generate", "homelab.yaml", "--out", "out");
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, "");
    assert.equal(
      ran.stderr,
      "wirenix: wrote 4 hosts into out (static: <host>.nix): gateway, laptop, media, nas\n",
    );
  }));

test("13: did you mean: a command's start, a mistyped peer", () => {
  const gen = wirenix(["gen", homelab]);
  assert.equal(gen.code, 2);
  assert.match(gen.stderr, /^wirenix: error: unknown command "gen" \(did you mean "generate"\?\)/);
  const peer = wirenix(["explain", homelab, "lpatop", "media"]);
  assert.equal(peer.code, 2);
  assert.match(peer.stderr, /no peer "lpatop" in .*homelab\.yaml \(did you mean "laptop"\?\)/);
  // Not a command, nor Object's own method.
  const proto = wirenix(["toString"]);
  assert.equal(proto.code, 2);
  assert.match(proto.stderr, /unknown command 'toString'/);
});

test("13: --format json for init, add-peer, keys generate and remove-peer", () =>
  withTempDir((dir) => {
    const init = JSON.parse(
      run(dir, "init", "net.yaml", "--pool", "10.42.0.0/24", "--format", "json").stdout,
    );
    assert.deepEqual(
      { ...init, ipv6Prefix: typeof init.ipv6Prefix },
      {
        file: "net.yaml",
        subnet: "wg",
        port: 51820,
        ipv4Pool: "10.42.0.0/24",
        ipv6Prefix: "string",
        peers: [],
      },
    );
    const alice = run(
      dir,
      "add-peer",
      "net.yaml",
      "alice",
      "--endpoint",
      "alice.example.org",
      "--format",
      "json",
    );
    assert.equal(alice.code, 0, alice.stderr);
    const added = JSON.parse(alice.stdout);
    assert.equal(added.peer, "alice");
    assert.equal(added.listenPort, 51820);
    assert.equal(added.addresses[0], "10.42.0.1");
    const keys = run(dir, "keys", "generate", "net.yaml", "--dir", "keys", "--format", "json");
    assert.equal(keys.code, 0, keys.stderr);
    const made = JSON.parse(keys.stdout);
    assert.equal(made.keys[0].action, "created");
    assert.equal(made.keys[0].name, "alice");
    const privateKey = readFileSync(join(dir, "keys", "alice.key"), "utf8").trim();
    assert.ok(!keys.stdout.includes(privateKey), "no private key in the JSON");
    const removed = JSON.parse(
      run(dir, "remove-peer", "net.yaml", "alice", "--format", "json").stdout,
    );
    assert.equal(removed.peer, "alice");
    assert.deepEqual(
      removed.keysMovedAside.map((m: { from: string }) => m.from),
      [join("keys", "alice.key"), join("keys", "alice.pub")],
    );
  }));

test("13: bash completion, made from the program's own commands and options", () =>
  withTempDir((dir) => {
    const script = wirenix(["completion", "bash"]);
    assert.equal(script.code, 0, script.stderr);
    writeFileSync(join(dir, "wirenix.bash"), script.stdout);
    writeFileSync(join(dir, "homelab.yaml"), "");
    const complete = (...words: string[]) => {
      const ran = spawnSync(
        "bash",
        [
          "-c",
          `source ./wirenix.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _wirenix; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { cwd: dir, encoding: "utf8" },
      );
      assert.equal(ran.status, 0, ran.stderr);
      return ran.stdout.trim().split("\n");
    };
    assert.deepEqual(complete("wirenix", "gen"), ["generate"]);
    assert.deepEqual(complete("wirenix", "keys", ""), ["generate", "encrypt"]);
    assert.deepEqual(complete("wirenix", "graph", "x", "--format", ""), ["dot", "mermaid", "svg"]);
    assert.deepEqual(complete("wirenix", "generate", "home"), ["homelab.yaml"]);
    assert.ok(complete("wirenix", "keys", "generate", "--").includes("--rotate"));
    assert.equal(wirenix(["completion", "tcsh"]).code, 2);
    for (const shell of ["zsh", "fish"]) {
      const other = wirenix(["completion", shell]);
      assert.equal(other.code, 0);
      assert.match(other.stdout, /keys/);
    }
  }));

test("14: remove-peer moves the peer's keys aside; a new peer of that name gets new ones", () =>
  withTempDir((dir) => {
    run(dir, "init", "net.yaml", "--pool", "10.42.0.0/24");
    run(dir, "add-peer", "net.yaml", "alice", "--endpoint", "alice.example.org");
    run(dir, "add-peer", "net.yaml", "carol");
    assert.equal(run(dir, "keys", "generate", "net.yaml", "--dir", "keys").code, 0);
    const oldKey = readFileSync(join(dir, "keys", "carol.key"), "utf8");
    const removed = run(dir, "remove-peer", "net.yaml", "carol");
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(
      removed.stdout,
      /^removed peer "carol" from net\.yaml\nmoved its keys aside, so that a later peer named "carol" gets new ones: keys\/carol\.key -> keys\/carol\.key\.removed-\d{8}T\d{6}Z, keys\/carol\.pub -> keys\/carol\.pub\.removed-\d{8}T\d{6}Z\n$/,
    );
    assert.ok(!existsSync(join(dir, "keys", "carol.key")));
    const aside = readdirSync(join(dir, "keys")).find((f) => f.startsWith("carol.key.removed-"));
    assert.equal(readFileSync(join(dir, "keys", aside as string), "utf8"), oldKey);
    run(dir, "add-peer", "net.yaml", "carol");
    const again = run(dir, "keys", "generate", "net.yaml", "--dir", "keys");
    assert.match(again.stdout, /^created {3}peer carol: /m);
    assert.notEqual(readFileSync(join(dir, "keys", "carol.key"), "utf8"), oldKey);
  }));

test("14: the comments above a removed peer go with it (YAML and TOML)", () =>
  withTempDir((dir) => {
    writeFileSync(
      join(dir, "net.yaml"),
      [
        "version: v1",
        "subnets: [{ name: wg, endpoints: [{ port: 51820 }] }]",
        "peers:",
        "  # alice: the hub",
        "  - { name: alice, subnets: { wg: { listenPort: 51820 } }, endpoints: [{ ip: a.example }] }",
        "  # carol: the old laptop",
        "  # (lost in 2025)",
        "  - { name: carol, subnets: { wg: { listenPort: 51820 } } }",
        "connections: [{ a: [{ type: subnet, rule: is, value: wg }], b: [{ type: subnet, rule: is, value: wg }] }]",
        "",
      ].join("\n"),
    );
    assert.equal(run(dir, "remove-peer", "net.yaml", "carol").code, 0);
    assert.equal(
      readFileSync(join(dir, "net.yaml"), "utf8"),
      [
        "version: v1",
        "subnets: [{ name: wg, endpoints: [{ port: 51820 }] }]",
        "peers:",
        "  # alice: the hub",
        "  - { name: alice, subnets: { wg: { listenPort: 51820 } }, endpoints: [{ ip: a.example }] }",
        "connections: [{ a: [{ type: subnet, rule: is, value: wg }], b: [{ type: subnet, rule: is, value: wg }] }]",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(dir, "net.toml"),
      [
        'version = "v1"',
        "",
        "[[subnets]]",
        'name = "wg"',
        "[[subnets.endpoints]]",
        "port = 51820",
        "",
        "[[connections]]",
        'a = [{ type = "subnet", rule = "is", value = "wg" }]',
        'b = [{ type = "subnet", rule = "is", value = "wg" }]',
        "",
        "# alice: the hub",
        "[[peers]]",
        'name = "alice"',
        'endpoints = [{ ip = "a.example" }]',
        "[peers.subnets.wg]",
        "listenPort = 51820",
        "",
        "# carol: the old laptop",
        "[[peers]]",
        'name = "carol"',
        "[peers.subnets.wg]",
        "listenPort = 51820",
        "",
        "# bob: the desktop",
        "[[peers]]",
        'name = "bob"',
        "[peers.subnets.wg]",
        "listenPort = 51820",
        "",
      ].join("\n"),
    );
    assert.equal(run(dir, "remove-peer", "net.toml", "carol").code, 0);
    const toml = readFileSync(join(dir, "net.toml"), "utf8");
    assert.doesNotMatch(toml, /carol/);
    assert.match(toml, /listenPort = 51820\n\n# bob: the desktop\n\[\[peers\]\]\nname = "bob"/);
    assert.match(toml, /# alice: the hub\n\[\[peers\]\]\nname = "alice"/);
  }));

test("15: init refuses a pool with host bits, naming the network meant", () =>
  withTempDir((dir) => {
    const ran = run(dir, "init", "net.yaml", "--pool", "10.0.0.5/24");
    assert.equal(ran.code, 2);
    assert.equal(
      ran.stderr,
      'wirenix: error: net.yaml: the pool "10.0.0.5/24": host bits are set (an address in the network, not the network); did you mean 10.0.0.0/24? (--pool)\n',
    );
    assert.deepEqual(readdirSync(dir), []);
  }));

test("15: a roaming peer's wg-quick file has no ListenPort; a dialled one keeps it", () =>
  withTempDir((dir) => {
    const ran = run(dir, "generate", roadWarrior, "--configurer", "wg-quick", "--out", "out");
    assert.equal(ran.code, 0, ran.stderr);
    const laptop = readFileSync(join(dir, "out", "laptop", "vpn.conf"), "utf8");
    assert.doesNotMatch(laptop, /ListenPort/);
    assert.match(
      readFileSync(join(dir, "out", "vps", "vpn.conf"), "utf8"),
      /^ListenPort = 51820$/m,
    );
  }));

test("15: help states each default once", () => {
  const help = wirenix(["generate", "--help"]).stdout;
  assert.match(help, /\(bytes, or with K, M, G\) \(default: 64 MiB\)/);
  assert.doesNotMatch(help, /default 64/);
  assert.doesNotMatch(help, /\(default: \[\]\)/);
});

test("16: the README's way onto the PATH: a link to bin/wirenix.js runs from anywhere", () =>
  withTempDir((dir) => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    assert.ok(readme.includes('ln -s "$PWD/bin/wirenix.js" ~/.local/bin/wirenix'));
    mkdirSync(join(dir, "bin"));
    symlinkSync(wirenixBin, join(dir, "bin", "wirenix"));
    const ran = spawnSync("wirenix", ["--version"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH}` },
    });
    assert.equal(ran.status, 0, ran.stderr);
    assert.equal(
      ran.stdout,
      `${JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version}\n`,
    );
  }));
