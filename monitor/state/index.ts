/** monitor/state: the monitor's durable state, one LevelDB database (store.ts). This file is the folder's public surface. */
export { MonitorStore, key, type StoreBatch } from './store.ts';
