import { describe, expect, it } from 'vitest';
import { createClient } from './client';
import { MESSAGE_MAX_LENGTH, messageLength } from './message-length';
import { messageText } from './protocol/index';
import { createFakePlatform } from './testing/index';

describe('message length is counted as the API counts it (code points)', () => {
  // What the SDK sends: the trimmed text (the API stores text exactly as it arrives).
  const samples = [
    'a'.repeat(4000),
    '😀'.repeat(4000),
    '😀'.repeat(4001),
    '中'.repeat(4001),
    `  ${'👍🏽'.repeat(2000)}  `,
    `  ${'👍🏽'.repeat(2001)}\n`,
  ];

  it.each(samples.map((s) => [s.slice(0, 4), s]))(
    'agrees with the protocol schema on %j…',
    (_label, text) => {
      const sent = text.trim();
      expect(messageLength(text) <= MESSAGE_MAX_LENGTH).toBe(messageText.safeParse(sent).success);
      expect(messageLength(text)).toBe([...sent].length);
    },
  );

  it('counts a lone surrogate once, as the iteration of strings does (the API refuses those anyway)', () => {
    expect(messageLength('\uD83D')).toBe(1);
    expect(messageLength('a\uDC00b')).toBe(3);
  });

  it('the client accepts 4,000 emoji and refuses 4,001, before any request', async () => {
    const platform = createFakePlatform();
    const client = createClient({
      appKey: 'pk_test',
      apiUrl: 'https://api.test',
      channel: 'app',
      platform,
      realtime: false,
      logger: { warn() {}, error() {} },
    });
    const answer = await client.send('😀'.repeat(4000));
    expect([...answer.message.text].length).toBe(4000);
    const before = platform.calls.length;
    await expect(client.send('😀'.repeat(4001))).rejects.toMatchObject({ code: 'invalid_input' });
    expect(platform.calls.length).toBe(before);
    client.close();
  });
});
