// Load averages.
export default {
  id: 'load',
  title: 'Load average',
  unit: '',
  queries: [{ metric: 'load.1m' }, { metric: 'load.5m' }, { metric: 'load.15m' }],
  name: (key) => key.metric.replace('load.', ''),
};
