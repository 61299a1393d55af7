/**
 * How a vendor folder implements the run contract (warehouse/run/source.ts). Besides typing the
 * source, it turns an HTTP failure that escaped the vendor's own client wrapping into the typed
 * vendor error (exit 6 or 7, DESIGN.md §5), the one conversion only the HTTP layer can make: the run
 * lifecycle knows nothing of got and would otherwise call it a bug.
 */
import { RequestError } from 'got';
import type { Source, SourceConfig } from '../../warehouse/run/source.js';
import { toCollectorError } from './http.js';

export function defineSource<Config extends SourceConfig>(source: Source<Config>): Source<Config> {
  const { collect } = source;
  return {
    ...source,
    async collect(ctx) {
      try {
        await collect.call(source, ctx);
      } catch (error) {
        throw error instanceof RequestError ? toCollectorError(error, source.name) : error;
      }
    },
  };
}
