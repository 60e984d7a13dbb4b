import { randomUUID } from 'node:crypto';
import { voiceTurnAnswer } from '@threadline/sdk-core/protocol';
import webhooks from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge';
import { anonymousId, createTestApi, type TestApi, UNLIMITED } from './harness';
import { armWriteRace } from './write-race';

// Faults found in the review of issue 15 (voice), each as a kind: what a knowledge base may hold
// reaches TwiML and SSML intact, a keypad-only caller is not stuck in a loop, and an escalation
// with nobody on duty does not leave the caller in a queue nobody serves.

const AUTH_TOKEN = 'twilio-auth-token-review-15-abcdef';

/** What the <Say> elements say (entities decoded). */
const said = (twiml: string) =>
  [...twiml.matchAll(/<Say[^>]*>([^<]*)<\/Say>/g)]
    .map((m) => m[1]!)
    .join('')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** XML 1.0 well-formedness as far as characters go: nothing a parser refuses. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

describe('voice review 15: the phone line under odd knowledge, keypad-only callers and an empty floor', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  let race: ReturnType<typeof armWriteRace>;

  async function twilio(params: Record<string, string>, turn?: number) {
    const path = `/v1/voice/twilio/${shop.appId}${turn === undefined ? '' : `?turn=${turn}`}`;
    const response = await api.app.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': webhooks.getExpectedTwilioSignature(
          AUTH_TOKEN,
          `http://localhost${path}`,
          params,
        ),
      },
      body: new URLSearchParams(params).toString(),
    });
    return { status: response.status, text: await response.text() };
  }
  const newCall = () => `CA${randomUUID().replace(/-/g, '')}`;

  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
    race = armWriteRace(api);
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { voice: { twilioAuthToken: AUTH_TOKEN } },
    });
    // Knowledge as merchants paste it from spreadsheets: a vertical tab (an Excel line break), a
    // noncharacter, markup characters, grouped prices and a festival date.
    const article = await api.call('POST', '/v1/kb/articles', {
      token: shop.secretKey,
      body: {
        title: '会员积分',
        questions: ['会员积分怎么用', '积分怎么抵现'],
        answer:
          '积分可以抵现\u000B100积分抵1元\uFFFF，<金卡>会员&银卡会员都能用。黑金卡售价¥2,599，11.11当天再减200元。',
      },
    });
    expect(article.status).toBe(201);
    // A long policy pasted whole: about 1,500 characters, past what one <Say> can hold.
    const clause = '会员等级每年一月一日按上一年的消费重新评定，评定结果会通过短信和App消息通知您。';
    const long = await api.call('POST', '/v1/kb/articles', {
      token: shop.secretKey,
      body: {
        title: '会员等级规则',
        questions: ['会员等级规则是什么'],
        answer: Array.from({ length: 38 }, (_, i) => `第${i + 1}条：${clause}`).join(''),
      },
    });
    expect(long.status).toBe(201);
  });
  afterAll(() => api.close());

  it('builds TwiML and SSML from knowledge holding characters XML cannot hold, escaped, numbers spoken', async () => {
    const callSid = newCall();
    expect((await twilio({ CallSid: callSid, From: '+8613811114444' })).status).toBe(200);
    const asked = await twilio(
      { CallSid: callSid, From: '+8613811114444', SpeechResult: '会员积分怎么用' },
      1,
    );
    expect(asked.status).toBe(200);
    expect(asked.text).not.toMatch(XML_ILLEGAL);
    expect(asked.text).toContain('&lt;金卡&gt;');
    const words = said(asked.text);
    expect(words).toContain('一百积分抵一元');
    expect(words).toContain('两千五百九十九元');
    expect(words).toContain('双十一当天再减两百元');
    expect(words).not.toMatch(/\d/);

    const turn = await api.call('POST', '/v1/voice/turn', {
      token: shop.secretKey,
      body: {
        callId: 'review15-ssml',
        from: '+8613811115555',
        event: 'speech',
        utterance: '积分怎么抵现',
        sequence: 0,
      },
    });
    expect(turn.status).toBe(200);
    const answer = voiceTurnAnswer.parse(turn.body);
    expect(answer.speak).not.toMatch(XML_ILLEGAL);
    expect(answer.ssml).not.toMatch(XML_ILLEGAL);
    expect(answer.ssml).toContain('&lt;金卡&gt;');
    expect(answer.speak).toContain('两千五百九十九元');
  });

  it('says a long answer whole, in <Say>s Twilio can read (≤ 3,000 bytes each), cut after sentences', async () => {
    const callSid = newCall();
    await twilio({ CallSid: callSid, From: '+8613811119999' });
    const asked = await twilio(
      { CallSid: callSid, From: '+8613811119999', SpeechResult: '会员等级规则是什么' },
      1,
    );
    expect(asked.status).toBe(200);
    const says = [...asked.text.matchAll(/<Say[^>]*>([^<]*)<\/Say>/g)].map((m) => m[1]!);
    expect(says.length).toBeGreaterThan(1);
    for (const part of says) {
      expect(Buffer.byteLength(part, 'utf8')).toBeLessThanOrEqual(3000);
      expect(part).toMatch(/。$/);
    }
    const words = said(asked.text);
    expect(words).toContain('第一条');
    expect(words).toContain('第三十八条');
    expect(asked.text.indexOf('<Gather')).toBeLessThan(asked.text.indexOf('<Say'));
  });

  it('reads the options of a clarifying answer aloud, says the last answer again on 重复, and knows when no steps are being read', async () => {
    let sequence = 0;
    const turn = async (body: Record<string, unknown>) =>
      voiceTurnAnswer.parse(
        (
          await api.call('POST', '/v1/voice/turn', {
            token: shop.secretKey,
            body: { callId: 'review15-options', from: '+8613811110000', sequence: sequence++, ...body },
          })
        ).body,
      );
    await turn({ event: 'start' });
    // A step word with no how-to being read: not sent to the shop's knowledge as a question.
    const messagesBefore = await api.rows<{ n: number }>('SELECT count(*) AS n FROM messages');
    const next = await turn({ event: 'speech', utterance: '下一步' });
    expect(next.speak).toContain('没有正在读的步骤');
    expect(await api.rows('SELECT count(*) AS n FROM messages')).toEqual(messagesBefore);

    const price = await turn({ event: 'speech', utterance: '玻尿酸面霜多少钱' });
    expect(price.speak).toContain('一百八十九元');
    const again = await turn({ event: 'speech', utterance: '再说一遍' });
    expect(again.speak).toBe(price.speak);

    // A clarifying answer: on a screen its options are buttons; on the phone they are said.
    const unsure = await turn({ event: 'speech', utterance: '双十一有什么活动' });
    const [clarify] = await api.rows<{ meta: string }>(
      "SELECT meta FROM messages WHERE author_type = 'bot' AND channel = 'phone' ORDER BY seq DESC LIMIT 1",
    );
    const options = (JSON.parse(clarify!.meta) as { quickReplies?: string[] }).quickReplies ?? [];
    expect(options.length).toBeGreaterThan(0);
    expect(unsure.speak).toContain('您可以说');
    for (const option of options) expect(unsure.speak).toContain(option.slice(0, 4));
  });

  it('keeps callers with a withheld number apart: Twilio’s placeholder caller ids are no customer', async () => {
    // ANONYMOUS, UNAVAILABLE (looks like a Chengdu landline), RESTRICTED, and a plain "anonymous".
    for (const withheld of ['+266696687', '+86282452253', '+7378742833', 'anonymous']) {
      const first = newCall();
      await twilio({ CallSid: first, From: withheld });
      await twilio({ CallSid: first, From: withheld, SpeechResult: '玻尿酸水润保湿面霜多少钱' }, 1);
      const second = newCall();
      await twilio({ CallSid: second, From: withheld });
      const asked = said(
        (await twilio({ CallSid: second, From: withheld, SpeechResult: '保质期多久' }, 1)).text,
      );
      // The second caller is someone else: no memory of the first one's cream.
      expect(asked).not.toContain('玻尿酸');
      const callers = await api.rows<{ customer_id: string }>(
        'SELECT customer_id FROM voice_calls WHERE call_id IN (?, ?)',
        [first, second],
      );
      expect(new Set(callers.map((c) => c.customer_id)).size).toBe(2);
      const phones = await api.rows<{ n: number }>(
        "SELECT count(*) AS n FROM identities WHERE kind = 'phone' AND customer_id IN (?, ?)",
        callers.map((c) => c.customer_id),
      );
      expect(phones[0]!.n).toBe(0);
    }
  });

  it('stores one question and one answer when a turn arrives twice at once (a platform retrying a slow turn)', async () => {
    const callSid = newCall();
    const from = '+8613811110101';
    await twilio({ CallSid: callSid, From: from });
    const before = await api.rows<{ n: number }>('SELECT count(*) AS n FROM messages');
    const form = { CallSid: callSid, From: from, SpeechResult: '运费多少' };
    const answers = await Promise.all([twilio(form, 1), twilio(form, 1), twilio(form, 1)]);
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(said(answers[0]!.text)).toContain('九十九元');
    const after = await api.rows<{ n: number }>('SELECT count(*) AS n FROM messages');
    expect(after[0]!.n - before[0]!.n).toBe(2);
    // The generic protocol the same.
    const body = {
      callId: 'review15-race',
      from: '+8613811110202',
      event: 'speech',
      utterance: '运费多少',
      sequence: 1,
    };
    const mid = await api.rows<{ n: number }>('SELECT count(*) AS n FROM messages');
    const turns = await Promise.all(
      [0, 1, 2].map(() => api.call('POST', '/v1/voice/turn', { token: shop.secretKey, body })),
    );
    expect(new Set(turns.map((t) => JSON.stringify(t.body))).size).toBe(1);
    const end = await api.rows<{ n: number }>('SELECT count(*) AS n FROM messages');
    expect(end[0]!.n - mid[0]!.n).toBe(2);
  });

  it('answers a retry that arrives after the next turn with its own answer, storing nothing again', async () => {
    const callSid = newCall();
    const from = '+8613811110303';
    await twilio({ CallSid: callSid, From: from });
    const first = await twilio({ CallSid: callSid, From: from, SpeechResult: '怎么退货' }, 1);
    const second = await twilio({ CallSid: callSid, From: from, SpeechResult: '下一步' }, 2);
    expect(said(second.text)).toContain('第二步');
    const before = await api.rows<{ n: number }>('SELECT count(*) AS n FROM messages');
    // Turn 1 again, late: the same TwiML as the first time (its step, its next-turn action).
    const late = await twilio({ CallSid: callSid, From: from, SpeechResult: '怎么退货' }, 1);
    expect(late.text).toBe(first.text);
    // And the latest turn's retry is still its own answer.
    expect((await twilio({ CallSid: callSid, From: from, SpeechResult: '下一步' }, 2)).text).toBe(
      second.text,
    );
    expect(await api.rows('SELECT count(*) AS n FROM messages')).toEqual(before);
  });

  it('does not read a customer’s orders to whoever shows their caller id, until the caller proves it is them', async () => {
    // Caller ids are easily spoofed: anyone can call "from" a shopper's number. Order numbers and
    // tracking numbers read aloud are what refund scams start from.
    const phone = '+8613811110404';
    const identityToken = await shop.identityToken('user-review15-orders', { phone });
    const app = await shop.startSession({
      channel: 'app',
      anonymousId: `anon-${randomUUID()}`,
      identityToken,
    });
    const pushed = await api.call('POST', '/v1/orders', {
      token: shop.secretKey,
      body: {
        customer: { externalId: 'user-review15-orders' },
        orders: [
          {
            id: 'LY20261130777',
            status: 'shipped',
            carrier: '顺丰',
            trackingNumber: 'SF1234567890',
            items: [{ name: '面霜', quantity: 1 }],
            amount: 189,
          },
        ],
      },
    });
    expect(pushed.status).toBeLessThan(300);
    const TRACKING_SPOKEN = '幺二三四五六七八九零';

    const callSid = newCall();
    await twilio({ CallSid: callSid, From: phone });
    const unverified = said(
      (await twilio({ CallSid: callSid, From: phone, SpeechResult: '我的订单到哪了' }, 1)).text,
    );
    expect(unverified).not.toContain(TRACKING_SPOKEN);
    expect(unverified).not.toContain('七七七');
    expect(unverified).toContain('确认是您本人');
    // The shopper's own app still has the answer in the timeline.
    const timeline = await api.call('GET', '/v1/timeline?limit=20', { token: app.sessionToken });
    expect(JSON.stringify(timeline.body)).toContain('SF1234567890');

    // The caller types the handoff code their signed-in app shows: now it is them.
    const handoff = await api.call('POST', '/v1/handoffs', {
      token: app.sessionToken,
      body: { toChannel: 'phone' },
    });
    expect(handoff.status).toBe(201);
    const resumed = said(
      (await twilio({ CallSid: callSid, From: phone, Digits: handoff.body.shortCode }, 2)).text,
    );
    expect(resumed).toContain('接上');
    const verified = said(
      (await twilio({ CallSid: callSid, From: phone, SpeechResult: '我的订单到哪了' }, 3)).text,
    );
    expect(verified).toContain(TRACKING_SPOKEN);
    // The status code the merchant pushed ("shipped") is said in the caller's language.
    expect(verified).toContain('已发货');
    expect(verified).not.toMatch(/shipped/i);

    // A caller id the carrier attested (STIR/SHAKEN "A", which Twilio passes as StirVerstat).
    const attested = newCall();
    await twilio({ CallSid: attested, From: phone, StirVerstat: 'TN-Validation-Passed-A' });
    const read = said(
      (
        await twilio(
          {
            CallSid: attested,
            From: phone,
            StirVerstat: 'TN-Validation-Passed-A',
            SpeechResult: '我的订单到哪了',
          },
          1,
        )
      ).text,
    );
    expect(read).toContain(TRACKING_SPOKEN);
    // And an IVR platform that verified the caller itself says so on the generic protocol.
    const vouched = voiceTurnAnswer.parse(
      (
        await api.call('POST', '/v1/voice/turn', {
          token: shop.secretKey,
          body: {
            callId: 'review15-vouched',
            from: phone,
            event: 'speech',
            utterance: '我的订单到哪了',
            sequence: 0,
            callerVerified: true,
          },
        })
      ).body,
    );
    expect(vouched.speak).toContain(TRACKING_SPOKEN);
  });

  it('re-prompts a keypad-only caller pressing keys that mean nothing twice, then offers a human', async () => {
    const callSid = newCall();
    const from = '+8613811112222';
    await twilio({ CallSid: callSid, From: from });
    const first = said((await twilio({ CallSid: callSid, From: from, Digits: '7' }, 1)).text);
    const second = said((await twilio({ CallSid: callSid, From: from, Digits: '5' }, 2)).text);
    const third = said((await twilio({ CallSid: callSid, From: from, Digits: '1' }, 3)).text);
    expect(first).toContain('没有这个选项');
    expect(second).toContain('还是没有这个选项');
    expect(second).not.toBe(first);
    expect(third).toContain('转人工');
    expect(third).toContain('按零');
    // The generic protocol counts the same way.
    const keys = async (digits: string, sequence: number) =>
      voiceTurnAnswer.parse(
        (
          await api.call('POST', '/v1/voice/turn', {
            token: shop.secretKey,
            body: { callId: 'review15-keys', from: '+8613811113333', event: 'dtmf', digits, sequence },
          })
        ).body,
      ).speak;
    await keys('8', 0);
    await keys('8', 1);
    expect(await keys('8', 2)).toContain('需要为您转接人工客服吗');
  });

  it('tells the caller when nobody is on duty, keeps the conversation queued for the agents, and puts callers through once someone is', async () => {
    const from = '+8613811116666';
    const callSid = newCall();
    await twilio({ CallSid: callSid, From: from });
    const human = await twilio({ CallSid: callSid, From: from, SpeechResult: '转人工' }, 1);
    expect(human.status).toBe(200);
    // Not a queue nobody serves: the caller hears why, and the call ends.
    expect(human.text).not.toContain('<Enqueue');
    expect(human.text).toContain('<Hangup/>');
    expect(said(human.text)).toContain('人工客服都不在线');
    const [conversation] = await api.rows<{ status: string; summary: string | null }>(
      "SELECT c.status, c.summary FROM conversations c JOIN voice_calls v ON v.customer_id = c.customer_id WHERE v.call_id = ? AND c.status <> 'resolved'",
      [callSid],
    );
    expect(conversation?.status).toBe('queued');
    expect(conversation?.summary).toBeTruthy();
    // Calling back while it still waits: the same honest answer (the generic protocol too).
    const again = voiceTurnAnswer.parse(
      (
        await api.call('POST', '/v1/voice/turn', {
          token: shop.secretKey,
          body: { callId: 'review15-empty', from, event: 'start', sequence: 0 },
        })
      ).body,
    );
    expect(again.action).toBe('hangup');
    expect(again.speak).toContain('人工客服都不在线');

    // A configured transfer target is the merchant's own call centre, with its own hours: dialled
    // even with no Threadline agent online.
    await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { voice: { transferTo: '+862161234567' } },
    });
    const dialled = newCall();
    await twilio({ CallSid: dialled, From: '+8613811118888' });
    expect((await twilio({ CallSid: dialled, From: '+8613811118888', Digits: '0' }, 1)).text).toMatch(
      /<Dial answerOnBridge="true">\+862161234567<\/Dial>/,
    );
    await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { voice: { transferTo: null } } });

    // An agent comes online: the next caller who asks for a person is put through.
    await (await shop.addAgent({ name: '值班客服' })).presence('online');
    const next = newCall();
    await twilio({ CallSid: next, From: '+8613811117777' });
    const through = await twilio({ CallSid: next, From: '+8613811117777', Digits: '0' }, 1);
    expect(through.text).toMatch(/<Enqueue>threadline-app_[^<]+<\/Enqueue>/);
  });

  /** A signed-in user whose phone is `phone`, and a web conversation of someone else's with a phone code. */
  async function callerAndForeignCode(caller: string, phone: string) {
    await shop.startSession({
      channel: 'app',
      anonymousId: anonymousId(),
      identityToken: await shop.identityToken(caller, { phone }),
    });
    const web = await shop.startSession({ channel: 'web', anonymousId: anonymousId() });
    const sent = await shop.send(web.sessionToken, '我的订单地址写错了');
    expect(sent.status).toBe(201);
    const code = await api.call('POST', '/v1/handoffs', {
      token: web.sessionToken,
      body: { toChannel: 'phone' },
    });
    expect(code.status, code.text).toBe(201);
    return {
      web,
      conversationId: sent.body.conversation.id as string,
      shortCode: code.body.shortCode as string,
    };
  }

  /** The conversation stayed where it was: no phone message in it, and the code is still unclaimed. */
  async function notJoined(conversationId: string, shortCode: string) {
    const phone = await api.rows('SELECT id FROM messages WHERE conversation_id = ? AND channel = ?', [
      conversationId,
      'phone',
    ]);
    expect(phone).toEqual([]);
    const [code] = await api.rows<{ claimed_at: number | null }>(
      'SELECT claimed_at FROM handoff_codes WHERE conversation_id = ?',
      [conversationId],
    );
    expect(code?.claimed_at ?? null, shortCode).toBeNull();
  }

  it('refuses a keypad code of another signed-in user on a signed-in caller’s line', async () => {
    const phone = '+8613922223333';
    const { web, conversationId, shortCode } = await callerAndForeignCode('user-keypad-a', phone);
    expect((await shop.identify(web.sessionToken, await shop.identityToken('user-keypad-b'))).status).toBe(
      200,
    );
    const call = newCall();
    await twilio({ CallSid: call, From: phone });
    const typed = await twilio({ CallSid: call, From: phone, Digits: `${shortCode}#` }, 1);
    expect(said(typed.text)).toContain('属于另一个账户');
    await notJoined(conversationId, shortCode);
  });

  it('refuses it too when the code’s owner signs in after the code was looked up, before the claim', async () => {
    const phone = '+8613944445555';
    const { web, conversationId, shortCode } = await callerAndForeignCode('user-keypad-c', phone);
    const call = newCall();
    await twilio({ CallSid: call, From: phone });
    let signedIn = false;
    // The keypad turn's first write is the claim: the sign-in commits after the code was looked up.
    const typed = await race.beforeFirstWrite(
      async () => {
        // The web visitor signs in as another merchant user: the merge moves the code to that user.
        const identified = await shop.identify(web.sessionToken, await shop.identityToken('user-keypad-d'));
        expect(identified.status, identified.text).toBe(200);
        signedIn = true;
      },
      () => twilio({ CallSid: call, From: phone, Digits: `${shortCode}#` }, 1),
    );
    expect(signedIn).toBe(true);
    expect(said(typed.text)).toContain('属于另一个账户');
    await notJoined(conversationId, shortCode);
  });
});
