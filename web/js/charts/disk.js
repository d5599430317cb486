// Used share of each mounted filesystem.
export default {
  id: 'disk',
  title: 'Disk space per mount',
  unit: 'percent',
  yMax: 100,
  queries: [{ metric: 'disk.used_percent' }],
  name: (key) => key.labels.mount,
};
