// Physical memory in use, page cache, buffers and swap, in bytes.
export default {
  id: 'memory',
  title: 'Memory',
  unit: 'bytes',
  queries: [
    { metric: 'memory.used_bytes' },
    { metric: 'memory.cached_bytes' },
    { metric: 'memory.buffers_bytes' },
    { metric: 'swap.used_bytes' },
  ],
  name: (key) => ({
    'memory.used_bytes': 'used', 'memory.cached_bytes': 'cached', 'memory.buffers_bytes': 'buffers',
    'swap.used_bytes': 'swap used',
  })[key.metric],
};
