/** Diagnostics as data: a mismatch keeps what was expected and received as fields. */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Diagnostics, diagnostic, formatDiagnostic } from "../../src/core/diagnostics.js";

test("a mismatch is worded 'expected X, got Y' and keeps both as fields", () => {
  const d = diagnostic("error", "invalid-value", ["peers", 0, "roaming"], {
    expected: "true or false",
    received: '"yes"',
  });
  assert.deepEqual(d, {
    code: "invalid-value",
    severity: "error",
    path: ["peers", 0, "roaming"],
    message: 'expected true or false, got "yes"',
    expected: "true or false",
    received: '"yes"',
  });
  assert.equal(formatDiagnostic(d), 'peers[0].roaming: expected true or false, got "yes"');
});

test("a missing value has no received field; the context leads the message", () => {
  const d = diagnostic("error", "missing-key", ["subnets"], {
    context: "missing",
    expected: "a list of subnets",
  });
  assert.equal(d.message, "missing: expected a list of subnets");
  assert.equal(d.expected, "a list of subnets");
  assert.equal("received" in d, false);
});

test("a plain message has neither field", () => {
  const report = new Diagnostics();
  report.warn("empty-group", ["groups", 1], 'no peer is in group "x"');
  assert.deepEqual(report.items, [
    {
      code: "empty-group",
      severity: "warning",
      path: ["groups", 1],
      message: 'no peer is in group "x"',
    },
  ]);
});

test("a stage that failed without an error is a bug, not an empty failure", () => {
  const report = new Diagnostics();
  report.warn("empty-group", [], "only a warning");
  assert.throws(() => report.failure, /failed without an error/);
  report.error("usage", [], "now an error");
  assert.equal(report.failure.length, 2);
});
