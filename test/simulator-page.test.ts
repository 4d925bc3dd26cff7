/**
 * What the simulator page reads from the server, in the page's language. The page itself is
 * checked in a real browser by `npm run check:page` (scripts/check-simulator-page.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, seedDemoData } from '../src/demo/seed.ts';
import { isolatedEnv, startTestApp, type TestApp } from './support/app.ts';
import { en, vi } from './support/text.ts';

const CLUB1 = 'CLB Liên thế hệ tự giúp nhau thôn Đông Hồng';

interface Person {
  chatId: string;
  name: string;
  details: string;
}

describe('simulator page API', () => {
  let test: TestApp;
  const people = async (lang: string) => {
    const response = await fetch(`${test.url}/sim/api/people?lang=${lang}`);
    return ((await response.json()) as { people: Person[] }).people;
  };

  beforeAll(async () => {
    test = await startTestApp(isolatedEnv({ SIMULATOR: 'true' }));
    await seedDemoData(test.app.models);
  });
  afterAll(() => test.stop());

  it('names roles in the page language and keeps club names as they are', async () => {
    const chair = (list: Person[]) => list.find((p) => p.chatId === DEMO_PEOPLE.chairClub1)!;
    expect(chair(await people('en')).details).toContain(`${en('roles.chair')} · ${CLUB1}`);
    expect(chair(await people('vi')).details).toContain(`${vi('roles.chair')} · ${CLUB1}`);
    const roles = ['member', 'volunteer', 'chair', 'vice_chair'].map((role) => vi(`roles.${role}`));
    for (const person of await people('en')) {
      expect(
        roles.filter((role) => person.details.split(' · ').includes(role)),
        person.name,
      ).toEqual([]);
    }
  });

  it('answers a wrong phone number in the page language', async () => {
    const send = (lang: string) =>
      fetch(`${test.url}/sim/api/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chatId: '0912 abc!', lang, text: 'menu' }),
      });
    expect(await (await send('en')).json()).toEqual({ error: en('simulator.badChatId') });
    expect(await (await send('vi')).json()).toEqual({ error: vi('simulator.badChatId') });
  });

  it('names its icon in the page, so that browsers do not ask for /favicon.ico', async () => {
    const page = await (await fetch(test.url)).text();
    expect(page).toMatch(/<link\s+rel="icon"\s+href="data:image\/svg\+xml,/);
  });
});
