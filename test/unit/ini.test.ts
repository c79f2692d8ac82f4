import { strict as assert } from "node:assert";
import { test } from "node:test";
import { InputError } from "../../src/core/diagnostics.js";
import { RunContext } from "../../src/core/run-context.js";
import { type IniDocument, iniValueProblem, toIni } from "../../src/render/printers/ini.js";

const doc = (value: string, key = "Endpoint", secret = false): IniDocument => ({
  sections: [{ name: "Peer", entries: [{ key, value, path: ["peers", 3, "x"], secret }] }],
});

function rejection(document: IniDocument, dialect: "wg-quick" | "systemd") {
  try {
    toIni(document, dialect);
  } catch (error) {
    assert.ok(error instanceof InputError);
    return error.diagnostics;
  }
  assert.fail("expected the value to be rejected");
}

test("both dialects: header, sections, comments, unset entries left out", () => {
  const document: IniDocument = {
    header: ["top"],
    sections: [
      { name: "Interface", entries: [{ key: "ListenPort", value: 51820 }, undefined] },
      {
        name: "Peer",
        comments: [{ text: "node2", path: ["peers", 1, "name"] }],
        entries: [{ key: "AllowedIPs", value: "10.0.0.2/32,fd00::2/128" }],
      },
    ],
  };
  assert.equal(
    toIni(document, "wg-quick"),
    "# top\n\n[Interface]\nListenPort = 51820\n\n[Peer]\n# node2\nAllowedIPs = 10.0.0.2/32,fd00::2/128\n",
  );
  assert.equal(
    toIni(document, "systemd"),
    "# top\n\n[Interface]\nListenPort=51820\n\n[Peer]\n# node2\nAllowedIPs=10.0.0.2/32,fd00::2/128\n",
  );
});

test("values with a line break are rejected at their ACL path, in both dialects", () => {
  for (const dialect of ["wg-quick", "systemd"] as const) {
    const [d, ...rest] = rejection(doc("a\nb"), dialect);
    assert.equal(rest.length, 0);
    assert.equal(d?.code, "invalid-value");
    assert.deepEqual(d?.path, ["peers", 3, "x"]);
    assert.match(d?.message ?? "", /line break/);
  }
  assert.ok(iniValueProblem("systemd", "X", "a\rb"));
  assert.ok(iniValueProblem("wg-quick", "X", "a\u0000b"));
  assert.ok(iniValueProblem("systemd", "X", "a\u2028b"));
});

test("wg-quick: '#' anywhere starts a comment, and wg drops whitespace", () => {
  assert.match(iniValueProblem("wg-quick", "PostUp", "wg set %i private-key '/a#b'") ?? "", /#/);
  assert.match(iniValueProblem("wg-quick", "Endpoint", "a b:1") ?? "", /whitespace/);
  // wg-quick runs or splits these itself, so inner spaces are fine there.
  assert.equal(iniValueProblem("wg-quick", "PostUp", "wg set %i private-key '/a b'"), undefined);
  assert.equal(iniValueProblem("wg-quick", "Address", "10.0.0.1/24, fd00::1/64"), undefined);
  // systemd only treats '#' at the start of a line as a comment.
  assert.equal(iniValueProblem("systemd", "PrivateKeyFile", "/a#b"), undefined);
});

test("systemd: a trailing backslash would continue the line", () => {
  assert.match(iniValueProblem("systemd", "PrivateKeyFile", "/keys\\") ?? "", /backslash/);
  assert.equal(iniValueProblem("wg-quick", "PostUp", "echo \\"), undefined);
});

test("surrounding whitespace and empty values are rejected", () => {
  for (const dialect of ["wg-quick", "systemd"] as const) {
    assert.ok(iniValueProblem(dialect, "PostUp", " x"));
    assert.ok(iniValueProblem(dialect, "PostUp", "x "));
    assert.ok(iniValueProblem(dialect, "PostUp", ""));
  }
});

test("values starting with '[' or holding '=' are fine after the key", () => {
  assert.equal(
    toIni(doc("[2001:db8::1]:51820"), "wg-quick"),
    "[Peer]\nEndpoint = [2001:db8::1]:51820\n",
  );
  assert.equal(toIni(doc("abc=", "PublicKey"), "systemd"), "[Peer]\nPublicKey=abc=\n");
});

test("a secret value never appears in the message", () => {
  const [d] = rejection(doc("s3cr3t\n", "PrivateKey", true), "systemd");
  assert.ok(!d?.message.includes("s3cr3t"));
});

test("comments with a line break are rejected at their path", () => {
  const [d] = rejection(
    {
      sections: [
        { name: "Peer", comments: [{ text: "a\nb", path: ["peers", 0, "name"] }], entries: [] },
      ],
    },
    "wg-quick",
  );
  assert.deepEqual(d?.path, ["peers", 0, "name"]);
});

test("section names and keys come from configurers: a bad one is a bug, not input", () => {
  assert.throws(
    () => toIni({ sections: [{ name: "Peer]\n[X", entries: [] }] }, "systemd"),
    /internal error/,
  );
  assert.throws(
    () => toIni({ sections: [{ name: "Peer", entries: [{ key: "A=B", value: "1" }] }] }, "systemd"),
    /internal error/,
  );
});

test("a section shared in a run is printed once per dialect; one that cannot be written fails every time", () => {
  const run = new RunContext();
  const peer = run.shareSubtree({
    name: "Peer",
    comments: [{ text: "node2", path: ["peers", 1, "name"] }],
    entries: [{ key: "AllowedIPs", value: "10.0.0.2/32" }],
  });
  const host = (port: number): IniDocument => ({
    header: ["top"],
    sections: [{ name: "Interface", entries: [{ key: "ListenPort", value: port }] }, peer],
  });
  for (const dialect of ["wg-quick", "systemd"] as const)
    for (const port of [1, 2])
      assert.equal(toIni(host(port), dialect, run), toIni(host(port), dialect));
  assert.equal(
    toIni({ sections: [peer] }, "systemd", run),
    "[Peer]\n# node2\nAllowedIPs=10.0.0.2/32\n",
  );
  assert.equal(toIni({ sections: [] }, "systemd", run), "\n");
  assert.equal(toIni({ header: ["only"], sections: [] }, "systemd", run), "# only\n");
  const bad = run.shareSubtree({
    name: "Peer",
    entries: [{ key: "Endpoint", value: "a\nb", path: ["peers", 3, "endpoints"] }],
  });
  for (let i = 0; i < 2; i++)
    assert.throws(() => toIni({ sections: [peer, bad] }, "wg-quick", run), InputError);
});
