import { fastifySwagger } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createJsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { completeOperations } from './openapi-document.js';
import { markRoutesPublic } from './route-policy.js';
import './route-config.js';

export interface OpenApiOptions {
  service: string;
  version?: string;
  description?: string;
}

/**
 * Starts collecting the OpenAPI document from the routes' zod schemas. Each protected operation
 * names its permission (`x-permission`) and the bearer scheme.
 */
export function installOpenApiCollector(app: FastifyInstance, opts: OpenApiOptions): void {
  const zodTransform = createJsonSchemaTransform({ skipList: [] });
  // Called directly, not through `register`: registering defers loading, and routes a service adds
  // right after createHttpApp returns would be missed by the document. The plugin's setup is
  // synchronous (a route collector and the `swagger()` decorator).
  const swaggerOptions: Parameters<typeof fastifySwagger>[1] = {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `Dhanman ${opts.service}`,
        version: opts.version ?? '1.0.0',
        description:
          opts.description ??
          `The ${opts.service} service. Errors are application/problem+json; lists are paged with limit and cursor.`,
      },
      // Relative: the document is served by the service it describes, wherever that listens.
      servers: [{ url: '/', description: `The ${opts.service} service itself` }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform: (doc) => {
      const out = zodTransform(doc);
      const cfg = doc.route.config as { permission?: string; idempotency?: string } | undefined;
      const schema = out.schema as Record<string, unknown>;
      if (cfg?.permission && !schema.hide) {
        schema.security = [{ bearerAuth: [] }];
        schema['x-permission'] = cfg.permission;
      }
      if (cfg?.idempotency && !schema.hide) schema['x-idempotency-key'] = cfg.idempotency;
      return out;
    },
    transformObject: (doc) => completeOperations(jsonSchemaTransformObject(doc) as Record<string, unknown>),
  };
  fastifySwagger(app, swaggerOptions, (err) => {
    if (err) throw err;
  });
  // Tell plugins that depend on it (the docs page) that @fastify/swagger is there, the way
  // fastify-plugin would: a no-op plugin carrying its name, not encapsulated.
  const marker = Object.assign((_i: unknown, _o: unknown, done: () => void) => done(), {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('plugin-meta')]: { name: '@fastify/swagger' },
  });
  void app.register(marker);
}

/** The document at `/openapi.json` and a docs page at `/docs`, from the collector above. */
async function openApi(app: FastifyInstance): Promise<void> {
  await app.register(async (docs) => {
    markRoutesPublic(docs);
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}

export const openApiPlugin = fp(openApi, {
  name: 'dhanman-openapi',
  fastify: '5.x',
  dependencies: ['@fastify/swagger'],
});
