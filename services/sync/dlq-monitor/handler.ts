import { loadDlqMonitorConfig } from '../config.ts';
import { wireDlqMonitor } from './wiring.ts';

const monitor = wireDlqMonitor(loadDlqMonitorConfig(process.env));

/**
 * Scheduled: logs each dead-letter queue's depth. Fails the invocation (after logging the rest)
 * when a queue could not be read, so the function's error metric shows it.
 */
export const handler = async () => {
  const sample = await monitor.sample();
  if (sample.failed.length > 0) throw new Error(`could not read ${sample.failed.join(', ')}`);
  return sample;
};
