import { sourceByName } from '../../collectors/registry.js';
import { loadWarehouseConfig } from '../../warehouse/config.js';
import { EXIT } from '../../warehouse/errors.js';
import { parseDay, todayIn } from '../../warehouse/time.js';
import { parse, positiveInt, str } from '../args.js';
import type { Verb } from '../verbs.js';

export const simulateCommand: Verb = {
  summary: 'Run one vendor simulator as a server',
  help: `usage: warehouse simulate <ninjaone|threatlocker|pmp> [--port P] [--devices N] [--seed S] [--date D]

Serves the simulated fleet of day D (N devices on that first day; later days churn) the way the
vendor's API would, with any non-empty credentials. Prints its base URL on the first line.
Admin: GET /__simulator/truth, POST /__simulator/day {"date"}, POST /__simulator/faults {...}.
Stops on Ctrl-C or SIGTERM.`,
  async run(argv) {
    const { values, positionals } = parse('simulate', argv, {
      port: { type: 'string' }, devices: { type: 'string' }, seed: { type: 'string' }, date: { type: 'string' },
    });
    const source = sourceByName(positionals[0]);
    const config = loadWarehouseConfig(process.env);
    const date = str(values.date) ? parseDay(str(values.date) as string) : todayIn(config.timeZone);
    const port = values.port === undefined ? 0 : positiveInt(values.port, '--port', 8080);
    const simulator = await source.simulator({
      devices: positiveInt(values.devices, '--devices', 1000),
      seed: values.seed === undefined ? 1 : positiveInt(values.seed, '--seed', 1),
      date, port,
    });
    process.stdout.write(`${simulator.url}\n`);
    process.stdout.write(`simulating ${source.name} for ${date}; configure the collector with:\n`);
    for (const [key, value] of Object.entries(simulator.config)) process.stdout.write(`  ${key}=${value}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await simulator.close();
    return EXIT.ok;
  },
};
