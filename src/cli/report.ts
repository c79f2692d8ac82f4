/**
 * `wirenix report ACL -o report.html`: the network as one self-contained page for a person
 * (app/report.ts, app/report-html.ts); with `--base REF` or a second file, the diff too.
 * Written atomically, as every output is.
 */
import { Command } from "commander";
import { diffNetworks } from "../analysis/diff.js";
import { reportPage } from "../app/report.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { registryWith, rethrowExit, withAclLimits, withPlugins } from "./common.js";
import { configurerOption, EXPLAIN_LIMIT, loadSide, type SideFlags, withSides } from "./diff.js";
import { type CliIO, EXIT_INVALID } from "./io.js";

interface Flags extends SideFlags {
  output: string;
  base?: string;
}

async function run(io: CliIO, acl: string, other: string | undefined, flags: Flags) {
  const registry = await registryWith(io, flags.plugin);
  let html: string;
  if (other === undefined && flags.base === undefined) {
    const now = loadSide(io, acl, acl, registry, flags, true, EXIT_INVALID);
    html = await reportPage(now, acl);
  } else {
    const loaded = withSides(acl, other, flags.base, (old, now) => ({
      a: loadSide(io, old.file, old.label, registry, flags, true, EXIT_INVALID),
      b: loadSide(io, now.file, now.label, registry, flags, true, EXIT_INVALID),
      file: now.file,
    }));
    const diff = diffNetworks(loaded.a, loaded.b, { explainLimit: EXPLAIN_LIMIT });
    html = await reportPage(loaded.b, loaded.file, diff, `${loaded.a.label} → ${loaded.b.label}`);
  }
  writeFileAtomic(flags.output, html, { mode: 0o644 });
  return 0;
}

export function reportCommand(io: CliIO, done: (code: number) => void): Command {
  const command = new Command("report")
    .description(
      "write one self-contained HTML page about the network: topology, reachability matrix, every host's files (secrets redacted), check findings; with --base REF or a second file, the diff too",
    )
    .argument("<acl>", "the ACL file (with a second file: the old one)")
    .argument("[new]", "the new ACL file: report on it, with the diff from the first")
    .requiredOption("-o, --output <file>", "the HTML file to write")
    .option("--base <ref>", "include the diff from the same file as committed at this git revision")
    .addOption(configurerOption());
  withPlugins(command).action(async (acl: string, other: string | undefined, flags: Flags) => {
    done(await run(io, acl, other, flags).catch(rethrowExit));
  });
  return withAclLimits(command);
}
