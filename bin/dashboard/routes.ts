/** The dashboard's pages by path: every one a GET, its filters in the query string. */
import type { Route } from './server.js';
import { billingExport, billingPage } from './pages/billing.js';
import { compliancePage } from './pages/compliance.js';
import { coveragePage } from './pages/coverage.js';
import { devicesPage } from './pages/devices.js';
import { healthPage } from './pages/health.js';
import { overviewPage } from './pages/overview.js';

export function dashboardRoutes(options: { staleAfterHours: number }): Record<string, Route> {
  return {
    '/': overviewPage,
    '/billing': billingPage,
    '/billing/export': billingExport,
    '/devices': devicesPage,
    '/compliance': compliancePage,
    '/coverage': coveragePage,
    '/health': healthPage(options.staleAfterHours),
  };
}
