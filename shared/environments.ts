/** Environment names that mean production, which ranks first in lookups and alerts. */
const productionNames = new Set(['prod', 'production', 'prd', 'live']);

export const isProduction = (environment: string): boolean => productionNames.has(environment);
