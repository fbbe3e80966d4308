export { createDashboard, type Dashboard } from './dashboard.js';
export { dashboardFastify, dashboardKoa } from './framework-adapters.js';
export { escapeHtml } from './html.js';
export { sendWebResponse, toNodeHandler, toWebRequest } from './node-adapter.js';
export type { AuthorizeResult, DashboardOptions, ResolvedOptions } from './options.js';
export {
  DEFAULT_PORT,
  isLoopback,
  type RunningDashboard,
  type ServeDashboardOptions,
  serveDashboard,
} from './serve.js';
