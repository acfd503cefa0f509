// The simulator's ports as flags on `rehearse` and `stage2`: each wins over its CDA_SIM_* variable,
// which wins over the config's `simulator.httpsPort`/`httpPort`/`adminPort`.
import type { Argv } from 'yargs';
import { CliError, EXIT } from '../core/exit-codes.js';

export type Ports = { https?: number | null; http?: number | null; admin?: number | null };

export function withPorts<T>(y: Argv<T>) {
  return y
    .option('https-port', { type: 'number', describe: 'The C&A’s HTTPS (mTLS) port (over the config’s simulator.httpsPort; default 8443 with --config, else a free one)' })
    .option('http-port', { type: 'number', describe: 'The C&A’s plain HTTP port, -1 off (over simulator.httpPort; default 8081 with --config)' })
    .option('admin-port', { type: 'number', describe: 'The admin API and web console port, -1 off (over simulator.adminPort; default 8088 with --config)' });
}

/** The ports given as flags (or CDA_SIM_* variables): each wins over the config's; -1 turns a listener off. */
export function portsOf(args: { 'https-port'?: number; 'http-port'?: number; 'admin-port'?: number }): Ports {
  const ports: Ports = {};
  const take = (key: 'https' | 'http' | 'admin', flag: string, value: number | undefined) => {
    if (value === undefined) return;
    if (!Number.isInteger(value) || value < -1 || value > 65535) throw new CliError(`--${flag}: must be a port number (0 picks a free one, -1 turns it off), not ${value}`, EXIT.usage);
    ports[key] = value === -1 ? null : value;
  };
  take('https', 'https-port', args['https-port']);
  take('http', 'http-port', args['http-port']);
  take('admin', 'admin-port', args['admin-port']);
  return ports;
}
