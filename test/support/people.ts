/**
 * People for transcripts: members given a chat on a channel, and a newcomer's
 * answers up to the registration summary.
 */
import { expect } from 'vitest';
import type { Role } from '../../src/engine/types.ts';
import type { ChannelHarness, ChatDriver, Reply } from './chats.ts';
import { vi } from './text.ts';

/** Gives member `memberId` chat number `n` on this channel and opens it (the bot learns who writes). */
export async function chatOf(h: ChannelHarness, memberId: string, n: number): Promise<ChatDriver> {
  const chatId = h.chatIdOf(n);
  await h.test.app.models.Identity.updateOne(
    { _id: `${h.channel}:${chatId}` },
    { $set: { channel: h.channel, chatId, memberId } },
    { upsert: true },
  );
  const chat = h.chat(n);
  // A person who uses the bot: on the Zalo OA this also opens the 7-day window for messages to them.
  await chat.say('menu');
  return chat;
}

/** The chat of the demo member with `phone`. */
export async function chatOfPhone(h: ChannelHarness, phone: string, n: number): Promise<ChatDriver> {
  const member = await h.test.app.models.Member.findOne({ phone }).lean();
  return chatOf(h, String(member!._id), n);
}

/** A new active member with these roles (`clubIds` in the order given), with chat number `n`. */
export async function memberWith(
  h: ChannelHarness,
  n: number,
  fullName: string,
  roles: { role: Role; clubId: string }[],
): Promise<{ id: string; chat: ChatDriver }> {
  const member = await h.test.app.models.Member.create({
    fullName,
    // An elder, as most members are: the bot calls her "bác".
    birthYear: 1950,
    gender: 'female',
    status: 'active',
    roles,
    clubIds: [...new Set(roles.map((grant) => grant.clubId))],
  });
  const id = String(member._id);
  return { id, chat: await chatOf(h, id, n) };
}

/** Answers every registration question after `/start code` up to the summary; returns the summary. */
export async function fillIn(chat: ChatDriver, code: string, phone: string, name: string): Promise<Reply> {
  expect((await chat.say(`/start ${code}`)).text).toContain(vi('register.askLanguage'));
  expect((await chat.say('1')).text).toContain(vi('register.agree'));
  expect((await chat.say('1')).text).toContain(vi('register.askName'));
  expect((await chat.say(name)).text).toContain(vi('register.askYear'));
  expect((await chat.say('1950')).text).toContain(vi('gender.female'));
  expect((await chat.say('1')).text).toContain(vi('register.askPhone'));
  const summary = await chat.say(phone);
  expect(summary.text).toContain(vi('register.confirm'));
  return summary;
}
