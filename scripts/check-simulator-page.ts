/**
 * Checks the simulator page (public/simulator.html) in a real headless browser,
 * at a desktop (1280×800) and a phone (375×740) size: `npm run check:page`.
 *
 * It starts the bot on the simulator with the demo data, on a database and a
 * Redis prefix of its own (dropped at the end), and walks the page as a person
 * would: picks a member and sends "menu", opens a new phone number and
 * registers with a personal club code, sees the new person in the list without
 * a reload (also one who registers elsewhere meanwhile), and switches to
 * English. It fails on any console error, failed request or HTTP error, cut
 * text, text smaller than 16 px or a tap target under 44 px, and saves a
 * screenshot of every step under data/page-check/ (git-ignored).
 *
 * Uses Debian's chromium (`apt-get install chromium`) or CHROMIUM_PATH; it
 * never downloads a browser. Not part of `npm test`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { DEMO_CODES, DEMO_PEOPLE } from '../src/demo/seed.ts';
import { addressVars } from '../src/engine/address.ts';
import { createTranslator } from '../src/i18n.ts';
import { isolatedEnv, startTestApp, type TestApp } from '../test/support/app.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../data/page-check/', import.meta.url));
const translate = createTranslator();
const vi = (key: string, vars?: Record<string, string>) => translate('vi', key, vars);

interface Viewport {
  name: string;
  width: number;
  height: number;
  phone: boolean;
  /** A personal club code (active at once) and a phone number nobody has. */
  code: string;
  newPhone: string;
}

const VIEWPORTS: Viewport[] = [
  {
    name: 'desktop',
    width: 1280,
    height: 800,
    phone: false,
    code: DEMO_CODES.personalMember,
    newPhone: '0987 654 301',
  },
  {
    name: 'phone',
    width: 375,
    height: 740,
    phone: true,
    code: DEMO_CODES.personalMember2,
    newPhone: '0987 654 302',
  },
];

/** What the bot's latest message asks for, as the page or the API shows it. */
interface BotTurn {
  text: string;
  choices: number;
  requestContact: boolean;
}

type Answer = { choice: 1 } | { contact: true } | { text: string };

/**
 * A registration answer that does not depend on the exact order of the questions:
 * "1" to every choice (language, consent, gender, "yes, send"), the phone by the
 * share button, and a year or a name to the questions asked in words.
 */
function answerTo(turn: BotTurn): Answer {
  if (turn.choices > 0) return { choice: 1 };
  if (turn.requestContact) return { contact: true };
  // The question's first line, with the words every stranger is addressed by ("Bác …").
  const asks = (key: string) =>
    turn.text.includes(vi(key, addressVars(translate, 'vi', 'elder')).split('\n')[0]!);
  if (asks('register.askYear')) return { text: '1950' };
  return { text: 'Nguyen Thi Hoa' };
}

const failures: string[] = [];
function check(ok: boolean, what: string): void {
  if (!ok) failures.push(what);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
}

async function peoplePhones(url: string): Promise<string[]> {
  const res = await fetch(`${url}/sim/api/people`);
  const data = (await res.json()) as { people: { chatId: string }[] };
  return data.people.map((p) => p.chatId);
}

const toChatId = (phone: string) => `84${phone.replace(/\D/g, '').slice(1)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `test` holds, polling; false after `ms`. */
async function waitUntil(test: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await test()) return true;
    await sleep(200);
  }
  return false;
}

// ---------- the page ----------

async function botMessages(page: Page): Promise<number> {
  return page.locator('#log .msg.bot').count();
}

/** Waits for the bot's answer(s) to what `act` sends, then lets a second message land. */
async function answered(page: Page, act: () => Promise<void>): Promise<boolean> {
  const before = await botMessages(page);
  await act();
  const ok = await waitUntil(async () => (await botMessages(page)) > before, 8000);
  await sleep(500);
  return ok;
}

async function say(page: Page, text: string): Promise<boolean> {
  return answered(page, async () => {
    await page.locator('#text').fill(text);
    await page.locator('#text').press('Enter');
  });
}

async function lastBotTurn(page: Page): Promise<BotTurn> {
  const last = page.locator('#log .msg.bot').last();
  return {
    text: (await last.locator('.text').textContent()) ?? '',
    choices: await last.locator('.choice').count(),
    requestContact: (await last.locator('.contact').count()) > 0,
  };
}

async function registerInPage(page: Page, url: string, code: string, chatId: string): Promise<boolean> {
  if (!(await say(page, `/start ${code}`))) return false;
  for (let step = 0; step < 15; step += 1) {
    if ((await peoplePhones(url)).includes(chatId)) return true;
    const answer = answerTo(await lastBotTurn(page));
    const last = page.locator('#log .msg.bot').last();
    const ok =
      'choice' in answer
        ? await answered(page, () => last.locator('.choice').first().click())
        : 'contact' in answer
          ? await answered(page, () => last.locator('.contact').click())
          : await say(page, answer.text);
    if (!ok) return false;
  }
  return (await peoplePhones(url)).includes(chatId);
}

/** Someone registering from elsewhere (another browser), through the same HTTP API. */
async function registerByApi(url: string, code: string, chatId: string): Promise<boolean> {
  let after = 0;
  const send = async (body: Record<string, unknown>): Promise<BotTurn | undefined> => {
    await fetch(`${url}/sim/api/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chatId, ...body }),
    });
    let bot: BotTurn | undefined;
    await waitUntil(async () => {
      const res = await fetch(`${url}/sim/api/messages?chatId=${chatId}&after=${after}`);
      const { messages } = (await res.json()) as {
        messages: { seq: number; from: string; text: string; choices?: string[]; requestContact?: boolean }[];
      };
      for (const m of messages) {
        after = Math.max(after, m.seq);
        if (m.from !== 'user')
          bot = { text: m.text, choices: m.choices?.length ?? 0, requestContact: Boolean(m.requestContact) };
      }
      return bot !== undefined;
    }, 8000);
    return bot;
  };
  let turn = await send({ text: `/start ${code}` });
  for (let step = 0; turn && step < 15; step += 1) {
    if ((await peoplePhones(url)).includes(chatId)) return true;
    const answer = answerTo(turn);
    turn = await send('choice' in answer ? { text: '1' } : answer);
  }
  return (await peoplePhones(url)).includes(chatId);
}

const READABILITY = readFileSync(new URL('page-readability.js', import.meta.url), 'utf8');

async function checkReadable(page: Page, where: string): Promise<void> {
  const problems = (await page.evaluate(READABILITY)) as string[];
  check(problems.length === 0, `${where}: readable (${problems.join('; ') || 'no problems'})`);
}

async function shot(page: Page, name: string): Promise<void> {
  const path = `${SHOTS}${name}.png`;
  await page.screenshot({ path });
  console.log(`     screenshot: ${path}`);
}

async function checkViewport(browser: Browser, app: TestApp, v: Viewport): Promise<void> {
  const context = await browser.newContext({
    viewport: { width: v.width, height: v.height },
    isMobile: v.phone,
    hasTouch: v.phone,
    deviceScaleFactor: v.phone ? 2 : 1,
  });
  const page = await context.newPage();
  const where = (step: string) => `${v.name} ${step}`;
  page.on('console', (m) => {
    if (m.type() === 'error') failures.push(`${v.name}: console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => failures.push(`${v.name}: page error: ${e.message}`));
  page.on('requestfailed', (r) => failures.push(`${v.name}: request failed: ${r.url()}`));
  page.on('response', (r) => {
    if (r.status() >= 400) failures.push(`${v.name}: HTTP ${r.status()} for ${r.url()}`);
  });

  // The list of people.
  await page.goto(app.url);
  await page.locator('.person').first().waitFor();
  const pick = vi('simulator.pickPerson');
  // biome-ignore lint/performance/useDomNodeTextContent: the words on screen, not hidden ones
  const said = (await page.locator('body').innerText()).split(pick).length - 1;
  check(said === 1, where(`"${pick}" shown once (${said}×)`));
  await checkReadable(page, where('list'));
  await shot(page, `${v.name}-1-list`);

  // A demo member asks for the menu.
  await page.locator(`.person[data-chat-id="${DEMO_PEOPLE.memberClub1}"]`).click();
  check(await say(page, 'menu'), where('a member sends "menu" and the bot answers'));
  check((await page.locator('#log .choice').count()) > 1, where('the menu has answer buttons'));
  await checkReadable(page, where('chat'));
  await shot(page, `${v.name}-2-menu`);

  // A new phone number registers with a personal club code.
  if (v.phone) await page.locator('#back').click();
  await page.locator('#newPhone').fill(v.newPhone);
  await page.locator('#newPhone').press('Enter');
  await page.locator('#log .placeholder').waitFor();
  check((await page.locator('#newPhone').inputValue()) === '', where('the phone box is cleared'));
  check(
    (await page.locator('#chatTitle').textContent())?.replace(/\u00A0/g, ' ').includes(v.newPhone) ?? false,
    where('the new number is open'),
  );
  const chatId = toChatId(v.newPhone);
  check(await registerInPage(page, app.url, v.code, chatId), where('the newcomer registers'));
  await shot(page, `${v.name}-3-registered`);
  if (v.phone) await page.locator('#back').click();
  const inList = (id: string) => () =>
    page
      .locator(`.person[data-chat-id="${id}"]`)
      .count()
      .then((n) => n === 1);
  check(await waitUntil(inList(chatId), 3000), where('the newcomer is in the list without a reload'));
  if (!v.phone) {
    // (On a phone the list shows only when no chat is open.)
    const selected = await page
      .locator('.person[aria-current="true"]')
      .getAttribute('data-chat-id', { timeout: 2000 })
      .catch(() => null);
    check(selected === chatId, where('the open chat stays selected in the list'));
  }

  // Someone else registers meanwhile: the list shows them within its 10-second refresh.
  const other = toChatId(v.phone ? '0987 654 304' : '0987 654 303');
  const otherCode = v.phone ? DEMO_CODES.personalMember2Club2 : DEMO_CODES.personalMemberClub2;
  check(await registerByApi(app.url, otherCode, other), where('someone registers elsewhere'));
  check(await waitUntil(inList(other), 12_000), where('…and appears in the open page within 12 s'));
  await shot(page, `${v.name}-4-list-refreshed`);

  // English: the page's words and the roles, not the club names (proper names).
  await page.locator('button[data-lang="en"]').click();
  await page.locator('#peopleHeadingText', { hasText: translate('en', 'simulator.pickPerson') }).waitFor();
  const viRoles = ['chair', 'vice_chair', 'volunteer', 'member'].map((r) => vi(`roles.${r}`));
  const labelsInVietnamese = () =>
    page
      .locator('.person .name')
      .allTextContents()
      .then((labels) => labels.filter((l) => viRoles.some((role) => l.split(' · ').includes(role))));
  check(
    await waitUntil(async () => (await labelsInVietnamese()).length === 0, 5000),
    where('English roles in the list'),
  );
  const viWords = ['simulator.send', 'simulator.open', 'simulator.newPhone'].map((key) => vi(key));
  // biome-ignore lint/performance/useDomNodeTextContent: the words on screen, not hidden ones
  const body = await page.locator('body').innerText();
  check(!viWords.some((w) => body.includes(w)), where('no Vietnamese page words in English'));
  await checkReadable(page, where('English'));
  await shot(page, `${v.name}-5-english`);
  page.removeAllListeners(); // closing aborts the page's polls: not a failure
  await context.close();
}

async function main(): Promise<number> {
  if (!existsSync(CHROMIUM)) {
    console.error(
      `No chromium at ${CHROMIUM}. Install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
    return 1;
  }
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  const app = await startTestApp(isolatedEnv({ DEMO_SEED: 'true', LOG_LEVEL: 'warn' }));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    for (const v of VIEWPORTS) await checkViewport(browser, app, v);
  } catch (error) {
    failures.push(`stopped: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await browser.close();
    await app.stop();
  }
  if (failures.length) {
    console.error(`\n${failures.length} problem(s):\n- ${failures.join('\n- ')}`);
    return 1;
  }
  console.log('\nThe simulator page passed every check.');
  return 0;
}

process.exit(await main());
