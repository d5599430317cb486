// Sensor temperatures; hidden on machines without sensors.
export default {
  id: 'temperature',
  title: 'Temperature',
  unit: '°C',
  optional: true,
  queries: [{ metric: 'temperature.celsius' }],
  name: (key) => key.labels.sensor,
};
