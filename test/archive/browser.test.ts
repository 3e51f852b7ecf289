/**
 * The web viewer in a real headless browser (Debian's chromium driven by
 * playwright-core): a day page, a permalink followed, a search, a live line
 * arriving, a phone's width. Without chromium it skips, loudly, and in CI
 * (CI=true) it fails: .ci/run installs it.
 *
 * ARCHIVE_SCREENSHOTS=docs/archive writes the screenshots docs/archive.md shows.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { createArchiveApp } from "../../src/archive/index.ts";
import { JsonlLog } from "../../src/plugins/logger.ts";
import { event, OTHER, tmp, writeArchive } from "./helpers.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
const shots = process.env.ARCHIVE_SCREENSHOTS;

if (!present) {
  const message = `\n*** ${CHROMIUM} is not installed: the browser tests of the web viewer do not run (apt-get install -y chromium) ***\n`;
  if (process.env.CI === "true")
    throw new Error(`${message}In CI they must run: .ci/run installs chromium.`);
  console.warn(message);
}

const DAY = "2026-12-01";
let dir: string;
let app: ReturnType<typeof createArchiveApp>;
let server: ReturnType<typeof Bun.serve>;
let browser: Browser;
let base: string;
const dialogs: string[] = [];

async function open(path: string, width = 1100): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 720 } });
  page.on("dialog", async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  await page.goto(`${base}${path}`);
  return page;
}

async function shoot(page: Page, name: string): Promise<void> {
  if (shots === undefined) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

describe.skipIf(!present)("the web viewer in chromium", () => {
  beforeAll(async () => {
    dir = tmp("browser");
    const at = (m: number, s = 0) => new Date(Date.UTC(2026, 11, 1, 9, m, s));
    writeArchive(dir, [
      { body: "good morning, everyone", at: at(0, 5) },
      { body: "", kind: "join", from: "bob@localhost", at: at(1) },
      { body: "morning! did the deploy go out?", from: "bob@localhost", at: at(1, 30) },
      { body: "yes, v2.3 is on prod since 08:50\nrollback plan is in the runbook", at: at(2) },
      {
        body: "<script>alert('owned')</script> is what the attacker sent",
        from: "mallory@localhost",
        at: at(3),
      },
      { body: "the quick brown fox jumps over the lazy dog", from: "carol@localhost", at: at(4) },
      { body: "un café, s'il vous plaît ☕ — naïve façade", from: "carol@localhost", at: at(5) },
      { body: "the brown fox again, in #other", topic: OTHER, from: "bob@localhost", at: at(6) },
    ]);
    app = createArchiveApp({ dir, heartbeatMs: 1000 });
    server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r) => app.fetch(r) });
    base = `http://127.0.0.1:${server.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  });

  afterAll(async () => {
    await browser?.close();
    app?.close();
    await server?.stop(true);
  });

  test("the channel list, and a day page whose <script> body is text", async () => {
    const index = await open("/");
    expect(await index.locator("table").innerText()).toContain("#general@localhost");
    await shoot(index, "channels");
    await index.click("text=#general@localhost");
    await index.click(`a[href="/general@localhost/${DAY}"] >> nth=0`);
    expect(index.url()).toBe(`${base}/general@localhost/${DAY}`);
    const body = index.locator('[id="e1.5"] .b');
    expect(await body.innerText()).toBe(
      "<script>alert('owned')</script> is what the attacker sent",
    );
    expect(await index.locator("main script").count()).toBe(0);
    expect(dialogs).toEqual([]);
    await shoot(index, "day");
    await index.close();
  });

  test("a permalink followed lands on its line, marked", async () => {
    const page = await open(`/general@localhost/${DAY}`);
    await page.click('[id="e1.4"] a.t');
    expect(page.url()).toBe(`${base}/general@localhost/${DAY}#e1.4`);
    expect(await page.evaluate('document.querySelector(":target")?.id')).toBe("e1.4");
    const fresh = await open(`/general@localhost/at/e1.6`);
    expect(fresh.url()).toBe(`${base}/general@localhost/${DAY}#e1.6`);
    expect(await fresh.evaluate('document.querySelector(":target")?.textContent')).toContain(
      "quick brown fox",
    );
    await page.close();
    await fresh.close();
  });

  test("search from the header: hits highlighted, a hit's context shows it among its neighbours", async () => {
    const page = await open("/");
    await page.fill('header input[name="q"]', "brown fox");
    await page.press('header input[name="q"]', "Enter");
    await page.waitForURL(/\/search\?q=brown\+fox/);
    const marks = await page.locator(".hits mark").allInnerTexts();
    expect(marks.map((m) => m.toLowerCase())).toEqual(["brown", "fox", "brown", "fox"]);
    await shoot(page, "search");
    await page.selectOption('select[name="topic"]', "#other@localhost");
    await page.click("form.filters button");
    await page.waitForURL(/topic=%23other/);
    expect(await page.locator(".hit").count()).toBe(1);
    await page.goBack();
    await page.waitForURL(/\/search\?q=brown\+fox$/);
    await page.click('.hit:has-text("lazy dog") >> text=context');
    await page.waitForURL(/\/around\/e1\.6$/);
    expect(await page.locator(".l.hl .b").innerText()).toBe(
      "the quick brown fox jumps over the lazy dog",
    );
    expect(await page.locator(".l").count()).toBe(7);
    await page.close();
  });

  test("a line the logger writes appears live on the newest day's page", async () => {
    const page = await open(`/general@localhost/${DAY}`);
    await page.waitForSelector("#live.on");
    const log = new JsonlLog(dir);
    log.event({
      ...event({ body: "<i>live</i> from the logger", at: new Date(Date.UTC(2026, 11, 1, 9, 10)) }),
      seq: 8,
    });
    const line = page.locator('[id="e1.8"] .b');
    await line.waitFor();
    expect(await line.innerText()).toBe("<i>live</i> from the logger");
    expect(await page.locator("main i").count()).toBe(0);
    await shoot(page, "live");
    log.close();
    await page.close();
  });

  test("on a phone's width nothing runs off the side", async () => {
    const page = await open(`/general@localhost/${DAY}`, 390);
    const overflow = await page.evaluate(
      "document.documentElement.scrollWidth - window.innerWidth",
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await shoot(page, "phone");
    await page.close();
  });
});
