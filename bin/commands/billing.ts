/** `warehouse billing close | verify | policy`: freeze and seal a month, check the seals, the billing policy. */
import { closeBillingMonth, parseBillingMonth } from '../../rollups/billing-close.js';
import { rollupPending } from '../../rollups/run.js';
import { requestRollup } from '../../warehouse/billing/rollup-requests.js';
import { verifySeals, type VerifyProblem } from '../../warehouse/billing/seal.js';
import { EXIT, UsageError } from '../../warehouse/errors.js';
import { DEFAULT_BILLING_POLICY, DEVICE_CLASSES } from '../../warehouse/rows.js';
import { billingPolicy, operatorName, setBillingPolicy } from '../../warehouse/settings.js';
import { parse, str } from '../args.js';
import { withJob } from './rollup.js';
import type { Verb } from '../verbs.js';

const USAGE = `usage: warehouse billing close <YYYY-MM> [--note TEXT]
       warehouse billing verify [YYYY-MM]
       warehouse billing policy [--classes C,C,...] [--stale-days N]`;

const CLASSES: readonly string[] = DEVICE_CLASSES;

export const billingCommand: Verb = {
  summary: 'billing close <YYYY-MM> | verify [YYYY-MM] | policy: freeze and seal a month, check the seals, the billing policy',
  help: `${USAGE}

close    Materialises the month's month-end one last time, freezes it and seals it: a SHA-256 over its
         per-device month-end rows, chained to the month closed before (bi.billing_closes). Later
         collection into the month is refused (exit 4) and rollups leave it as invoiced, unless forced
         with --force (recorded in ops.forced_changes, the month re-sealed). A month whose dailies have
         expired is frozen as it was materialised.
verify   Recomputes every seal (up to YYYY-MM when given) and the chain. Exit 0 when all match; exit 4
         naming the first month and device that no longer match.
policy   Shows the billing policy; with options, changes it (recorded in ops.setting_changes) and
         re-judges the open months (closed months keep what was invoiced):
  --classes C,...   device classes billed as seats (default ${DEFAULT_BILLING_POLICY.billedClasses.join(',')}; of ${CLASSES.join(', ')})
  --stale-days N    a billed device silent for more than N days at the month-end is flagged stale (default ${DEFAULT_BILLING_POLICY.staleAfterDays})`,
  async run(argv) {
    const { values, positionals } = parse('billing', argv, {
      note: { type: 'string' }, today: { type: 'string' }, classes: { type: 'string' }, 'stale-days': { type: 'string' },
    });
    const [action, month, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`billing: unexpected "${rest.join(' ')}"`, USAGE);
    if (action === 'close') return close(parseBillingMonth(month, 'close'), str(values.note), str(values.today));
    if (action === 'verify') return verify(month === undefined ? undefined : parseBillingMonth(month, 'verify'));
    if (action === 'policy') {
      if (month !== undefined) throw new UsageError(`billing policy takes no month ("${month}")`, USAGE);
      return policy(str(values.classes), str(values['stale-days']), str(values.today));
    }
    throw new UsageError(action ? `unknown billing action "${action}"` : 'billing: expected close, verify or policy', USAGE);
  },
};

async function close(month: string, note: string | undefined, today: string | undefined): Promise<number> {
  const result = await withJob('billing:close', (sql, day) =>
    closeBillingMonth(sql, month, { today: day, closedBy: operatorName(), ...(note ? { note } : {}) }), today);
  if (result.alreadyClosed) {
    process.stdout.write(`${month} was already closed\n`);
    return EXIT.ok;
  }
  const days = result.monthEndDays.length > 0 ? `month-end day(s) ${result.monthEndDays.join(', ')}` : 'month-end kept as materialised';
  const kept = result.kept > 0 && result.monthEndDays.length > 0 ? `; ${result.kept} source(s) kept as materialised (dailies expired)` : '';
  process.stdout.write(`${month} closed; ${days}${kept}; ${result.seal?.devices ?? 0} device rows sealed, SHA-256 ${result.seal?.digest ?? ''}\n`);
  return EXIT.ok;
}

function describe(problem: VerifyProblem): string {
  switch (problem.kind) {
    case 'unsealed': return `${problem.month} is closed but was never sealed`;
    case 'rows': return `${problem.month}: the month's rows digest no longer matches its seal`;
    case 'chain': return `${problem.month}: the seal chain is broken (its digest or its link to the month closed before no longer matches)`;
    case 'device': {
      const what = { changed: 'changed since the month was sealed', missing: 'is gone since the month was sealed', added: 'was added after the month was sealed' }[problem.change];
      return `${problem.month}: device ${problem.source}${problem.instance === 'default' ? '' : `/${problem.instance}`} ${problem.vendorId}${problem.hostname ? ` (${problem.hostname})` : ''} ${what}`;
    }
  }
}

async function verify(through: string | undefined): Promise<number> {
  const result = await withJob('billing:verify', (sql) => verifySeals(sql, through));
  for (const m of result.months) process.stdout.write(`${m.month} ok  ${m.devices} device rows  SHA-256 ${m.digest}\n`);
  if (result.problem) {
    process.stderr.write(`warehouse: seal mismatch: ${describe(result.problem)}\n→ The closed month's month-end rows were changed outside \`warehouse\` (or restored from another backup): compare with the invoice's export, see ops.forced_changes, and restore the rows from a backup.\n`);
    return EXIT.gateRefused;
  }
  if (result.months.length === 0) process.stdout.write(`no closed month${through ? ` up to ${through}` : ''} to verify\n`);
  return EXIT.ok;
}

async function policy(classes: string | undefined, staleDays: string | undefined, today: string | undefined): Promise<number> {
  const next: { billedClasses?: string[]; staleAfterDays?: number } = {};
  if (classes !== undefined) {
    const list = [...new Set(classes.split(',').map((c) => c.trim()).filter(Boolean))];
    const unknown = list.filter((c) => !CLASSES.includes(c));
    if (list.length === 0 || unknown.length > 0) {
      throw new UsageError(`--classes ${classes}: ${unknown.length > 0 ? `unknown class ${unknown.join(', ')}` : 'no class given'}`, `Name classes among ${CLASSES.join(', ')}, e.g. --classes workstation,server,vm_host.`);
    }
    next.billedClasses = CLASSES.filter((c) => list.includes(c));
  }
  if (staleDays !== undefined) {
    if (!/^\d+$/u.test(staleDays) || Number(staleDays) < 1 || Number(staleDays) > 3650) {
      throw new UsageError(`--stale-days ${staleDays} is not a number of days from 1 to 3650`, 'e.g. --stale-days 30.');
    }
    next.staleAfterDays = Number(staleDays);
  }
  return withJob('billing:policy', async (sql, day) => {
    if (next.billedClasses || next.staleAfterDays !== undefined) {
      const changed = await sql.begin(async (tx) => {
        const settings = await setBillingPolicy(tx, next);
        // Every open month with a month-end (or dailies) is re-judged; closed months stay as invoiced.
        if (settings.length > 0) {
          const [range] = await tx<{ first: string | null; last: string | null }[]>`
            select least((select min(snapshot_day) from ops.source_days), (select min(month) from rollup.month_ends))::text as first,
              greatest((select max(snapshot_day) from ops.source_days), (select max(month_end_day) from rollup.month_ends))::text as last`;
          if (range?.first && range.last) await requestRollup(tx, range.first, range.last, `billing policy changed: ${settings.join(', ')}`);
        }
        return settings;
      });
      if (changed.length > 0) {
        const rolled = await rollupPending(sql, { today: day });
        process.stdout.write(`billing policy changed (${changed.join(', ')}); re-judged ${rolled.days} day(s) and ${rolled.months.filter((m) => !m.skippedClosed).length} open month-end(s)\n`);
      } else {
        process.stdout.write('billing policy unchanged\n');
      }
    }
    const current = await billingPolicy(sql);
    process.stdout.write(`billed classes: ${current.billedClasses.join(', ')}\nstale after: ${current.staleAfterDays} days without contact\n`);
    return EXIT.ok;
  }, today);
}
