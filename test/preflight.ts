/**
 * Run by `npm test` before the tests: what the suite needs from the machine beyond `npm ci`
 * and the README's packages, reported as one message rather than as failing tests.
 */
import { findNixpkgsLib } from "./support/nixpkgs.js";

const lib = findNixpkgsLib();
if (!lib.ok) {
  process.stderr.write(`npm test: ${lib.message}\n`);
  process.exitCode = 1;
}
