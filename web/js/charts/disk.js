// Used share of each mounted filesystem (snap images and filesystems on loop or RAM disks left out unless asked for).
import { isVirtualBlockDevice } from './virtual.js';

export default {
  id: 'disk',
  title: 'Disk space per mount',
  unit: 'percent',
  yMax: 100,
  queries: [{ metric: 'disk.used_percent' }],
  include: (key, { virtual }) => virtual
    || !(isVirtualBlockDevice((key.labels.device ?? '').replace(/^\/dev\//, '')) || (key.labels.mount ?? '').startsWith('/snap/')),
  name: (key) => key.labels.mount,
};
