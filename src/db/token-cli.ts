// `npm run token -- create --role dpo --org acme --name jane` | `revoke --name jane` | `list`
// Staff API tokens: the plain token is printed once, at creation; only its SHA-256 is stored.
import { parseArgs } from 'node:util';
import { loadConfig, publicUrl } from '../platform/config.ts';
import { CALENDAR_IDS, CALENDARS, isCalendarId } from '../domain/calendars.ts';
import { createSigninLink } from './console-sessions.ts';
import { setEstablishmentCalendar } from './organizations.ts';
import { createDatabasePool } from './pool.ts';
import { createToken, listTokens, revokeToken, ROLES, TokenNameTaken, type Role } from './tokens.ts';

const USAGE = `usage:
  npm run token -- create --role <${ROLES.join('|')}> [--org <organization>] --name <name>
  npm run token -- revoke --name <name>
  npm run token -- list
  npm run token -- signin-link --name <name> [--minutes <1-1440, default 15>]
  npm run token -- establish --org <organization> --calendar <${CALENDAR_IDS.join('|')}|none>
A controller token needs --org (it sees that organization's requests only). A sign-in link opens the staff
console once as that token (PUBLIC_URL is the address printed). DATABASE_URL names the database;
without it, the embedded database of 'npm start' (EMBEDDED_PG_PORT) is used. 'establish' records where the
organization's controller is established: the holiday calendar its deadlines count with (docs/deadlines.md).`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(64);
}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { role: { type: 'string' }, org: { type: 'string' }, calendar: { type: 'string' }, name: { type: 'string' }, minutes: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
}

const { positionals, values } = parseCommandLine();
const command = positionals[0];
// Asked-for help is an answer, not an error: stdout and exit 0, before any database is opened.
if (values.help || command === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (!command) fail('a command is required');

const config = loadConfig();
const url = config.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${config.EMBEDDED_PG_PORT}/dsrflow`;
const pool = await createDatabasePool(url, { maximumPoolSize: 1 });
try {
  if (command === 'create') {
    const role = values.role as Role | undefined;
    if (!role || !ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
    if (!values.name || !/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/.test(values.name)) fail('--name is required: letters, digits, . _ @ -');
    const org = values.org ?? null;
    if (org !== null && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(org)) fail('--org: lowercase letters, digits and dashes');
    if (role === 'controller' && org === null) fail('a controller token needs --org');
    const { token } = await createToken(pool, { name: values.name, role, organizationId: org });
    console.log(`created ${role} token "${values.name}"${org ? ` for organization ${org}` : ''}. It is shown only now:\n${token}`);
  } else if (command === 'revoke') {
    if (!values.name) fail('--name is required');
    if (!(await revokeToken(pool, values.name))) {
      console.error(`no active token named "${values.name}"`);
      process.exitCode = 1;
    } else console.log(`revoked "${values.name}"`);
  } else if (command === 'signin-link') {
    if (!values.name) fail('--name is required');
    const minutes = Number(values.minutes ?? 15);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) fail('--minutes: a whole number from 1 to 1440');
    const secret = await createSigninLink(pool, values.name, minutes * 60);
    if (!secret) {
      console.error(`no active token named "${values.name}"`);
      process.exitCode = 1;
    } else console.log(`one-time sign-in link for "${values.name}", valid ${minutes} minute(s), shown only now:\n${publicUrl(config)}/console/sign-in/link/${secret}`);
  } else if (command === 'establish') {
    const org = values.org;
    if (!org || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(org)) fail('--org is required: lowercase letters, digits and dashes');
    const calendar = values.calendar === 'none' ? null : values.calendar;
    if (calendar === undefined || (calendar !== null && !isCalendarId(calendar))) fail(`--calendar must be one of ${CALENDAR_IDS.join(', ')}, or none`);
    await setEstablishmentCalendar(pool, org, calendar);
    console.log(`organization ${org}: ${calendar === null ? 'no establishment (each regulation counts with its own calendar)' : `established in ${calendar} (${CALENDARS[calendar].name})`}`);
  } else if (command === 'list') {
    const rows = await listTokens(pool);
    console.log(['name', 'role', 'organization', 'created', 'last used', 'revoked'].join('\t'));
    for (const t of rows) console.log([t.name, t.role, t.organization_id ?? '*', t.created_at, t.last_used_at ?? '-', t.revoked_at ?? '-'].join('\t'));
  } else {
    fail(`unknown command "${command}"`);
  }
} catch (error) {
  if (error instanceof TokenNameTaken) {
    console.error(error.message);
    process.exitCode = 1;
  } else throw error;
} finally {
  await pool.end();
}
