// Pressure stall (Linux PSI): the share of each interval in which some task waited for CPU, memory or I/O;
// hidden on kernels without PSI.
export default {
  id: 'pressure',
  title: 'Pressure (some tasks stalled)',
  unit: 'percent',
  optional: true,
  queries: [{ metric: 'pressure.cpu_some_percent' }, { metric: 'pressure.memory_some_percent' }, { metric: 'pressure.io_some_percent' }],
  name: (key) => key.metric.replace('pressure.', '').replace('_some_percent', ''),
};
