import { OpenAPIHono } from '@hono/zod-openapi';
import {
  appAnswer,
  appLanguageAnswer,
  appLanguageBody,
  rotateKeyAnswer,
  rotateKeyBody,
  updateAppBody,
} from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import { auditActorOf } from '../audit/audit-log';
import { type ApiEnv, clientAddress } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { rotateCredential, setAppLanguage, toAppAnswer, updateMerchantApp } from './apps';

/**
 * The merchant's own app settings: origins, channels, token lifetime, handoff links, WeChat, limits,
 * keys (secret key); and the shop's language alone, which supervisors may also set.
 */
export function appSettingsRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });

  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/app',
      operationId: 'getApp',
      summary: 'Read the app’s settings',
      description: 'Rate limits are the ones in force: the app’s own over the defaults.',
      tags: ['App'],
      auth: ['secret'],
      status: 200,
      answer: appAnswer,
    }),
    (c) => {
      const app = c.get('auth').app;
      return c.json(toAppAnswer(app, deps.limits.of(app)), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'patch',
      path: '/v1/app',
      operationId: 'updateApp',
      summary: 'Change the app’s settings',
      description:
        'Omitted fields stay as they are; `null` clears handoffUrlBase or wechat, and restores every default rate limit. allowedOrigins are exact origins (scheme://host[:port]); handoffUrlBase is an http(s) URL. A change is recorded in the audit log as `app.updated` (fields changed with their previous and new values; secrets only by name), a language change also as `app.language_updated`.',
      tags: ['App'],
      auth: ['secret'],
      body: updateAppBody.meta({
        example: {
          allowedOrigins: ['https://shop.example'],
          phoneRegion: 'CN',
          rateLimits: { messagesPerSessionPerMinute: 20 },
        },
      }),
      status: 200,
      answer: appAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      const updated = await updateMerchantApp(deps, auth.app.id, c.req.valid('json'), {
        actor: auditActorOf(auth),
        from: clientAddress(c, deps.trustedProxyHops),
      });
      return c.json(toAppAnswer(updated, deps.limits.of(updated)), 200);
    },
  );

  // The shop's language alone, for a supervisor in the console: PATCH /v1/app stays secret-only,
  // since it also holds origins, keys and limits.
  const LANGUAGE_WHO =
    ' The secret key, or a supervisor’s agent token (the console’s shop settings); other agents get 403 `role_forbidden`.';
  router.openapi(
    defineRoute(deps, {
      method: 'get',
      path: '/v1/app/language',
      operationId: 'getAppLanguage',
      summary: 'Read the shop’s language',
      description: `The language the web widget speaks unless the page sets \`lang\` (BCP 47); null: the page’s \`<html lang>\` and then the browser decide.${LANGUAGE_WHO}`,
      tags: ['App'],
      auth: ['secret', 'agent'],
      agentRoles: ['supervisor'],
      status: 200,
      answer: appLanguageAnswer,
    }),
    (c) => c.json({ language: c.get('auth').app.settings.language ?? null }, 200),
  );

  router.openapi(
    defineRoute(deps, {
      method: 'put',
      path: '/v1/app/language',
      operationId: 'setAppLanguage',
      summary: 'Set the shop’s language',
      description: `A BCP 47 tag (e.g. \`en-US\`, \`zh-CN\`), or null to let the page and the browser decide. Widgets see it on their next \`GET /v1/conversation\`. A change is recorded in the audit log (\`app.language_updated\`). A malformed tag is refused with 400 \`validation_failed\`.${LANGUAGE_WHO}`,
      tags: ['App'],
      auth: ['secret', 'agent'],
      agentRoles: ['supervisor'],
      body: appLanguageBody.meta({ example: { language: 'en-US' } }),
      status: 200,
      answer: appLanguageAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      const answer = await setAppLanguage(deps, auth.app.id, c.req.valid('json').language, {
        actor: auditActorOf(auth),
        from: clientAddress(c, deps.trustedProxyHops),
      });
      return c.json(answer, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/app/keys/rotate',
      summary: 'Rotate the publishable key, the secret key or an agent’s token',
      description:
        'Returns the new credential once. The credential it replaces keeps working for `overlapSec` (default 86,400; 0 ends it now), so you can roll the new one out first. Recorded in the audit log as `app.key_rotated` (never the key).',
      tags: ['App'],
      auth: ['secret'],
      body: rotateKeyBody.meta({ example: { kind: 'secret', overlapSec: 3600 } }),
      status: 201,
      answer: rotateKeyAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      const answer = await rotateCredential(deps, auth.app.id, c.req.valid('json'), {
        actor: auditActorOf(auth),
        from: clientAddress(c, deps.trustedProxyHops),
      });
      return c.json(answer, 201);
    },
  );
  return router;
}
