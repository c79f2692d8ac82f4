/**
 * Debian's Chromium (/usr/bin/chromium, installed by .ci/run) driven by playwright-core, which
 * downloads no browser of its own. As root Chromium runs only without its sandbox.
 * Screenshots go to WIRENIX_TEST_ARTIFACTS (CI keeps that directory), else a temporary one.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.WIRENIX_CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  const root = process.getuid?.() === 0;
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: root ? ["--no-sandbox"] : [],
  });
}

/** Where screenshots go: made once per run, named in the test output. */
export function artifactsDir(): string {
  const given = process.env.WIRENIX_TEST_ARTIFACTS;
  const dir = given
    ? join(given, "report-screenshots")
    : mkdtempSync(join(tmpdir(), "wirenix-screenshots-"));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** sRGB relative luminance of `rgb(r, g, b)` (WCAG 2). */
function luminance(colour: string): number {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(colour);
  if (!m) throw new Error(`not an rgb() colour: ${colour}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two computed colours. */
export function contrastRatio(fg: string, bg: string): number {
  const [l1, l2] = [luminance(fg), luminance(bg)].sort((x, y) => y - x) as [number, number];
  return (l1 + 0.05) / (l2 + 0.05);
}
