/**
 * Go's strconv.FormatFloat for the 'e', 'f' and 'g' formats, exactly: decimal digits come from the
 * exact binary value (BigInt arithmetic) and rounding is half-to-even, as Go rounds. JavaScript's
 * toFixed/toExponential round exact ties up instead (`(2.5).toFixed(0)` is "3"; Go prints "2").
 * docker's human sizes (`%.4g`) depend on these rules, including the famous `1e+03kB`.
 */

interface Decimal {
  /** Significant digits without leading or trailing zeros ("" for zero). */
  d: string;
  /** Position of the decimal point relative to the start of d. */
  dp: number;
}

/** The exact decimal expansion of a finite, non-negative double. */
function exactDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  let digits: string;
  let dp: number;
  if (exp >= 0) {
    digits = (mant << BigInt(exp)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-exp)).toString();
    dp = digits.length + exp;
  }
  return trim({ d: digits, dp });
}

function trim(dec: Decimal): Decimal {
  let start = 0;
  while (start < dec.d.length && dec.d[start] === '0') start++;
  let end = dec.d.length;
  while (end > start && dec.d[end - 1] === '0') end--;
  if (start === end) return { d: '', dp: 0 };
  return { d: dec.d.slice(start, end), dp: dec.dp - start };
}

/** Rounds to `nd` significant digits, half to even on exact ties (Go's decimal.Round). */
function roundDigits(dec: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= dec.d.length) return dec;
  const next = dec.d[nd];
  const tie = next === '5' && nd + 1 === dec.d.length;
  const up = tie ? nd > 0 && Number(dec.d[nd - 1]) % 2 === 1 : next >= '5';
  if (!up) return trim({ d: dec.d.slice(0, nd), dp: dec.dp });
  // Propagate the carry.
  const digits = dec.d.slice(0, nd).split('');
  let i = nd - 1;
  while (i >= 0 && digits[i] === '9') digits[i--] = '0';
  if (i < 0) return trim({ d: `1${digits.join('')}`, dp: dec.dp + 1 });
  digits[i] = String(Number(digits[i]) + 1);
  return trim({ d: digits.join(''), dp: dec.dp });
}

/** The shortest digits that round-trip (what JavaScript's toString picks; so does Go). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const [mant, e] = x.toExponential().split('e');
  return trim({ d: mant.replace('.', ''), dp: Number(e) + 1 });
}

function digitAt(dec: Decimal, i: number): string {
  return i >= 0 && i < dec.d.length ? dec.d[i] : '0';
}

function fmtE(dec: Decimal, prec: number, e: 'e' | 'E'): string {
  let s = digitAt(dec, 0);
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(dec, i);
  }
  const exp = dec.d.length === 0 ? 0 : dec.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  return `${s}${e}${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function fmtF(dec: Decimal, prec: number): string {
  let s = '';
  if (dec.dp > 0) for (let i = 0; i < dec.dp; i++) s += digitAt(dec, i);
  else s = '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) s += digitAt(dec, dec.dp + i);
  }
  return s;
}

/**
 * Go's strconv.FormatFloat(x, fmt, prec, 64). `prec` -1 means the shortest representation that
 * round-trips. Handles the sign, ±Inf and NaN like Go.
 */
export function formatFloat(x: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const body = formatAbs(Math.abs(x), fmt, prec);
  return neg ? `-${body}` : body;
}

function formatAbs(x: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  const shortest = prec < 0;
  let dec: Decimal;
  if (shortest) {
    dec = shortestDecimal(x);
    prec = fmt === 'e' || fmt === 'E' ? Math.max(dec.d.length - 1, 0) : fmt === 'f' ? Math.max(dec.d.length - dec.dp, 0) : dec.d.length;
  } else {
    const exact = exactDecimal(x);
    if (fmt === 'e' || fmt === 'E') dec = roundDigits(exact, prec + 1);
    else if (fmt === 'f') dec = roundDigits(exact, exact.dp + prec);
    else dec = roundDigits(exact, prec === 0 ? 1 : prec);
    if (fmt === 'g' || fmt === 'G') prec = prec === 0 ? 1 : prec;
  }
  if (fmt === 'e' || fmt === 'E') return fmtE(dec, prec, fmt);
  if (fmt === 'f') return fmtF(dec, prec);
  // %g: %e when the exponent is < -4 or >= the precision (6 when shortest), else %f.
  let eprec = prec;
  const nd = dec.d.length;
  if (eprec > nd && nd >= dec.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = dec.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > nd) prec = nd;
    return fmtE(dec, Math.max(prec - 1, 0), fmt === 'g' ? 'e' : 'E');
  }
  if (prec > dec.dp) prec = nd;
  return fmtF(dec, Math.max(prec - dec.dp, 0));
}
