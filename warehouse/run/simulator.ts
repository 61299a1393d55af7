/** What the registry, the demo and `warehouse simulate` need from a running vendor simulator. */
export interface Simulator {
  /** Base URL to configure the collector with, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Environment (config keys) that points the collector at this simulator with valid credentials. */
  config: Record<string, string>;
  setDay(date: string): void;
  setFaults(faults: Record<string, unknown>): void;
  truth(): unknown;
  requestCount(): number;
  close(): Promise<void>;
}
