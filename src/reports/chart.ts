/**
 * The report chart staff get by chat: one picture, sized for a phone (1080 px wide, text 30 px
 * and up), with the reporting rate over the last 12 weeks (columns) and, for the last week, how
 * many clubs were active in each of the eight areas (bars).
 *
 * Drawn as SVG here (pure: words and numbers in, markup out; every text is given by the caller
 * from the locales) and turned into a PNG by resvg (@resvg/resvg-js, Rust, no browser) with the
 * Noto Sans font shipped in node_modules, so the Vietnamese diacritics come out the same on any
 * machine, the node:24-slim image included (it has no fonts of its own).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';

export interface ChartInput {
  title: string;
  subtitle: string;
  rateTitle: string;
  /** Oldest first: a column each (12 for the last 12 weeks). */
  rates: { label: string; reported: number; expected: number }[];
  areaTitle: string;
  /** A bar each: clubs active in the area out of those that reported. */
  areas: { label: string; active: number; of: number }[];
  /** Shown when no club was expected at all. */
  noData: string;
  footer: string;
}

const WIDTH = 1080;
const FONT = 'Noto Sans';
const BLUE = '#1F6FB2';
const GREEN = '#2E8B57';
const GREY = '#5F6B7A';
const LIGHT = '#E6ECF2';

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[char]!,
  );

/** Keeps a label on one line: at most `max` characters, with an ellipsis. */
const oneLine = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function text(x: number, y: number, content: string, size: number, extra = ''): string {
  return `<text x="${x}" y="${y}" font-family="${FONT}" font-size="${size}" ${extra}>${escapeXml(content)}</text>`;
}

const percent = (reported: number, expected: number) =>
  expected > 0 ? Math.round((reported / expected) * 100) : 0;

/** The chart as SVG markup. */
export function reportChartSvg(input: ChartInput): string {
  const parts: string[] = [];
  let y = 84;
  parts.push(text(48, y, oneLine(input.title, 40), 48, `font-weight="700" fill="#111"`));
  y += 56;
  parts.push(text(48, y, oneLine(input.subtitle, 52), 34, `fill="${GREY}"`));

  // Reporting rate: a column per week, its percentage above it.
  y += 90;
  parts.push(text(48, y, oneLine(input.rateTitle, 52), 36, `font-weight="700" fill="#111"`));
  const plotTop = y + 60;
  const plotHeight = 380;
  const plotLeft = 48;
  const plotWidth = WIDTH - 96;
  const base = plotTop + plotHeight;
  for (const level of [0, 50, 100]) {
    const ly = base - (plotHeight * level) / 100;
    parts.push(
      `<line x1="${plotLeft}" y1="${ly}" x2="${plotLeft + plotWidth}" y2="${ly}" stroke="${LIGHT}" stroke-width="2"/>`,
    );
  }
  const slots = Math.max(input.rates.length, 1);
  const slot = plotWidth / slots;
  input.rates.forEach((rate, index) => {
    const value = percent(rate.reported, rate.expected);
    const height = Math.max((plotHeight * value) / 100, 2);
    const x = plotLeft + index * slot + slot * 0.15;
    const last = index === input.rates.length - 1;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${(base - height).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${height.toFixed(1)}" rx="6" fill="${last ? BLUE : '#8DB6DB'}"/>`,
    );
    const center = (x + slot * 0.35).toFixed(1);
    parts.push(
      text(
        Number(center),
        base - height - 12,
        rate.expected > 0 ? `${value}%` : '–',
        28,
        `text-anchor="middle" font-weight="${last ? 700 : 400}" fill="#111"`,
      ),
    );
    parts.push(text(Number(center), base + 42, rate.label, 28, `text-anchor="middle" fill="${GREY}"`));
  });
  y = base + 42;

  // Areas: a bar each, "active / reported" at its end.
  y += 100;
  parts.push(text(48, y, oneLine(input.areaTitle, 52), 36, `font-weight="700" fill="#111"`));
  y += 30;
  const labelWidth = 400;
  const barLeft = 48 + labelWidth;
  const barWidth = WIDTH - barLeft - 190;
  const rowHeight = 68;
  if (input.areas.every((area) => area.of === 0)) {
    parts.push(text(48, y + 60, input.noData, 32, `fill="${GREY}"`));
    y += 100;
  }
  for (const area of input.areas) {
    y += rowHeight;
    const share = area.of > 0 ? area.active / area.of : 0;
    parts.push(text(48, y, oneLine(area.label, 22), 32, `fill="#111"`));
    parts.push(`<rect x="${barLeft}" y="${y - 34}" width="${barWidth}" height="40" rx="6" fill="${LIGHT}"/>`);
    if (share > 0)
      parts.push(
        `<rect x="${barLeft}" y="${y - 34}" width="${Math.max(barWidth * share, 4).toFixed(1)}" height="40" rx="6" fill="${GREEN}"/>`,
      );
    parts.push(
      text(barLeft + barWidth + 16, y, `${area.active}/${area.of}`, 30, `font-weight="700" fill="#111"`),
    );
  }
  y += 80;
  parts.push(text(48, y, oneLine(input.footer, 60), 26, `fill="${GREY}"`));
  const height = y + 40;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}"><rect width="${WIDTH}" height="${height}" fill="#FFFFFF"/>${parts.join('')}</svg>`;
}

/** The font files resvg draws with (regular and bold Noto Sans, shipped in node_modules). */
function fontFiles(): string[] {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@expo-google-fonts/noto-sans/package.json'));
  return [join(root, '400Regular', 'NotoSans_400Regular.ttf'), join(root, '700Bold', 'NotoSans_700Bold.ttf')];
}

/** The chart as a PNG. */
export function reportChartPng(input: ChartInput): Buffer {
  const resvg = new Resvg(reportChartSvg(input), {
    font: { loadSystemFonts: false, fontFiles: fontFiles(), defaultFontFamily: FONT },
    fitTo: { mode: 'original' },
  });
  return resvg.render().asPng();
}
