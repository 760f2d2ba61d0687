/** The one id pattern: a UUID as PostgreSQL prints it (any case accepted). */
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `text` is an id, so it can be refused (or not found) before it reaches the store. */
export function isUuid(text: string): boolean {
  return uuidPattern.test(text);
}
