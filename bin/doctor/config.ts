/** The configuration checks: the warehouse's own keys, misspelled keys, and each vendor's keys. */
import { SOURCES } from '../../collectors/registry.js';
import type { Source, SourceConfig } from '../../warehouse/run/source.js';
import { createReader, loadWarehouseConfig, type Env, type WarehouseConfig } from '../../warehouse/config.js';
import { configWarnings } from '../config-warnings.js';
import { failed, ok, skip, warn, type Check } from './check.js';

export interface ConfigChecks { checks: Check[]; config?: WarehouseConfig; vendors: Array<{ source: Source; config: SourceConfig }> }

export function checkConfig(env: Env): ConfigChecks {
  const checks: Check[] = [];
  let config: WarehouseConfig | undefined;
  try {
    config = loadWarehouseConfig(env);
    checks.push(ok('config', `time zone ${config.timeZone}, home ${config.home}${config.databaseUrl ? ', DATABASE_URL set' : ', embedded database'}`));
  } catch (error) {
    checks.push(failed('config', error));
  }
  for (const warning of configWarnings(env)) checks.push(warn('config', warning, 'Fix the key\'s name: an unknown key is ignored.'));
  const reader = config?.reader ?? createReader(env);
  const vendors: ConfigChecks['vendors'] = [];
  for (const source of Object.values(SOURCES) as Source[]) {
    try {
      const loaded = source.loadConfig(reader);
      if (loaded === null) checks.push(skip(`${source.name} config`, 'not configured'));
      else {
        vendors.push({ source, config: loaded });
        checks.push(ok(`${source.name} config`, `${source.keys.required.join(', ')} set`));
      }
    } catch (error) {
      checks.push(failed(`${source.name} config`, error));
    }
  }
  return { checks, ...(config ? { config } : {}), vendors };
}
