/** Prometheus text exposition (format 0.0.4) of the log's counters and gauges. */
import type { TransparencyLog } from '../log/index.ts';
import type { BodyBudget } from './bodybudget.ts';

export class Metrics {
  private entries = 0;
  private duplicates = 0;
  private readonly problems = new Map<string, number>();
  private bodies: BodyBudget | undefined;

  /** Reports the bytes that `budget` holds reserved for append bodies in flight. */
  watchBodies(budget: BodyBudget): void {
    this.bodies = budget;
  }

  appended(fresh: number, duplicate: number): void {
    this.entries += fresh;
    this.duplicates += duplicate;
  }

  problem(code: string): void {
    this.problems.set(code, (this.problems.get(code) ?? 0) + 1);
  }

  render(log: TransparencyLog): string {
    const lines = [
      '# HELP stamplog_tree_size Size of the newest signed checkpoint.',
      '# TYPE stamplog_tree_size gauge',
      `stamplog_tree_size ${log.checkpoint.size}`,
      '# HELP stamplog_queue_length Submissions waiting to be sequenced.',
      '# TYPE stamplog_queue_length gauge',
      `stamplog_queue_length ${log.queueLength}`,
      '# HELP stamplog_entries_appended_total New entries appended through this process.',
      '# TYPE stamplog_entries_appended_total counter',
      `stamplog_entries_appended_total ${this.entries}`,
      '# HELP stamplog_duplicates_total Resubmissions answered with an existing entry.',
      '# TYPE stamplog_duplicates_total counter',
      `stamplog_duplicates_total ${this.duplicates}`,
      '# HELP stamplog_problems_total Error responses by code.',
      '# TYPE stamplog_problems_total counter',
      ...[...this.problems].map(([code, n]) => `stamplog_problems_total{code="${code}"} ${n}`),
      '# HELP stamplog_stopped 1 when the log stopped accepting writes after a failure.',
      '# TYPE stamplog_stopped gauge',
      `stamplog_stopped ${log.failure ? 1 : 0}`,
    ];
    if (this.bodies !== undefined) {
      lines.push(
        '# HELP stamplog_body_bytes_reserved Bytes reserved for append request bodies being read.',
        '# TYPE stamplog_body_bytes_reserved gauge',
        `stamplog_body_bytes_reserved ${this.bodies.reserved}`,
      );
    }
    return lines.join('\n') + '\n';
  }
}
