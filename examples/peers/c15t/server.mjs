// c15t's self-hosted backend (@c15t/backend) on PostgreSQL, served by
// Node.js, as its quickstart describes: the peer of `loadtest --peer`.
// DATABASE_URL names an empty database; PORT the port (0 = any free one).
import { serve } from '@hono/node-server';
import { c15tInstance } from '@c15t/backend';
import { kyselyAdapter } from '@c15t/backend/db/adapters/kysely';
import { migrator } from '@c15t/backend/db/migrator';
import { DB } from '@c15t/backend/db/schema';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
const adapter = kyselyAdapter({ db, provider: 'postgresql' });
const migration = await migrator({ db: DB.client(adapter), schema: 'latest' });
await migration.execute?.();

const c15t = c15tInstance({
  appName: 'loadtest',
  basePath: '/api/c15t',
  trustedOrigins: ['http://127.0.0.1'],
  adapter,
});

const server = serve({ fetch: c15t.handler, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) }, (info) => {
  console.error(`c15t listening address=127.0.0.1:${info.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
