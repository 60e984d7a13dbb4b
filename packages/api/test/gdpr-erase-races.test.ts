import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCustomerMessage } from '../src/conversations';
import { trackEvent } from '../src/profile';
import { createTestApi, type TestApi } from './harness';

/**
 * Erase racing a write that already knows its customer. A send is authenticated (its session's
 * customer, or a channel identity's) before its transaction starts; an erase may commit in
 * between. The late write must store nothing under the erased id: otherwise the person's new text
 * sits sealed under a fresh key, export answers 404 and a second erase says it is done.
 */
describe('erase racing an incoming message', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  const rowsOf = async (customerId: string) => ({
    keys: await api.rows('SELECT id FROM customer_keys WHERE customer_id = ?', [customerId]),
    texts: (
      await api.opened(
        await api.rows<{ text: string }>('SELECT text FROM messages WHERE customer_id = ?', [customerId]),
      )
    ).map((m) => m.text),
    events: await api.rows('SELECT id FROM customer_events WHERE customer_id = ?', [customerId]),
  });

  for (const mode of ['redact', 'delete'] as const) {
    it(`a message authenticated before the erase (${mode}) commits after it: refused, nothing stored`, async () => {
      const session = await shop.startSession({ channel: 'app' });
      const customerId = session.customer.id as string;
      expect((await shop.send(session.sessionToken, 'first words')).status).toBe(201);
      const erased = await api.call('DELETE', `/v1/customers/${customerId}?messages=${mode}`, {
        token: shop.secretKey,
      });
      expect(erased.status).toBe(200);

      // What the send route does once its session check passed — the erase committed meanwhile.
      await expect(
        postCustomerMessage(api.deps, {
          appId: shop.appId,
          customerId,
          channel: 'app',
          text: 'late words, call me on 13900001111',
          clientMessageId: randomUUID(),
        }),
      ).rejects.toMatchObject({ code: 'conflict' });
      // Tracking is another write that knows its customer beforehand.
      await expect(
        trackEvent(api.deps, {
          appId: shop.appId,
          customerId,
          name: 'product_view',
          properties: { productId: 'p-late' },
        }),
      ).rejects.toMatchObject({ code: 'conflict' });

      const left = await rowsOf(customerId);
      expect(left.keys).toEqual([]);
      expect(left.texts.join('\n')).not.toContain('late words');
      expect(left.events).toEqual([]);
      // The session itself is gone, so the shopper's app starts anew (a new customer).
      expect((await shop.send(session.sessionToken, 'still there?')).status).toBe(401);
    });
  }

  it('a server channel that sends again after the erase starts a new customer; the erased one stays erased', async () => {
    const first = await shop.channelMessage('phone', { phone: '13800138111' }, 'my number is 13800138111');
    expect(first.status).toBe(201);
    const [row] = await api.rows<{ customer_id: string }>('SELECT customer_id FROM messages WHERE id = ?', [
      first.body.message.id,
    ]);
    const customerId = row!.customer_id;
    expect((await api.call('DELETE', `/v1/customers/${customerId}`, { token: shop.secretKey })).status).toBe(
      200,
    );
    const again = await shop.channelMessage('phone', { phone: '13800138111' }, 'hello again');
    expect(again.status).toBe(201);
    const [next] = await api.rows<{ customer_id: string }>('SELECT customer_id FROM messages WHERE id = ?', [
      again.body.message.id,
    ]);
    expect(next!.customer_id).not.toBe(customerId);
    expect(
      (await api.call('GET', `/v1/customers/${customerId}/export`, { token: shop.secretKey })).status,
    ).toBe(404);
    expect((await rowsOf(customerId)).texts.join('\n')).not.toContain('hello again');
  });
});
