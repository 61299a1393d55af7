/**
 * One simulated day as the PMP server sees it: systems (both row shapes), customers, branch offices
 * and summaries, built once per day and cached, with the list filters the legacy API takes.
 */
import { dateToUtcMs, type Estate } from '../../simulation/estate.js';
import type { PatchSummary, PmpCustomer } from '../types.js';
import { branchOfficesOf, customersOf, systemRecords, type BranchOffice, type Edition, type SystemRecord } from './fleet.js';
import { summaryOf } from './summary.js';

export class DayView {
  readonly records: SystemRecord[];
  readonly customers: PmpCustomer[];
  readonly branchOffices: BranchOffice[];
  private readonly byCustomer = new Map<number, SystemRecord[]>();
  private readonly summaries = new Map<string, PatchSummary>();
  private lastFilter: { key: string; rows: SystemRecord[] } | null = null;

  private readonly seed: number;
  private readonly dayIndex: number;

  constructor(estate: Estate, readonly date: string, readonly edition: Edition) {
    const day = estate.day(date);
    this.seed = estate.options.seed;
    this.dayIndex = day.dayIndex;
    this.records = systemRecords(day, estate.fleetFor('pmp', date), edition, this.seed);
    this.customers = edition === 'msp' ? customersOf(day, this.seed) : [];
    this.branchOffices = branchOfficesOf(day, edition);
    for (const r of this.records) {
      const list = this.byCustomer.get(r.customerId);
      if (list) list.push(r); else this.byCustomer.set(r.customerId, [r]);
    }
  }

  /** The summary of the whole server, or of one customer (MSP edition with customerid=). */
  summaryFor(customerId: number | null): PatchSummary {
    const key = customerId === null || this.edition === 'single' ? 'all' : String(customerId);
    let summary = this.summaries.get(key);
    if (!summary) {
      const customers = key === 'all' ? Math.max(1, this.customers.length) : 1;
      summary = summaryOf(this.scoped(customerId), {
        seed: this.seed, dayIndex: this.dayIndex, dayStartMs: dateToUtcMs(this.date),
        apdTasks: this.edition === 'msp' ? Math.round(customers * 1.5) : 4,
      });
      this.summaries.set(key, summary);
    }
    return summary;
  }

  /** The systems of one customer (MSP edition with customerid=), or all of them. */
  scoped(customerId: number | null): SystemRecord[] {
    if (customerId === null || this.edition === 'single') return this.records;
    return this.byCustomer.get(customerId) ?? [];
  }

  /** Systems after the list filters; the last result is cached because paging repeats the same query. */
  filtered(customerId: number | null, query: URLSearchParams): SystemRecord[] {
    const filters = [...query.entries()].filter(([k]) => k !== 'page' && k !== 'pagelimit' && k !== 'customerid').sort();
    const key = `${customerId ?? ''}|${JSON.stringify(filters)}`;
    if (this.lastFilter?.key === key) return this.lastFilter.rows;
    let rows = this.scoped(customerId);
    for (const [name, value] of filters) rows = rows.filter(FILTERS[name] ? (r) => FILTERS[name]!(r, value) : () => true);
    const search = query.get('searchcolumn');
    const needle = query.get('searchvalue')?.toLowerCase();
    if (search && needle !== undefined) rows = rows.filter((r) => String(r.scan[search] ?? '').toLowerCase().includes(needle));
    this.lastFilter = { key, rows };
    return rows;
  }
}

type Filter = (r: SystemRecord, value: string) => boolean;
const FILTERS: Readonly<Record<string, Filter>> = {
  resid: (r, v) => String(r.scan.resource_id) === v,
  branchofficefilter: (r, v) => r.scan.branch_office_name === v,
  domainfilter: (r, v) => String(r.scan.domain_netbios_name).toLowerCase() === v.toLowerCase(),
  platformfilter: (r, v) => String(r.scan.os_platform_name).toLowerCase() === v.toLowerCase(),
  healthfilter: (r, v) => String(r.scan.resource_health_status) === v,
  livestatusfilter: (r, v) => String(r.scan.computer_live_status) === v,
  agentinstallationstatusfilter: (r, v) => String(r.scan.installation_status) === v,
};
