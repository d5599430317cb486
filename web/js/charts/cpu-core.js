// Busy share of each core.
export default {
  id: 'cpu-core',
  title: 'CPU per core',
  unit: 'percent',
  yMax: 100,
  queries: [{ metric: 'cpu.core_usage_percent' }],
  name: (key) => `core ${key.labels.core}`,
  sortKey: (key) => Number(key.labels.core),
};
