/** Re-export: the row types belong to the warehouse's load API; collectors produce them. */
export * from '../../warehouse/rows.js';
