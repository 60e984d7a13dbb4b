// Plays a small working day into a running demo API (through its HTTP routes only), so the console
// has something real to show: shoppers on web, phone, Douyin live and the mini-program asking for
// a person, one with a cart and orders, one VIP. Used by the screenshot script and the bench.
import { SignJWT } from 'jose';

/** POST/GET/PUT helper with a bearer credential; throws on a non-2xx answer. */
export function apiCaller(apiUrl) {
  return async function call(method, path, token, body) {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

export function identityToken(info, sub, claims = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(info.identitySecret));
}

/** Seeds the demo conversations; returns the customers' session tokens by name. */
export async function playDemoDay(info) {
  const call = apiCaller(info.apiUrl);
  const sk = info.secretKey;
  let n = 0;
  const id = () => `demo-day-${Date.now()}-${n++}`;

  // 林小姐: web shopper, identified, VIP, cart + orders, then the phone, then asks for a person.
  await call('POST', '/v1/customers', sk, {
    customer: { externalId: 'demo-lin' },
    name: '林小姐',
    attributes: { vip: true, memberLevel: 'gold', skinType: 'dry' },
    phone: '13800138000',
    address: '上海市浦东新区世纪大道 100 号 12 楼',
  });
  await call('POST', '/v1/orders', sk, {
    customer: { externalId: 'demo-lin' },
    orders: [
      {
        id: 'LY20240518001',
        status: 'shipped',
        items: [{ productId: 'p-hyaluronic-cream', name: '玻尿酸保湿面霜 50ml', quantity: 1, price: 199 }],
        amount: 199,
        trackingNumber: 'SF1234567890',
        carrier: '顺丰',
      },
    ],
  });
  const lin = await call('POST', '/v1/sessions', info.publishableKey, {
    channel: 'web',
    identityToken: await identityToken(info, 'demo-lin', { name: '林小姐' }),
  });
  await call('POST', '/v1/track', lin.sessionToken, {
    name: 'add_to_cart',
    properties: { sku: 'p-velvet-lipstick', name: '丝绒哑光口红 #01', quantity: 1 },
  });
  await call('POST', '/v1/messages', lin.sessionToken, {
    clientMessageId: id(),
    text: '这款面霜保质期多久？',
  });
  await call('POST', '/v1/channels/phone/messages', sk, {
    from: { externalId: 'demo-lin' },
    text: '我的订单 LY20240518001 什么时候到？',
  });
  await call('POST', '/v1/channels/phone/messages', sk, { from: { externalId: 'demo-lin' }, text: '转人工' });

  // A livestream viewer asking about a size, then for a person.
  await call('POST', '/v1/channels/douyin_live/messages', sk, {
    from: { identity: { kind: 'douyin', value: 'dy_8842' } },
    text: '这件风衣M码适合165吗',
  });
  await call('POST', '/v1/channels/douyin_live/messages', sk, {
    from: { identity: { kind: 'douyin', value: 'dy_8842' } },
    text: '人工客服',
  });

  // An app user with an exchange matter.
  const chen = await call('POST', '/v1/sessions', info.publishableKey, {
    channel: 'app',
    identityToken: await identityToken(info, 'demo-chen', { name: '陈先生' }),
  });
  await call('POST', '/v1/messages', chen.sessionToken, {
    clientMessageId: id(),
    text: '衣服尺码不合适，订单 LY20240601007 想换大一码',
  });
  await call('POST', '/v1/escalate', chen.sessionToken, { reason: '想尽快换货' });

  // A mini-program shopper who asks for a person straight away.
  const mp = await call('POST', '/v1/sessions', info.publishableKey, { channel: 'miniprogram' });
  await call('POST', '/v1/messages', mp.sessionToken, {
    clientMessageId: id(),
    text: '我要投诉，快递太慢了！转人工',
  });
  return { lin, chen, mp };
}
