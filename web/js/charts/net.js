// Bytes received and sent per interface (loopback left out).
export default {
  id: 'net',
  title: 'Network',
  unit: 'bytes/s',
  queries: [{ metric: 'net.rx_bytes_per_second' }, { metric: 'net.tx_bytes_per_second' }],
  include: (key) => key.labels.interface !== 'lo',
  name: (key) => `${key.labels.interface} ${key.metric.startsWith('net.rx') ? 'in' : 'out'}`,
};
