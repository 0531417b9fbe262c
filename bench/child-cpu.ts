/**
 * CPU seconds (user + system) used by this process's finished children, from /proc/self/stat (cutime +
 * cstime, in clock ticks of 1/100 s): on a machine shared with other work, CPU time is a steadier measure of
 * a command's cost than wall time. null where /proc is not there.
 */
import { readFileSync } from 'node:fs';

export function childCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields from index 0 = field 3 (state); cutime is field 16, cstime field 17
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}
