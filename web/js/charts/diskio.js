// Bytes read and written per block device (loop and RAM disks left out unless asked for).
import { isVirtualBlockDevice } from './virtual.js';

export default {
  id: 'diskio',
  title: 'Disk I/O',
  unit: 'bytes/s',
  queries: [{ metric: 'diskio.read_bytes_per_second' }, { metric: 'diskio.write_bytes_per_second' }],
  include: (key, { virtual }) => virtual || !isVirtualBlockDevice(key.labels.device),
  name: (key) => `${key.labels.device} ${key.metric.includes('read') ? 'read' : 'write'}`,
};
