/** Re-export: redaction lives in the warehouse so that logs, errors and stored text share one list of secrets. */
export * from '../../warehouse/redact.js';
