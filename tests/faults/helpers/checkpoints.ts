/**
 * The tiny source with a checkpoint after every page: `onPage(n)` runs (and is awaited) once page n
 * of devices and its patch rows have gone into staging, so a test can break the database at a chosen
 * moment of the COPY. The run's abort signal is passed along, so a checkpoint can behave like a vendor
 * request in flight.
 */
import { defineSource } from '../../../collectors/shared/define-source.js';
import { type Source } from '../../../warehouse/run/source.js';
import { tiny, type TinyConfig } from '../../helpers/tiny-source.js';

export function checkpointSource(onPage: (page: number, signal: AbortSignal) => Promise<void>): Source<TinyConfig> {
  return defineSource<TinyConfig>({
    ...tiny,
    async collect(ctx) {
      let page = 0;
      const sink = {
        ...ctx.sink,
        patchStatus: async (rows: Parameters<typeof ctx.sink.patchStatus>[0]) => {
          await ctx.sink.patchStatus(rows);
          page += 1;
          await onPage(page, ctx.signal);
        },
      };
      await tiny.collect({ ...ctx, sink });
    },
  });
}
