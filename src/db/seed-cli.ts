// `npm run seed -- [users]`: seeds the demo warehouse at DATABASE_URL once (benchmarks pass millions).
import { loadConfig } from '../platform/config.ts';
import { createDatabasePool } from './pool.ts';
import { seedDemoWarehouse } from './seed.ts';

const config = loadConfig();
if (!config.DATABASE_URL) {
  console.error('DATABASE_URL: required by npm run seed (npm start seeds its embedded database itself)');
  process.exit(78);
}
const users = Number(process.argv[2] ?? config.DEMO_SEED_USERS);
if (!Number.isInteger(users) || users < 0) {
  console.error(`users must be a whole number, got ${process.argv[2]}`);
  process.exit(2);
}
const pool = await createDatabasePool(config.DATABASE_URL);
try {
  console.log((await seedDemoWarehouse(pool, { users })) ? `seeded ${users} users` : 'the demo warehouse is already seeded');
} finally {
  await pool.end();
}
