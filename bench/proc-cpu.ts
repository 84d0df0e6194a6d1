import { readdirSync, readFileSync } from 'node:fs';

/** A process on this host and the CPU it has used so far, from /proc (Linux). */
export interface ProcessCpu {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in seconds. */
  own: number;
  /** With the children it has reaped (cutime + cstime): a PostgreSQL backend that ended counts to the postmaster. */
  withReaped: number;
}

const TICKS = 100; // USER_HZ: 100 on every Linux build we run on (getconf CLK_TCK)

/**
 * Every process's CPU so far. On a machine other jobs load, wall time stretches with the queue for a core; CPU time
 * much less, so CPU compares the work done.
 */
export function processCpu(): ProcessCpu[] {
  const found: ProcessCpu[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // The command name may hold spaces: fields are counted after its ')': state (3rd), ppid (4th), ..., utime (14th),
    // stime, cutime, cstime (17th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    const own = (fields[11]! + fields[12]!) / TICKS;
    found.push({ pid: Number(entry), ppid: fields[1]!, comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), own, withReaped: own + (fields[13]! + fields[14]!) / TICKS });
  }
  return found;
}
