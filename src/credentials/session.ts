/** A RoleSessionName AWS accepts ([\w+=,.@-], 2–64 chars), derived from the signed-in user. */
export function defaultSessionName(displayName: string): string {
  const base = displayName || "web-user";
  const cleaned = base.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `user-${cleaned}`.slice(0, 64);
}

/** Same rule as STS: 2–64 characters of [\w+=,.@-]. Returns a problem or undefined. */
export function sessionNameProblem(name: string): string | undefined {
  if (name.length < 2 || name.length > 64) return "Session name must be 2–64 characters.";
  if (!/^[\w+=,.@-]+$/.test(name)) return "Session name may contain only letters, digits and + = , . @ _ -";
  return undefined;
}
