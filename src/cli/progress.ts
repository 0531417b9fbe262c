import cliProgress from 'cli-progress';

/**
 * Progress of the task being run: a bar with items done / total, rate and ETA on a terminal; on anything
 * else (CI logs, files) a plain line at every quarter, so logs stay readable.
 */
export function makeProgress(stream: NodeJS.WriteStream = process.stderr): {
  update: (task: string, done: number, total: number) => void;
  stop: () => void;
} {
  let bar: cliProgress.SingleBar | null = null;
  let current = '';
  let started = 0;
  let lastQuarter = -1;
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  const update = (task: string, done: number, total: number) => {
    if (task !== current) {
      stop();
      current = task;
      started = Date.now();
      lastQuarter = -1;
    }
    if (stream.isTTY) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            format: `${task} [{bar}] {value}/{total} items | {rate} items/s | ETA {eta_formatted}`,
            stream,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { rate: '0.0' });
      }
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(1) : '0.0' });
      return;
    }
    const quarter = Math.floor((done / Math.max(1, total)) * 4);
    if (quarter > lastQuarter && total >= 200) {
      lastQuarter = quarter;
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
      stream.write(`  ${task}: ${done}/${total} items, ${rate.toFixed(1)} items/s, ETA ${eta}s\n`);
    }
  };
  return { update, stop };
}
