import { describe, expect, it } from 'vitest';
import { stringsFor } from './i18n';
import { ticketWords } from './ticket-card';

const ticket = {
  id: 'tkt_01JD3W5V6Z8K2N4P7Q9R',
  type: 'exchange',
  status: 'open',
  reason: 'too_small',
  wantedSize: 'L',
  orderId: '20261130001',
  intent: 'exchange_size',
  conversationId: 'cnv_01JD3W5T0B1C2D3E4F5G',
};

describe('ticket cards speak the shopper’s language and show no internal codes', () => {
  it.each([
    ['zh-CN', '换货申请 · 已受理', '尺码偏小 · 想换 L · 订单 20261130001'],
    ['en', 'Exchange request · Received', 'Too small · wants size L · Order 20261130001'],
  ] as const)('%s', (language, title, details) => {
    const words = ticketWords(ticket, stringsFor(language));
    expect(words).toEqual({ title, details });
    const text = `${words.title} ${words.details}`;
    for (const internal of ['tkt_', 'too_small', 'exchange_size', 'cnv_', 'open'])
      expect(text).not.toContain(internal);
  });

  it('unknown codes get a general label, never themselves', () => {
    const words = ticketWords(
      { id: 'tkt_x', type: 'warranty_claim_v2', status: 'escalated_l2', reason: 'x_code' },
      stringsFor('en'),
    );
    expect(words).toEqual({ title: 'After-sales request', details: '' });
  });
});
