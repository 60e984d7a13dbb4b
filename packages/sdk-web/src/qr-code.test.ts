import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeQr, qrSvg } from './qr-code';

const render = (modules: boolean[][]) =>
  modules.map((row) => row.map((d) => (d ? '#' : '.')).join('')).join('\n');
const digest = (text: string) =>
  createHash('sha256')
    .update(render(encodeQr(text)))
    .digest('hex')
    .slice(0, 16);

describe('encodeQr', () => {
  it('picks the smallest version that holds the bytes (level M, byte mode)', () => {
    const size = (text: string) => encodeQr(text).length;
    expect(size('1')).toBe(21); // version 1: up to 14 bytes
    expect(size('x'.repeat(14))).toBe(21);
    expect(size('x'.repeat(15))).toBe(25);
    expect(size('https://shop.example/shop/?handoff=abcdefghijklmnopqrstuv')).toBe(33); // version 4
    expect(size('v'.repeat(213))).toBe(57); // version 10, the largest supported
    expect(() => encodeQr('v'.repeat(214))).toThrow(RangeError);
  });

  it('draws finder, timing and a format word that decodes to level M', () => {
    const modules = encodeQr('这款面霜保质期多久');
    const n = modules.length;
    const finder = ['#######', '#.....#', '#.###.#', '#.###.#', '#.###.#', '#.....#', '#######'];
    for (const [x0, y0] of [
      [0, 0],
      [n - 7, 0],
      [0, n - 7],
    ] as const) {
      const drawn = finder.map((_, y) =>
        modules[y0 + y]!.slice(x0, x0 + 7)
          .map((d) => (d ? '#' : '.'))
          .join(''),
      );
      expect(drawn).toEqual(finder);
    }
    for (let i = 8; i < n - 8; i++) expect(modules[6]![i]).toBe(i % 2 === 0);
    // Format bits around the top-left finder, unmasked, must be a BCH codeword for level M (00).
    let format = 0;
    const bits = [
      ...[0, 1, 2, 3, 4, 5, 7, 8].map((y) => modules[y]![8]!),
      ...[7, 5, 4, 3, 2, 1, 0].map((x) => modules[8]![x]!),
    ];
    bits.forEach((dark, i) => {
      if (dark) format |= 1 << i;
    });
    format ^= 0x5412;
    expect(format >>> 13).toBe(0);
    let remainder = format >>> 10;
    for (let i = 0; i < 10; i++) remainder = (remainder << 1) ^ ((remainder >>> 9) * 0x537);
    expect(((format >>> 10) << 10) | remainder).toBe(format);
    expect(modules[n - 8]![8]).toBe(true); // the dark module
  });

  it('stays module-for-module what zbarimg decoded when it was written', () => {
    // These matrices were rendered to PGM and decoded by zbar-tools (versions 1, 4 and 10).
    expect(digest('HELLO')).toBe('956b61f34d0cde4d');
    expect(digest('https://shop.example/shop/?handoff=abcdefghijklmnopqrstuv')).toBe('c82de4fc9763740b');
    expect(digest('v'.repeat(213))).toBe('a57d8cb218bac9bb');
  });

  it('renders an SVG with a quiet zone and an accessible label', () => {
    const svg = qrSvg('https://a.example/?handoff=abc', 'QR "code"');
    expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 37 37"/);
    expect(svg).toContain('aria-label="QR &quot;code&quot;"');
  });
});
