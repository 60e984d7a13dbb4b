// The demo merchant's backend: what a shop's own server adds to use Threadline. It signs the
// shared identity token (HS256, the app's identity secret, never sent to the browser) for a user
// the shop has logged in, and tells its pages the publishable key and API URL.
import { SignJWT } from 'jose';

/** The shop's one demo account. A real shop looks the user up in its own database. */
export const DEMO_USER = { id: 'demo-user-1', name: '林小姐 (demo)', phone: '+8613800138000' };

/** Signs a Threadline identity token for a merchant user: `sub` and `exp` required, HS256 only. */
export async function signIdentityToken(identitySecret, user, ttlSeconds = 3600) {
  return new SignJWT({ name: user.name, ...(user.phone ? { phone: user.phone } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(new TextEncoder().encode(identitySecret));
}

/**
 * Answers the shop's two backend routes from a WHATWG Request, or returns undefined for anything
 * else. `demo` is `.threadline/demo.json` (publishableKey, apiUrl, identitySecret).
 *   POST /merchant/login   → { user, identityToken }
 *   GET  /shop/config.json → { publishableKey, apiUrl }
 */
export async function handleMerchantRequest(request, demo) {
  const { pathname } = new URL(request.url);
  if (request.method === 'POST' && pathname === '/merchant/login') {
    // The demo skips the password check a real login would do.
    const identityToken = await signIdentityToken(demo.identitySecret, DEMO_USER);
    return Response.json({ user: { id: DEMO_USER.id, name: DEMO_USER.name }, identityToken });
  }
  if (request.method === 'GET' && pathname === '/shop/config.json') {
    return Response.json(
      { publishableKey: demo.publishableKey, apiUrl: demo.apiUrl },
      { headers: { 'cache-control': 'no-store' } },
    );
  }
  return undefined;
}
