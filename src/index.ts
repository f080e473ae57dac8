/**
 * The library's one import path: `import { ... } from 'mastodon-cdk8s'` (package.json main/types/exports).
 * Everything else under src/ is the CLI's and may change without notice.
 */
export { InstanceCharts } from '../charts/instance';
export { buildModel, ModelError } from './model/model';
export type { InstanceModel } from './model/model';
export { loadDefinition, parseDefinition } from './definition/load';
export type { Instance } from './definition/schema';
