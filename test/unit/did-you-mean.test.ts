/** Which known name a mistyped one stands for; expected values written by hand. */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { closestName, didYouMean } from "../../src/core/did-you-mean.js";

const COMMANDS = ["generate", "inspect", "check", "explain", "graph", "keys", "init"];

test("a command's start, a typo, a case slip", () => {
  assert.equal(closestName("gen", COMMANDS), "generate");
  assert.equal(closestName("chekc", COMMANDS), "check");
  assert.equal(closestName("INIT", COMMANDS), "init");
  assert.equal(closestName("lpatop", ["gateway", "nas", "media", "laptop"]), "laptop");
});

test("nothing when nothing is close, or two are as close", () => {
  assert.equal(closestName("omega", ["alpha", "beta", "gamma"]), undefined);
  assert.equal(closestName("g", COMMANDS), undefined);
  assert.equal(closestName("in", COMMANDS), undefined, "inspect or init");
  assert.equal(closestName("nas1", ["nas2", "nas3"]), undefined);
  assert.equal(didYouMean("zzz", COMMANDS), "");
  assert.equal(didYouMean("medai", ["media"]), ' (did you mean "media"?)');
});
