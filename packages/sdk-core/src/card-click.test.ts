import { describe, expect, it } from 'vitest';
import { cardClickUrl } from './card-click';

describe('cardClickUrl', () => {
  it('resolves the server’s click-through path against the API URL, base path included', () => {
    expect(cardClickUrl({ clickUrl: '/r/msg_1.abc' }, 'https://api.shop.example')).toBe(
      'https://api.shop.example/r/msg_1.abc',
    );
    expect(cardClickUrl({ clickUrl: '/r/msg_1.abc' }, 'https://shop.example/threadline/')).toBe(
      'https://shop.example/threadline/r/msg_1.abc',
    );
    expect(cardClickUrl({ clickUrl: '/r/msg_1.abc' }, 'http://127.0.0.1:4000')).toBe(
      'http://127.0.0.1:4000/r/msg_1.abc',
    );
  });

  it('takes an absolute link only on the API’s own origin', () => {
    const api = 'https://api.shop.example';
    expect(cardClickUrl({ clickUrl: 'https://api.shop.example/r/x.y' }, api)).toBe(
      'https://api.shop.example/r/x.y',
    );
    for (const clickUrl of [
      'https://evil.example/r/x.y',
      'https://api.shop.example.evil.example/r/x.y',
      'https://api.shop.example@evil.example/r/x.y',
      'http://api.shop.example/r/x.y',
      '//evil.example/r/x.y',
      'javascript:alert(1)',
      '/r/x y',
      '/r/x\\y',
      ' /r/x.y',
    ])
      expect(cardClickUrl({ clickUrl }, api), clickUrl).toBeNull();
  });

  it('is null without a link, without an API URL, or for a card that is not an object', () => {
    expect(cardClickUrl({ targetUrl: 'https://shop.example/' }, 'https://api.example')).toBeNull();
    expect(cardClickUrl({ clickUrl: '/r/x.y' }, undefined)).toBeNull();
    expect(cardClickUrl({ clickUrl: '/r/x.y' }, 'ftp://api.example')).toBeNull();
    expect(cardClickUrl(null, 'https://api.example')).toBeNull();
    expect(cardClickUrl('https://api.example/r/x', 'https://api.example')).toBeNull();
    expect(cardClickUrl({ clickUrl: 42 }, 'https://api.example')).toBeNull();
  });
});
