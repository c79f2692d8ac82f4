// Runs npm scripts at the same time (`npm test` runs the integration and system tiers so: they
// share nothing — the system tests' network namespaces are theirs alone, see
// test/support/netns.ts — and together they take as long as the longer one). Each script's
// output is printed whole when it ends, never interleaved; the exit code is the first failure's.
import { spawn } from "node:child_process";

const scripts = process.argv.slice(2);
const runs = scripts.map((script) =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn("npm", ["run", "--silent", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks = [];
    child.stdout.on("data", (chunk) => chunks.push(chunk));
    child.stderr.on("data", (chunk) => chunks.push(chunk));
    child.on("error", (error) => resolve({ script, code: 1, output: String(error), started }));
    child.on("close", (code, signal) =>
      resolve({ script, code: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks), started }),
    );
  }).then((run) => {
    const seconds = ((Date.now() - run.started) / 1000).toFixed(0);
    process.stdout.write(`--- npm run ${run.script} (exit ${run.code}, ${seconds} s):\n`);
    process.stdout.write(run.output);
    return run.code;
  }),
);
const codes = await Promise.all(runs);
process.exitCode = codes.find((code) => code !== 0) ?? 0;
