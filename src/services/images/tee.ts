import { PassThrough, type Readable } from 'node:stream';

const HIGH_WATER = 1 << 20;

/**
 * Splits one byte stream into `n` streams that each see every byte, with backpressure: the
 * source is paused while any branch is full (Readable.pipe to several destinations). If the
 * source fails, every branch fails with the same error; destroying a branch stops the source and
 * the other branches, so no consumer waits forever.
 */
export function tee(source: Readable, highWaterMarks: number[] = [HIGH_WATER, HIGH_WATER]): PassThrough[] {
  const branches = highWaterMarks.map((highWaterMark) => new PassThrough({ highWaterMark }));
  let failed = false;
  const failAll = (err: Error) => {
    if (failed) return;
    failed = true;
    source.destroy(err);
    for (const b of branches) if (!b.destroyed) b.destroy(err);
  };
  source.on('error', failAll);
  for (const b of branches) {
    // Errors reach the branch's consumer; this listener only keeps an error on a branch whose
    // consumer already finished from crashing the process.
    b.on('error', () => {});
    b.on('close', () => {
      if (!b.writableFinished && !failed) failAll(new Error('stream consumer stopped early'));
    });
    source.pipe(b);
  }
  return branches;
}
