// Comparing tokens without leaking, through timing, how much of a guess was right.

const encoder = new TextEncoder();

/** True when `a` and `b` are equal; takes the same time wherever they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  const length = Math.max(left.length, right.length);
  let difference = left.length ^ right.length;
  for (let i = 0; i < length; i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}
