// One way for every error test to check an attnkit error: its class, its code, and its message
// (a string must equal the message, a RegExp must match it).
import { expect } from 'vitest';

export function expectError(
  fn: () => unknown,
  cls: new (...args: never[]) => TypeError | RangeError,
  code: string,
  ...messages: (string | RegExp)[]
): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'should throw').toBeInstanceOf(cls);
  expect((caught as { code?: string }).code).toBe(code);
  for (const m of messages) {
    if (typeof m === 'string') expect((caught as Error).message).toBe(m);
    else expect((caught as Error).message).toMatch(m);
  }
}
