// Bytes received and sent per interface (loopback and virtual interfaces left out unless asked for).
import { isVirtualInterface } from './virtual.js';

export default {
  id: 'net',
  title: 'Network',
  unit: 'bytes/s',
  queries: [{ metric: 'net.rx_bytes_per_second' }, { metric: 'net.tx_bytes_per_second' }],
  include: (key, { virtual }) => key.labels.interface !== 'lo' && (virtual || !isVirtualInterface(key.labels.interface)),
  name: (key) => `${key.labels.interface} ${key.metric.startsWith('net.rx') ? 'in' : 'out'}`,
};
