/** fvbommel/sortorder NaturalLess, as a comparator: digit runs compare as numbers, digits sort before other bytes. */
export function naturalCompare(a: string, b: string): number {
  return naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

export function naturalLess(s1: string, s2: string): boolean {
  let i1 = 0;
  let i2 = 0;
  while (i1 < s1.length && i2 < s2.length) {
    const d1 = isDigit(s1[i1]);
    const d2 = isDigit(s2[i2]);
    if (d1 !== d2) return d1;
    if (!d1) {
      if (s1[i1] !== s2[i2]) return s1[i1] < s2[i2];
      i1++;
      i2++;
      continue;
    }
    while (s1[i1] === '0') i1++;
    while (s2[i2] === '0') i2++;
    const nz1 = i1;
    const nz2 = i2;
    while (isDigit(s1[i1])) i1++;
    while (isDigit(s2[i2])) i2++;
    if (i1 - nz1 !== i2 - nz2) return i1 - nz1 < i2 - nz2;
    const n1 = s1.slice(nz1, i1);
    const n2 = s2.slice(nz2, i2);
    if (n1 !== n2) return n1 < n2;
    if (nz1 !== nz2) return nz1 < nz2;
  }
  return s1.length < s2.length;
}
