import { OpenAPIHono } from '@hono/zod-openapi';
import {
  kbArticleAnswer,
  kbArticleBody,
  kbArticleList,
  kbDeleted,
  kbIdParam,
  kbImportAnswer,
  kbImportBody,
  kbIntentAnswer,
  kbIntentBody,
  kbIntentList,
  kbProductAnswer,
  kbProductBody,
  kbProductList,
} from '@threadline/sdk-core/protocol';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { ApiError } from '../platform/errors';
import {
  deleteKnowledgeItem,
  getArticle,
  getIntent,
  getProduct,
  importKnowledge,
  type KnowledgeKind,
  listArticles,
  listIntents,
  listProducts,
  upsertArticle,
  upsertIntent,
  upsertProduct,
} from './knowledge';

/** Largest knowledge file `POST /v1/kb/import` takes (the global body limit is far smaller). */
export const KB_IMPORT_MAX_BYTES = 5 * 1024 * 1024;

const found = <T>(value: T | null, what: string): T => {
  if (value === null) throw new ApiError('not_found', `No such ${what}.`);
  return value;
};

/** The app's knowledge base: articles, products and intents the AI answers from (secret key). */
export function knowledgeRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  const appId = (c: { get(key: 'auth'): ApiEnv['Variables']['auth'] }) => c.get('auth').app.id;
  const base = { tags: ['Knowledge base'], auth: ['secret' as const] };

  router.openapi(
    defineRoute(deps, {
      ...base,
      method: 'post',
      path: '/v1/kb/articles',
      operationId: 'upsertArticle',
      summary: 'Create an article, or replace the one with the same id',
      body: kbArticleBody,
      status: 201,
      answer: kbArticleAnswer,
    }),
    async (c) => c.json({ article: await upsertArticle(deps, appId(c), c.req.valid('json')) }, 201),
  );

  router.openapi(
    defineRoute(deps, {
      ...base,
      method: 'post',
      path: '/v1/kb/import',
      operationId: 'importKnowledge',
      summary: 'Import articles, products and intents in one go (same ids update)',
      description: `Up to ${KB_IMPORT_MAX_BYTES / 1024 / 1024} MiB. The index is rebuilt on the next message.`,
      body: kbImportBody,
      status: 200,
      answer: kbImportAnswer,
    }),
    async (c) => c.json(await importKnowledge(deps, appId(c), c.req.valid('json')), 200),
  );

  router.openapi(
    defineRoute(deps, {
      ...base,
      method: 'get',
      path: '/v1/kb/articles',
      operationId: 'listArticles',
      summary: 'List the articles',
      status: 200,
      answer: kbArticleList,
    }),
    async (c) => c.json({ articles: await listArticles(deps, appId(c)) }, 200),
  );
  router.openapi(
    defineRoute(deps, {
      ...base,
      method: 'get',
      path: '/v1/kb/articles/{id}',
      operationId: 'getArticle',
      summary: 'Read one article',
      params: kbIdParam,
      status: 200,
      answer: kbArticleAnswer,
    }),
    async (c) =>
      c.json({ article: found(await getArticle(deps, appId(c), c.req.valid('param').id), 'article') }, 200),
  );

  router.openapi(
    defineRoute(deps, {
      ...base,
      method: 'post',
      path: '/v1/kb/products',
      operationId: 'upsertProduct',
      summary: 'Create a product, or replace the one with the same id',
      body: kbProductBody,
      status: 201,
      answer: kbProductAnswer,
    }),
    async (c) => c.json({ product: await upsertProduct(deps, appId(c), c.req.valid('json')) }, 201),
  );
  router.openapi(
    defineRoute(deps, {
      ...base,
      method: 'get',
      path: '/v1/kb/products',
      operationId: 'listProducts',
      summary: 'List the products',
      status: 200,
      answer: kbProductList,
    }),
    async (c) => c.json({ products: await listProducts(deps, appId(c)) }, 200),
  );
  router.openapi(
    defineRoute(deps, {
      ...base,
      method: 'get',
      path: '/v1/kb/products/{id}',
      operationId: 'getProduct',
      summary: 'Read one product',
      params: kbIdParam,
      status: 200,
      answer: kbProductAnswer,
    }),
    async (c) =>
      c.json({ product: found(await getProduct(deps, appId(c), c.req.valid('param').id), 'product') }, 200),
  );

  router.openapi(
    defineRoute(deps, {
      ...base,
      method: 'post',
      path: '/v1/kb/intents',
      operationId: 'upsertIntent',
      summary: 'Create an intent, or replace the one with the same id',
      body: kbIntentBody,
      status: 201,
      answer: kbIntentAnswer,
    }),
    async (c) => c.json({ intent: await upsertIntent(deps, appId(c), c.req.valid('json')) }, 201),
  );
  router.openapi(
    defineRoute(deps, {
      ...base,
      method: 'get',
      path: '/v1/kb/intents',
      operationId: 'listIntents',
      summary: 'List the intents',
      status: 200,
      answer: kbIntentList,
    }),
    async (c) => c.json({ intents: await listIntents(deps, appId(c)) }, 200),
  );
  router.openapi(
    defineRoute(deps, {
      ...base,
      method: 'get',
      path: '/v1/kb/intents/{id}',
      operationId: 'getIntent',
      summary: 'Read one intent',
      params: kbIdParam,
      status: 200,
      answer: kbIntentAnswer,
    }),
    async (c) =>
      c.json({ intent: found(await getIntent(deps, appId(c), c.req.valid('param').id), 'intent') }, 200),
  );

  for (const [kind, noun] of [
    ['articles', 'article'],
    ['products', 'product'],
    ['intents', 'intent'],
  ] as [KnowledgeKind, string][]) {
    router.openapi(
      defineRoute(deps, {
        ...base,
        method: 'delete',
        path: `/v1/kb/${kind}/{id}`,
        operationId: `delete${noun[0]!.toUpperCase()}${noun.slice(1)}`,
        summary: `Delete one ${noun}`,
        params: kbIdParam,
        status: 200,
        answer: kbDeleted,
      }),
      async (c) => {
        const deleted = await deleteKnowledgeItem(deps, appId(c), kind, c.req.valid('param').id);
        if (!deleted) throw new ApiError('not_found', `No such ${noun}.`);
        return c.json({ deleted: true as const }, 200);
      },
    );
  }
  return router;
}
