// `npm run migrate`: applies pending migrations to DATABASE_URL (production and docker compose use this).
import { loadConfig } from '../platform/config.ts';
import { migrate } from './migrate.ts';

const config = loadConfig();
if (!config.DATABASE_URL) {
  console.error('DATABASE_URL: required by npm run migrate (npm start migrates its embedded database itself)');
  process.exit(78);
}
const applied = await migrate(config.DATABASE_URL, (line) => console.log(line));
console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date');
