/**
 * `wirenix report` opened in a real browser (Debian's Chromium through playwright-core): each
 * fixture's page loads without a console error and without a single request, the matrix shows
 * the cells read off the ACL by hand, the filters and the cell explanation work, the page has
 * its headings and labels, the matrix colours have a contrast of at least 4.5:1 (computed from
 * the page's own styles), and it fits a phone. A screenshot of every fixture (desktop and
 * phone) is saved to WIRENIX_TEST_ARTIFACTS (see test/support/browser.ts). A 200-peer report
 * with its diff is interactive: the matrix is drawn only where it is in view (and right after
 * a scroll), a cell explains itself, the filters narrow, the keyboard moves between cells, the
 * diff's changes come a page at a time. How fast it opens is bench/review.ts's to measure.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { makeAcl } from "../../bench/acls.js";
import { meshAcl } from "../support/acl.js";
import { artifactsDir, contrastRatio, launchChromium } from "../support/browser.js";
import { fixtures, repoRoot, wirenixBin } from "../support/paths.js";
import { tempDir, writeAcl } from "../support/run.js";

const peerIs = (value: string) => ({ type: "peer", rule: "is", value });

/** The mesh with groups and one rule: a reaches b on tcp/22 only, b reaches c on everything. */
function rulesAcl() {
  const acl = meshAcl() as Record<string, any>;
  acl.groups = [{ name: "admins" }, { name: "servers" }];
  acl.peers[0].groups = ["admins"];
  acl.peers[1].groups = ["servers"];
  acl.peers[2].groups = ["servers"];
  acl.rules = [
    { from: [peerIs("a")], to: [peerIs("b")], allow: ["tcp/22"] },
    { from: [peerIs("b")], to: [peerIs("c")], allow: ["*"] },
  ];
  return acl;
}

const work = tempDir("wirenix-report-");
const shots = artifactsDir();
let browser: Browser;

function report(name: string, args: string[]): string {
  const out = join(work.dir, `${name}.html`);
  const r = spawnSync(process.execPath, [wirenixBin, "report", ...args, "-o", out], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

const FIXTURES: Record<string, () => string> = {
  rules: () => report("rules", [writeAcl(work.dir, rulesAcl(), "rules.json")]),
  homelab: () => report("homelab", [join(repoRoot, "examples", "homelab.yaml")]),
  "road-warrior": () => report("road-warrior", [join(repoRoot, "examples", "road-warrior.yaml")]),
  office: () => report("office", [join(fixtures, "rules", "office.yaml")]),
  "diff-of-mesh": () =>
    report("diff-of-mesh", [
      writeAcl(work.dir, meshAcl(), "mesh.json"),
      writeAcl(work.dir, rulesAcl(), "mesh-rules.json"),
    ]),
};

before(async () => {
  browser = await launchChromium();
  console.log(`# report screenshots: ${shots}`);
});
after(async () => {
  await browser?.close();
  work.remove();
});

/** Opens the page; every console error and every request is recorded. */
async function open(file: string, viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => {
    if (r.url() !== `file://${file}`) requests.push(r.url());
  });
  await page.goto(`file://${file}`);
  await page.waitForSelector("table.matrix");
  return { page, errors, requests };
}

/** Each cell's class, `from>to:class`, for the cells drawn. */
async function cells(page: Page): Promise<string[]> {
  return page.$$eval("td[data-from]", (tds) =>
    tds.map((td) => {
      const table = td.closest("table") as HTMLTableElement;
      const row = (td.parentElement?.querySelector("th")?.textContent ?? "").trim();
      const col = table.tHead?.rows[0]?.cells[(td as HTMLTableCellElement).cellIndex]?.textContent;
      return `${row}>${col}:${td.className}`;
    }),
  );
}

for (const [name, make] of Object.entries(FIXTURES))
  test(`${name}: loads without console errors or requests; screenshots, desktop and phone`, async () => {
    const file = make();
    const desktop = await open(file);
    assert.deepEqual(desktop.errors, []);
    assert.deepEqual(desktop.requests, []);
    await desktop.page.screenshot({ path: join(shots, `${name}-desktop.png`), fullPage: true });
    await desktop.page.close();
    const phone = await open(file, { width: 390, height: 844 });
    assert.deepEqual(phone.errors, []);
    // Nothing wider than the screen but the matrix, which scrolls in its own box.
    const overflow = await phone.page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await phone.page.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
    await phone.page.close();
  });

test("the matrix shows the cells of the rules, and a cell says why", async () => {
  const { page } = await open(FIXTURES.rules?.() as string);
  assert.deepEqual(await cells(page), [
    "a>b:some",
    "a>c:none",
    "b>a:none",
    "b>c:all",
    "c>a:none",
    "c>b:none",
  ]);
  await page.click('td[data-from="0"][data-to="1"]');
  const detail = await page.textContent("#cell-detail");
  assert.equal(
    detail,
    'a → b: reaches with some services (tcp/22)\n"a" -[lan by connections[0]]-> "b": allowed by rules[0]',
  );
  // Hovering a cell gives it its title (the why) and its label.
  await page.hover('td[data-from="0"][data-to="2"]');
  const title = await page.getAttribute('td[data-from="0"][data-to="2"]', "title");
  assert.equal(
    await page.getAttribute('td[data-from="0"][data-to="2"]', "aria-label"),
    "a to c: nothing",
  );
  assert.equal(
    title,
    'a to c: nothing\n"a" -[lan by connections[0]]-> "c": dropped at "c": no rule allows it',
  );
  await page.close();
});

test("filters: by peer name, by group, by service", async () => {
  const { page } = await open(FIXTURES.rules?.() as string);
  await page.fill("#filter-peer", "b");
  assert.deepEqual(await cells(page), []);
  assert.equal(await page.textContent("#matrix-note"), "1 of 3 peers shown.");
  await page.fill("#filter-peer", "");
  await page.selectOption("#filter-group", "servers");
  assert.deepEqual(await cells(page), ["b>c:all", "c>b:none"]);
  await page.selectOption("#filter-group", "");
  await page.selectOption("#filter-service", { label: "tcp/22" });
  assert.deepEqual(await cells(page), [
    "a>b:all",
    "a>c:none",
    "b>a:none",
    "b>c:all",
    "c>a:none",
    "c>b:none",
  ]);
  await page.selectOption("#filter-service", { label: "udp/1-65535" });
  assert.deepEqual(
    (await cells(page)).filter((c) => c.endsWith(":all")),
    ["b>c:all"],
  );
  await page.close();
});

test("accessibility: headings, labelled controls, matrix colours of 4.5:1 or more", async () => {
  const { page } = await open(FIXTURES["diff-of-mesh"]?.() as string);
  const headings = await page.$$eval("h1, h2", (hs) =>
    hs.map((h) => `${h.tagName} ${h.textContent}`),
  );
  assert.deepEqual(
    headings,
    [
      "H1 Wirenix network report",
      "H2 Changes: mesh.json → mesh-rules.json".replace(/^/, ""),
      "H2 Topology",
      "H2 Reachability",
      "H2 Hosts and their files",
      "H2 Check findings",
      "H2 The ACL",
    ].map((h) =>
      h
        .replace("mesh.json", join(work.dir, "mesh.json"))
        .replace("mesh-rules.json", join(work.dir, "mesh-rules.json")),
    ),
  );
  const unlabelled = await page.$$eval("input, select", (controls) =>
    controls.filter((c) => !(c as HTMLInputElement).labels?.length).map((c) => c.id),
  );
  assert.deepEqual(unlabelled, []);
  assert.equal(await page.getAttribute("html", "lang"), "en");
  for (const kind of ["all", "some", "none"]) {
    await page.evaluate((k) => {
      const td = document.createElement("td");
      td.className = k;
      td.id = `probe-${k}`;
      td.textContent = "x";
      document.querySelector("table.matrix tbody tr")?.appendChild(td);
    }, kind);
    const { color, background } = await page.$eval(`#probe-${kind}`, (td) => {
      const s = getComputedStyle(td);
      return { color: s.color, background: s.backgroundColor };
    });
    const ratio = contrastRatio(color, background);
    assert.ok(ratio >= 4.5, `td.${kind}: ${color} on ${background} is ${ratio.toFixed(2)}:1`);
  }
  await page.close();
});

test("a host opened shows its generated files", async () => {
  const { page } = await open(FIXTURES.rules?.() as string);
  await page.click('details.host[data-host="1"] summary');
  // The files are drawn on the details' toggle event, which fires after the click returns.
  await page.waitForSelector('details.host[data-host="1"] pre');
  assert.deepEqual(
    await page.$$eval('details.host[data-host="1"] h4', (hs) => hs.map((h) => h.textContent)),
    ["hosts", "lan.conf"],
  );
  const texts = await page.$$eval('details.host[data-host="1"] pre', (ps) =>
    ps.map((p) => p.textContent),
  );
  const text = texts[1];
  assert.match(
    text ?? "",
    /^\[Peer\]\n# a\nPublicKey = kdyzqV8cBQtDYeW6R1vUug0Oe\+KaytHHDS7JoCp\/kTE=$/m,
  );
  await page.close();
});

test("no secret reaches the page: an inline private key is redacted in the files and the ACL", async () => {
  const acl = meshAcl() as Record<string, any>;
  // A key pair made once with `wg genkey | wg pubkey`.
  const secret = "GNESLkVPvRerjjf842bUjKU0D84lXcHOiwk4ojD5N0I=";
  delete acl.peers[0].privateKeyFile;
  acl.peers[0].privateKey = secret;
  acl.peers[0].publicKey = "REwU8UV9IZ4bRbiYb5d/W9eruj6FAskVBonVrR9H8xw=";
  const html = readFileSync(report("secret", [writeAcl(work.dir, acl, "secret.json")]), "utf8");
  assert.ok(!html.includes(secret.slice(0, 12)));
  // a's wg-quick file: its lines are in the page's data as text (which lines in which order
  // is compressed), and the file drawn when the host is opened.
  assert.ok(html.includes("PrivateKey = \\u003credacted\\u003e"));
  assert.ok(html.includes("&quot;privateKey&quot;:&quot;&lt;redacted&gt;&quot;"), "the ACL shown");
  const { page } = await open(join(work.dir, "secret.html"));
  await page.click('details.host[data-host="0"] summary');
  await page.waitForSelector('details.host[data-host="0"] pre');
  const shown = await page.$$eval('details.host[data-host="0"] pre', (ps) =>
    ps.map((p) => p.textContent ?? ""),
  );
  assert.ok(shown.some((text) => text.includes("PrivateKey = <redacted>")));
  assert.ok(!shown.some((text) => text.includes(secret.slice(0, 12))));
  await page.close();
});

test("keyboard: Tab enters the matrix at one cell, arrows move, Enter and Space explain", async () => {
  const { page } = await open(FIXTURES.rules?.() as string);
  await page.focus("#filter-service");
  await page.keyboard.press("Tab");
  const focused = () =>
    page.evaluate(() => {
      const td = document.activeElement as HTMLTableCellElement;
      const row = td.parentElement?.querySelector("th")?.textContent;
      const table = td.closest("table") as HTMLTableElement;
      return `${row}>${table.tHead?.rows[0]?.cells[td.cellIndex]?.textContent}:${td.className}`;
    });
  assert.equal(await focused(), "a>a:self");
  await page.keyboard.press("ArrowRight");
  assert.equal(await focused(), "a>b:some");
  await page.keyboard.press("Enter");
  assert.match((await page.textContent("#cell-detail")) ?? "", /^a → b: reaches with some/);
  await page.keyboard.press("ArrowDown");
  assert.equal(await focused(), "b>b:self");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  assert.equal(await focused(), "b>c:all", "the last column stops the move");
  await page.keyboard.press(" ");
  assert.match(
    (await page.textContent("#cell-detail")) ?? "",
    /^b → c: reaches with every service/,
  );
  await page.keyboard.press("Control+Home");
  assert.equal(await focused(), "a>a:self");
  // One cell of the matrix is in the Tab order, not every one.
  assert.equal(await page.$$eval('#matrix td[tabindex="0"]', (tds) => tds.length), 1);
  await page.close();
});

/**
 * The hubs topology of bench/acls.ts at 200 peers (hub0..hub9 meshed on core and allowed
 * everything there; spokes peer000..peer189, spoke i on site i mod 10 linked to its hub only,
 * allowed tcp/443, udp/53 and icmp to the hubs; every tenth spoke, all on site 0, is in ops,
 * allowed everything), and the same with two rules more: spokes to hubs and hubs to spokes on
 * tcp/22.
 */
function hubs200(): string {
  const old = makeAcl("hubs", 200) as Record<string, any>;
  const now = makeAcl("hubs", 200) as Record<string, any>;
  const group = (value: string) => ({ type: "group", rule: "is", value });
  now.rules.push(
    { from: [group("spokes")], to: [group("hubs")], allow: ["tcp/22"] },
    { from: [group("hubs")], to: [group("spokes")], allow: ["tcp/22"] },
  );
  return report("hubs200", [
    writeAcl(work.dir, old, "hubs200-old.json"),
    writeAcl(work.dir, now, "hubs200-new.json"),
  ]);
}

test("a 200-peer report with its diff is interactive: cells drawn where in view, filters, a cell's why, changes by the page", async () => {
  const file = hubs200();
  const { page, errors, requests } = await open(file);
  assert.deepEqual(errors, []);
  assert.deepEqual(requests, []);
  assert.equal(await page.textContent("#matrix-note"), "200 of 200 peers shown.");
  const drawn = await cells(page);
  assert.ok(drawn.length > 100 && drawn.length < 10_000, `${drawn.length} cells drawn of 39,800`);
  assert.ok(drawn.includes("hub0>hub1:all"));
  assert.ok(drawn.includes("peer001>hub1:some"));
  assert.ok(drawn.includes("peer001>hub2:none"), "a spoke is linked to its own hub only");
  assert.ok(drawn.includes("peer000>hub0:all"), "peer000 is in ops");
  // Scrolled to the last row, the cells there are drawn, under their own headers.
  await page.$eval("#matrix", (box) => {
    box.scrollTop = box.scrollHeight;
  });
  await page.waitForSelector('#matrix td[data-from="199"]');
  const bottom = await cells(page);
  assert.ok(bottom.includes("peer189>hub9:some"), "spoke 189 is on site 9");
  assert.ok(bottom.includes("peer189>hub8:none"));
  assert.ok(bottom.includes("peer180>hub0:all"), "peer180 is in ops");
  assert.ok(!bottom.includes("hub0>hub1:all"), "the first rows are no longer drawn");
  await page.click('#matrix td[data-from="199"][data-to="9"]');
  const [head, why] = ((await page.textContent("#cell-detail")) ?? "").split("\n");
  const services = /^peer189 → hub9: reaches with some services \((.*)\)$/.exec(head ?? "");
  assert.deepEqual(services?.[1]?.split(", ").sort(), ["icmp", "tcp/22", "tcp/443", "udp/53"]);
  assert.match(
    why ?? "",
    /^"peer189" -\[site9 by connections\[10\]\]-> "hub9": allowed by rules\[\d\]$/,
  );
  // Filtered to the hubs: ten peers, every pair reaches with everything.
  await page.selectOption("#filter-group", "hubs");
  assert.equal(await page.textContent("#matrix-note"), "10 of 200 peers shown.");
  const hubs = await cells(page);
  assert.equal(hubs.length, 90);
  assert.deepEqual(
    hubs.filter((c) => !c.endsWith(":all")),
    [],
  );
  await page.fill("#filter-peer", "peer18");
  assert.equal(
    await page.textContent("#matrix-note"),
    "0 of 200 peers shown.",
    "no hub is peer18…",
  );
  await page.selectOption("#filter-group", "");
  assert.equal(await page.textContent("#matrix-note"), "10 of 200 peers shown.");
  assert.ok((await cells(page)).includes("peer180>peer181:none"));
  // The diff: 171 spokes that reach their hub gain tcp/22 (the 19 in ops had it), and 190
  // hub-to-spoke pairs open; shown 200 at a time.
  const rows = () => page.$$eval("#reach-changes tr", (trs) => trs.length);
  assert.equal(await rows(), 200);
  assert.equal(await page.textContent("#reach-note"), "200 of 361 changes shown.");
  await page.click("#reach-more");
  assert.equal(await rows(), 361);
  assert.equal(await page.textContent("#reach-note"), "361 of 361 changes shown.");
  assert.equal(await page.isVisible("#reach-more"), false);
  const first = await page.$$eval("#reach-changes tr:first-child td", (tds) =>
    tds.map((td) => td.textContent),
  );
  assert.equal(first[0], "opened");
  assert.equal(first[3], "tcp/22");
  // A host's files, opened.
  await page.click('details.host[data-host="10"] summary');
  await page.waitForSelector('details.host[data-host="10"] pre');
  const files = await page.$$eval('details.host[data-host="10"] h4', (hs) =>
    hs.map((h) => h.textContent),
  );
  assert.ok(files.length > 0);
  await page.screenshot({ path: join(shots, "hubs200-desktop.png") });
  await page.close();
});
