/** `1 row`, `3 rows`: a count and its noun, plural by the English rule looptap's nouns follow */
export const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
