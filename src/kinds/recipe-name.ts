// The default name of a check made by a recipe (pg.ping, upstash.queue,
// backups ...). The recipe says what is checked, the id which one: alerts
// title a check by its name, and "PostgreSQL is down" from two databases
// would read the same.

/** `recipeName('PostgreSQL', 'db-main')` gives `PostgreSQL (db-main)`. */
export function recipeName(what: string, id: string): string {
  return `${what} (${id})`;
}
