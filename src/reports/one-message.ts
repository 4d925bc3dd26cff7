/**
 * The one-message form of a weekly report, like DHIS2's SMS commands: `bc 1 35 30 …` gives every
 * value in the definition's order; `bc hop=1 dd=35 …` gives some by code. Pure.
 */
import { parseCount, parseMoney, parseYesNo } from '../engine/answers.ts';
import type { DataElement, ReportValue, ReportValues } from './definitions.ts';

export type ReportMessage =
  | { ok: true; values: ReportValues }
  /** Positional values, but not as many as asked. */
  | { ok: false; reason: 'count'; got: number }
  /** A value that is not right for its element (1-based position, or its code). */
  | { ok: false; reason: 'value'; code: string }
  | { ok: false; reason: 'unknownCode'; code: string };

/** One value as typed in the short form (no spaces inside): "35", "1tr5", "1.500.000", "c"/"k". */
export function readShortValue(element: DataElement, token: string): ReportValue | undefined {
  if (element.type === 'yesno') {
    if (token === '1') return true;
    if (token === '0') return false;
    return parseYesNo(token);
  }
  const value = element.type === 'vnd' ? parseMoney(token) : parseCount(token);
  if (value === undefined || value < (element.min ?? 0) || value > (element.max ?? Number.MAX_SAFE_INTEGER)) {
    return undefined;
  }
  return value;
}

/** Reads the values after the command word (`rest`: the message without "bc"). */
export function parseReportMessage(rest: string, elements: DataElement[]): ReportMessage {
  const tokens = rest
    .trim()
    .split(/[\s;]+/)
    .filter(Boolean);
  const values: ReportValues = {};
  if (tokens.some((t) => t.includes('='))) {
    for (const token of tokens) {
      const [code = '', raw = ''] = token.split('=', 2);
      const element = elements.find((e) => e.code === code.toLowerCase());
      if (!element) return { ok: false, reason: 'unknownCode', code: code.slice(0, 20) };
      const value = readShortValue(element, raw);
      if (value === undefined) return { ok: false, reason: 'value', code: element.code };
      values[element.code] = value;
    }
    return { ok: true, values };
  }
  if (tokens.length !== elements.length) return { ok: false, reason: 'count', got: tokens.length };
  for (const [i, element] of elements.entries()) {
    const value = readShortValue(element, tokens[i]!);
    if (value === undefined) return { ok: false, reason: 'value', code: element.code };
    values[element.code] = value;
  }
  return { ok: true, values };
}
