/**
 * Tier names are compared the way people write them: "Gold", "gold" and " GOLD " are one tier
 * (the tiers rule set refuses two names differing only so). Every place that matches a tier
 * name — deal-approval rules, tier reviews — compares through here.
 */
export function tierKey(name: string): string {
  return name.normalize('NFKC').trim().toLocaleLowerCase('und');
}

export function sameTier(a: string, b: string): boolean {
  return tierKey(a) === tierKey(b);
}
