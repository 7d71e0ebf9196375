import { connect } from 'mqtt';
import { writeToStream } from 'mqtt-packet';
import { mqttOptions } from '../../device/agent/mqtt';

describe('agent MQTT options', () => {
  test("the agent's clients do not keep mqtt-packet's 65,536-buffer number cache", () => {
    // The cache costs ~6 MB of the agent's 60 MB budget (docs/design.md §7). Creating a client with
    // writeCache off switches mqtt-packet (process-wide) to building those bytes per packet.
    writeToStream.cacheNumbers = true;
    const client = connect({
      ...mqttOptions({
        host: 'iot.invalid',
        port: 8883,
        clientId: 'unit',
        identity: { ca: '', cert: '', key: '' },
        connectTimeoutMs: 1000,
        reconnectPeriodMs: 0,
      }),
      manualConnect: true,
    });
    // manualConnect: no socket is opened, so there is nothing to close.
    expect(client.connected).toBe(false);
    expect(writeToStream.cacheNumbers).toBe(false);
  });
});
