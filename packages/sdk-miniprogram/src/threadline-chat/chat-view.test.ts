import type { Message } from '@threadline/sdk-core';
import { describe, expect, it } from 'vitest';
import {
  applyDelta,
  channelMark,
  mergeHistory,
  messageItem,
  statusText,
  textFor,
  ticketItem,
  upsert,
} from './chat-view';

const zh = textFor('zh-CN');
const message = (over: Partial<Message> = {}): Message => ({
  id: 'msg_1',
  conversationId: 'con_1',
  channel: 'miniprogram',
  author: { type: 'bot' },
  text: '您好',
  createdAt: '2024-06-11T08:00:00.000Z',
  ...over,
});

describe('the chat view model', () => {
  it('opens a card through its click-through link on the API, else its target; never a link elsewhere', () => {
    const system = { type: 'system' as const };
    const card = { title: '保养', targetUrl: 'https://shop.example/care' };
    const item = (clickUrl: string, apiUrl?: string) =>
      messageItem(
        message({ author: system, meta: { card: { ...card, clickUrl } } }),
        'miniprogram',
        zh,
        apiUrl,
      );
    expect(item('/r/msg_1.abc', 'https://api.shop.example').cardUrl).toBe(
      'https://api.shop.example/r/msg_1.abc',
    );
    // The card shown is the card with its target's host (what the shopper sees), not the redirect.
    expect(item('/r/msg_1.abc', 'https://api.shop.example').card).toEqual({ ...card, host: 'shop.example' });
    expect(item('/r/msg_1.abc').cardUrl).toBe(card.targetUrl);
    expect(item('https://evil.example/r/x', 'https://api.shop.example').cardUrl).toBe(card.targetUrl);
    expect(item('//evil.example/r/x', 'https://api.shop.example').cardUrl).toBe(card.targetUrl);
    expect(messageItem(message({ text: 'hi' }), 'miniprogram', zh, 'https://api.shop.example').cardUrl).toBe(
      '',
    );
  });

  it('keeps a link card only when its links are https, texts as they are (WXML binds them as text)', () => {
    const system = { type: 'system' as const };
    const card = {
      title: '<b>保养</b>',
      targetUrl: 'https://shop.example/care',
      imageUrl: 'https://cdn.example/a.jpg',
    };
    const shown = messageItem(
      message({ author: system, text: '<b>保养</b>', meta: { card } }),
      'miniprogram',
      zh,
    );
    expect(shown.card).toEqual({ ...card, host: 'shop.example' });
    expect(shown.showText).toBe(false);
    const withText = messageItem(
      message({ author: system, text: '给您整理了指南', meta: { card } }),
      'miniprogram',
      zh,
    );
    expect(withText.showText).toBe(true);
    for (const targetUrl of [
      'javascript:alert(1)',
      ' javascript:alert(1)',
      'http://shop.example',
      'data:text/html,x',
      '//shop.example',
      'https://a:b@shop.example',
    ]) {
      const item = messageItem(
        message({ author: system, meta: { card: { title: 'x', targetUrl } } }),
        'miniprogram',
        zh,
      );
      expect(item.card, targetUrl).toBeNull();
      expect(item.showText).toBe(true);
    }
    const badImage = messageItem(
      message({
        author: system,
        meta: { card: { title: 'x', targetUrl: 'https://ok.example', imageUrl: 'javascript:1' } },
      }),
      'miniprogram',
      zh,
    );
    expect(badImage.card).toEqual({ title: 'x', targetUrl: 'https://ok.example', host: 'ok.example' });
    expect(
      messageItem(message({ meta: { card: 'https://ok.example' as never } }), 'miniprogram', zh).card,
    ).toBeNull();
  });

  it('marks messages that came in on another channel', () => {
    expect(channelMark('web', 'miniprogram', zh)).toBe('来自网页');
    expect(channelMark('phone', 'miniprogram', zh)).toBe('来自电话');
    expect(channelMark('douyin_live', 'miniprogram', zh)).toBe('来自抖音直播');
    expect(channelMark('kuaishou_live', 'miniprogram', zh)).toBe('来自kuaishou_live');
    expect(channelMark('miniprogram', 'miniprogram', zh)).toBe('');
    expect(channelMark('web', 'miniprogram', textFor('en'))).toBe('via web');
  });

  it('speaks English for any en locale (wx.getSystemInfo says en_US), Chinese otherwise', () => {
    for (const locale of ['en', 'en-US', 'en_US', 'EN-gb']) expect(textFor(locale)).toBe(textFor('en'));
    for (const locale of ['zh-CN', 'zh_TW', undefined, '', 'fr', 'english']) expect(textFor(locale)).toBe(zh);
  });

  it('streams AI text into one row that the final message replaces', () => {
    let items = applyDelta(
      [],
      { replyId: 'msg_9', conversationId: 'con_1', delta: '未开封', index: 0 },
      'miniprogram',
      zh,
    );
    items = applyDelta(
      items,
      { replyId: 'msg_9', conversationId: 'con_1', delta: '保质期 3 年', index: 1 },
      'miniprogram',
      zh,
    );
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      key: 'm-msg_9',
      author: 'bot',
      text: '未开封保质期 3 年',
      streaming: true,
    });
    items = upsert(
      items,
      messageItem(message({ id: 'msg_9', text: '未开封保质期 3 年。' }), 'miniprogram', zh),
    );
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ text: '未开封保质期 3 年。', streaming: false });
    // A late delta does not reopen a finished reply.
    expect(
      applyDelta(
        items,
        { replyId: 'msg_9', conversationId: 'con_1', delta: '…', index: 2 },
        'miniprogram',
        zh,
      ),
    ).toBe(items);
  });

  it('renders a ticket as a card with its type, status, order and reason', () => {
    const card = ticketItem(
      {
        id: 'tkt_1',
        type: 'exchange',
        status: 'open',
        orderId: '20240611001',
        reason: '尺码偏小',
        channel: 'web',
      },
      'miniprogram',
      zh,
    );
    expect(card).toMatchObject({
      kind: 'ticket',
      key: 't-tkt_1',
      ticketTitle: '换货 工单',
      ticketStatus: '已受理',
      ticketDetail: '订单 20240611001 · 尺码偏小',
    });
  });

  it('labels a ticket type or status named like an Object.prototype member as itself', () => {
    // Ticket types are the merchant's to name (an intent's ticketType); none may find a function.
    for (const word of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const card = ticketItem({ id: 't', type: word, status: word }, 'miniprogram', zh);
      expect([card.ticketTitle, card.ticketStatus]).toEqual([`${word} 工单`, word]);
    }
  });

  it('puts history first, keeps live rows not in it, and caps the list', () => {
    const history = [messageItem(message({ id: 'a' }), 'miniprogram', zh)];
    const live = [
      messageItem(message({ id: 'a' }), 'miniprogram', zh),
      messageItem(message({ id: 'b' }), 'web', zh),
    ];
    expect(mergeHistory(history, live).map((item) => item.key)).toEqual(['m-a', 'm-b']);
    let items: ReturnType<typeof upsert> = [];
    for (let i = 0; i < 5; i++)
      items = upsert(items, messageItem(message({ id: `m${i}` }), 'miniprogram', zh), 3);
    expect(items.map((item) => item.id)).toEqual(['m2', 'm3', 'm4']);
  });

  it('names the conversation status, with the agent when one is assigned', () => {
    expect(statusText('bot', zh)).toBe('智能客服');
    expect(statusText('queued', zh)).toBe('排队等待人工…');
    expect(statusText('assigned', zh, '小美')).toBe('人工客服 · 小美');
  });
});
