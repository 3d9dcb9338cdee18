// PostgreSQL's own cost per CDR on this machine, apart from the gateway: the
// tracker's write pattern through the real repository (`upsertCdrs`, 100-row
// batches; each message inserted at its submit result, then updated by its
// receipt a few batches later), with the table's fillfactor and the
// statement's preparation varied, and the prepaid-credit triggers off, on
// for a postpaid customer, or on for a prepaid one (`--charging`). Reads PostgreSQL's CPU (every `postgres`
// process, from /proc) and the table's HOT-update share and size. Prints a
// table and writes bench-results/cdr-<timestamp>.json. Run after `pnpm build`:
//
//   node scripts/bench-cdr.mjs [--fillfactors 100,60] [--batches 300] [--lag 3]
//                              [--rounds 2] [--charging postpaid]
//                              (--charging: any of off,postpaid,prepaid)
//
// Each scenario runs once unnamed (Kysely's own way) and once through
// runtime's createKysely, which runs the marked upsert as a named prepared
// statement; rounds alternate them, since this machine drifts within minutes.
// Uses DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres)
// to create one scratch database, dropped afterwards (also on Ctrl-C).
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { listProcesses, processCpuMs, writeBenchResults } from './proc-stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (pkg) => import(pathToFileURL(join(root, pkg, 'dist/index.js')).href);
const { createCustomer, createDatabase, migrateToLatest, upsertCdrs } = await load('packages/db');
const { createKysely, silentLogger } = await load('packages/runtime');
// kysely and pg are dependencies of packages/db, not of the workspace root.
const requireFromDb = createRequire(join(root, 'packages/db/package.json'));
const { sql } = requireFromDb('kysely');
const pg = requireFromDb('pg');

const { values } = parseArgs({
  options: {
    fillfactors: { type: 'string', default: '100,60' },
    batches: { type: 'string', default: '300' },
    lag: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    charging: { type: 'string', default: 'postpaid' },
  },
});
const positive = (name, text) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: not a positive integer: ${text}`);
  return n;
};
const fillfactors = values.fillfactors.split(',').map((v) => {
  const n = positive('fillfactors', v.trim());
  if (n < 10 || n > 100) throw new Error('--fillfactors: PostgreSQL allows 10–100');
  return n;
});
const CHARGING = ['off', 'postpaid', 'prepaid'];
const chargings = values.charging.split(',').map((v) => {
  if (!CHARGING.includes(v.trim())) throw new Error(`--charging: one of ${CHARGING.join(', ')}`);
  return v.trim();
});
const batches = positive('batches', values.batches);
const lag = positive('lag', values.lag);
const rounds = positive('rounds', values.rounds);
const ROWS = 100;

const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `smppgw_cdrbench_${Date.now()}_${randomBytes(4).toString('hex')}`;
const dbUrl = new URL(adminUrl);
dbUrl.pathname = `/${dbName}`;

async function admin(text) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
let dropped = false;
async function dropDatabase() {
  if (dropped) return;
  dropped = true;
  await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
}
process.once('SIGINT', () => {
  void dropDatabase().finally(() => process.exit(130));
});

/** CPU µs of every postgres process (the server's and its backends') so far. */
function postgresCpuUs() {
  let ms = 0;
  for (const { pid, comm } of listProcesses()) {
    if (comm.startsWith('postgres')) ms += processCpuMs(pid) ?? 0;
  }
  return ms * 1000;
}

const vendorId = randomUUID();
/** customer id per --charging value (accounts created after the migration). */
const customers = {};
function submitted(messageId, customerId) {
  return {
    messageId,
    customerId,
    // As the router marks a prepaid customer's price.
    chargePrepaid: customerId === customers.prepaid,
    systemId: 'bench',
    vendorId,
    vendorMessageId: `V${messageId}`,
    vendorMessageKey: `v${messageId.toLowerCase()}`,
    sourceAddr: 'GATEWAY',
    destinationAddr: '4915112345678',
    segments: 1,
    pricePerSegmentMicros: 10_000,
    costPerSegmentMicros: 5_000,
    currency: 'EUR',
    submitStatus: 'submitted',
    acceptedAt: new Date(),
    submittedAt: new Date(),
    registeredDelivery: 1,
    sourceTon: 5,
    sourceNpi: 0,
    destinationTon: 1,
    destinationNpi: 1,
  };
}

async function scenario(db, fillfactor, prepared, charging, run) {
  await sql`TRUNCATE messaging.cdrs`.execute(db);
  await sql
    .raw(`ALTER TABLE messaging.cdrs ${charging === 'off' ? 'DISABLE' : 'ENABLE'} TRIGGER USER`)
    .execute(db);
  const customerId = customers[charging];
  await sql.raw(`ALTER TABLE messaging.cdrs SET (fillfactor = ${fillfactor})`).execute(db);
  await sql`VACUUM FULL messaging.cdrs`.execute(db);
  const before = (
    await sql`SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot
      FROM pg_stat_user_tables WHERE relid = 'messaging.cdrs'::regclass`.execute(db)
  ).rows[0];
  const pool = createKysely({
    url: dbUrl.toString(),
    logger: silentLogger,
    poolMax: 1,
    preparedStatements: prepared,
    applicationName: 'bench-cdr',
  });
  const ids = [];
  const cpu0 = postgresCpuUs();
  const wall0 = performance.now();
  for (let b = 0; b < batches; b += 1) {
    const batch = Array.from(
      { length: ROWS },
      (_, i) => `${run}-${String(b).padStart(6, '0')}-${String(i).padStart(4, '0')}`,
    );
    ids.push(batch);
    await upsertCdrs(
      pool.db,
      batch.map((id) => submitted(id, customerId)),
    );
    const receipts = ids[b - lag];
    if (receipts) {
      await upsertCdrs(
        pool.db,
        receipts.map((id) => ({
          ...submitted(id, customerId),
          deliveryStatus: 'DELIVRD',
          doneAt: new Date(),
        })),
      );
    }
  }
  const cpuUs = postgresCpuUs() - cpu0;
  const wallMs = performance.now() - wall0;
  await pool.destroy();
  // The statistics collector reports with a delay: wait until it has them all.
  const updates = (batches - lag) * ROWS;
  let stats;
  for (let tries = 0; tries < 50; tries += 1) {
    await sql`SELECT pg_stat_clear_snapshot()`.execute(db);
    stats = (
      await sql`SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot,
          pg_relation_size('messaging.cdrs')::bigint / 8192 AS pages,
          pg_indexes_size('messaging.cdrs')::bigint / 8192 AS index_pages
        FROM pg_stat_user_tables WHERE relid = 'messaging.cdrs'::regclass`.execute(db)
    ).rows[0];
    if (stats.upd - before.upd >= updates) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const sms = batches * ROWS;
  return {
    fillfactor,
    prepared,
    charging,
    postgresUsPerSms: Math.round((cpuUs / sms) * 10) / 10,
    wallMs: Math.round(wallMs),
    hotShare:
      Math.round(((stats.hot - before.hot) / Math.max(1, stats.upd - before.upd)) * 1000) / 10,
    pages: Number(stats.pages),
    indexPages: Number(stats.index_pages),
  };
}

await admin(`CREATE DATABASE "${dbName}"`);
const results = [];
try {
  const db = createDatabase(dbUrl.toString(), { poolMax: 1 });
  try {
    await migrateToLatest(db);
    for (const [charging, creditMicros] of [
      ['off', null],
      ['postpaid', null],
      ['prepaid', 1e15],
    ]) {
      const account = await createCustomer(db, {
        name: `bench ${charging}`,
        systemId: `bench-${charging}`,
        password: 'bench-password',
        throughput: 10_000,
        maxBinds: 1,
        creditMicros,
        creditCurrency: 'EUR',
      });
      customers[charging] = account.id;
    }
    let run = 0;
    for (let round = 0; round < rounds; round += 1) {
      for (const fillfactor of fillfactors) {
        for (const prepared of round % 2 === 0 ? [false, true] : [true, false]) {
          for (const charging of round % 2 === 0 ? chargings : [...chargings].reverse()) {
            run += 1;
            const result = await scenario(db, fillfactor, prepared, charging, `r${run}`);
            results.push(result);
            console.log(
              `fillfactor ${String(fillfactor).padStart(3)} ${prepared ? 'prepared' : 'unnamed '}  ` +
                `charging ${charging.padEnd(8)}  ` +
                `PostgreSQL ${String(result.postgresUsPerSms).padStart(6)} µs per SMS (2 writes)  ` +
                `HOT ${String(result.hotShare).padStart(5)} %  pages ${result.pages}  index pages ${result.indexPages}  ${result.wallMs} ms`,
            );
          }
        }
      }
    }
  } finally {
    await db.destroy();
  }
} finally {
  await dropDatabase();
}

const file = writeBenchResults('cdr', {
  at: new Date().toISOString(),
  cpus: cpus().length,
  batches,
  lag,
  rowsPerBatch: ROWS,
  results,
});
console.log(`wrote ${file}`);
