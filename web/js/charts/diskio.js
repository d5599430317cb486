// Bytes read and written per block device.
export default {
  id: 'diskio',
  title: 'Disk I/O',
  unit: 'bytes/s',
  queries: [{ metric: 'diskio.read_bytes_per_second' }, { metric: 'diskio.write_bytes_per_second' }],
  name: (key) => `${key.labels.device} ${key.metric.includes('read') ? 'read' : 'write'}`,
};
