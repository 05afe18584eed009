/** `JSON.parse` for text that may not be JSON: `undefined` where it would throw. */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
