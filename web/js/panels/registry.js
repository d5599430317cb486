// The dashboard's pages: one module each, one line here. The first whose `match` accepts the hash path wins.

import fleet from './fleet.js';
import machine from './machine.js';
import alerts from './alerts.js';

export const panels = [fleet, machine, alerts];
