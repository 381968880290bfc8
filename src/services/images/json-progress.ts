import type { JSONMessage } from '../../spec/engine/types.js';

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** Go's `%.4g` for the values HumanSize produces (always < 1000, so never exponent form). */
function goG(n: number, precision: number): string {
  let s = n.toPrecision(precision);
  if (s.includes('e')) s = String(Number(s));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/**
 * docker/go-units HumanSize: decimal units, 4 significant digits (`2.048kB`, `201.3MB`), the
 * sizes Docker prints in progress lines.
 */
export function humanSize(bytes: number, precision = 4): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return `${goG(size, precision)}${UNITS[i]}`;
}

/**
 * The `progress` string Docker's daemon renders for a JSON progress line (JSONProgress.String
 * at the daemon's default width): `[=====>   ]  2.048kB/2.048kB`.
 */
export function progressBar(current: number, total: number): string {
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return humanSize(current).padStart(8);
  const pct = Math.min(50, Math.trunc(Math.trunc((current / total) * 100) / 2));
  const bar = `[${'='.repeat(pct)}>${' '.repeat(50 - pct)}] `;
  const cur = humanSize(current);
  const numbers = current > total ? cur.padStart(8) : `${cur.padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}

/** A progress line as Docker writes it: status, detail, rendered bar and the short id. */
export function progressMessage(status: string, id: string, current: number, total: number): JSONMessage {
  return { status, progressDetail: { current, total }, progress: progressBar(current, total), id };
}
