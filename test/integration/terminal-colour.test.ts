/**
 * Errors on a real terminal: `script` (util-linux) runs bin/wirenix.js in a pseudo-terminal, as
 * a user at a shell does. The label is coloured (or plain with NO_COLOR), never shown as the
 * text of its escape codes; an escape that comes from the input is still shown as text.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { wirenixOnTerminal } from "../support/terminal.js";

/** What the terminal shows for a run that must fail with exit 1. */
function onTerminal(args: readonly string[], env: Record<string, string> = {}): string {
  const { code, shown } = wirenixOnTerminal(args, { env });
  assert.equal(code, 1, shown);
  return shown;
}

const RED = "\u001b[1;31m";
const RESET = "\u001b[0m";

test("on a terminal, `wirenix generate /nonexistent.yaml` prints a red label, not its escape", () => {
  const shown = onTerminal(["generate", "/nonexistent.yaml"]);
  assert.equal(
    shown,
    `wirenix: ${RED}error${RESET}: /nonexistent.yaml: cannot read the ACL: no such file\n`,
  );
  assert.ok(!shown.includes("\\u001b"), shown);
});

test("with NO_COLOR on a terminal, the same error is plain text", () => {
  const shown = onTerminal(["generate", "/nonexistent.yaml"], { NO_COLOR: "1" });
  assert.equal(shown, "wirenix: error: /nonexistent.yaml: cannot read the ACL: no such file\n");
});

test("an escape sequence in the input is still shown as text, next to the coloured label", () => {
  const shown = onTerminal(["generate", "/no\u001b[2Jsuch.yaml"]);
  assert.equal(
    shown,
    `wirenix: ${RED}error${RESET}: /no\\u001b[2Jsuch.yaml: cannot read the ACL: no such file\n`,
  );
  const plain = onTerminal(["generate", "/no\u001b[2Jsuch.yaml"], { NO_COLOR: "1" });
  assert.equal(
    plain,
    "wirenix: error: /no\\u001b[2Jsuch.yaml: cannot read the ACL: no such file\n",
  );
});

test("a line break in the input cannot forge a coloured label on a later line", () => {
  // A line break in an argument is escaped before colouring, so `wirenix: error: ` inside it
  // is not at the start of a line and stays uncoloured.
  const shown = onTerminal(["generate", "/x\nwirenix: error: forged.yaml"]);
  assert.equal(
    shown,
    `wirenix: ${RED}error${RESET}: /x\\u000awirenix: error: forged.yaml: cannot read the ACL: no such file\n`,
  );
});
