// CPU time by mode across all cores, stacked (idle left out so the top edge is total usage).
export default {
  id: 'cpu-mode',
  title: 'CPU by mode',
  unit: 'percent',
  stacked: true,
  yMax: 100,
  queries: [{ metric: 'cpu.mode_percent' }],
  include: (key) => key.labels.mode !== 'idle',
  name: (key) => key.labels.mode,
  order: ['system', 'user', 'nice', 'iowait', 'irq', 'softirq', 'steal'],
};
