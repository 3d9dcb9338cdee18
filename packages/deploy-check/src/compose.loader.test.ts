import { describe, expect, it } from 'vitest';
import {
  composeDependencies,
  composeEnvironment,
  composeMounts,
  mountedHostPath,
  parseComposeDuration,
  portBindings,
  publishedPorts,
} from './compose.loader.js';

describe('compose helpers', () => {
  it.each([
    ['40s', 40_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['40', undefined],
    ['soon', undefined],
    [undefined, undefined],
  ])('duration %s → %s', (text, ms) => {
    expect(parseComposeDuration(text)).toBe(ms);
  });

  it('reads published ports in short and long forms', () => {
    expect(
      publishedPorts({
        ports: ['2775:2775', '127.0.0.1:2778:2778/tcp', '9999', { published: 8080, target: 8080 }],
      }),
    ).toEqual([2775, 2778, 8080]);
  });

  it('reads the host address a port is published on', () => {
    expect(
      portBindings({
        ports: [
          '2775:2775',
          '127.0.0.1:9091:9090',
          '9999',
          { host_ip: '127.0.0.1', published: '3000', target: 3000 },
        ],
      }),
    ).toEqual([
      { hostIp: undefined, published: 2775, target: 2775 },
      { hostIp: '127.0.0.1', published: 9091, target: 9090 },
      { target: 9999 },
      { hostIp: '127.0.0.1', published: 3000, target: 3000 },
    ]);
  });

  it('reads mounts in short and long forms', () => {
    expect(
      composeMounts({
        volumes: [
          './deploy/a.yml:/etc/a.yml:ro',
          'data:/var/lib/data',
          '/anonymous',
          { type: 'bind', source: './k8s', target: '/k8s', read_only: true },
        ],
      }),
    ).toEqual([
      { source: './deploy/a.yml', target: '/etc/a.yml', bind: true, readOnly: true },
      { source: 'data', target: '/var/lib/data', bind: false, readOnly: false },
      { source: './k8s', target: '/k8s', bind: true, readOnly: true },
    ]);
  });

  it('maps a container path to the host through the closest bind mount', () => {
    const service = {
      volumes: ['./conf:/etc/app:ro', './conf/extra.yml:/etc/app/extra.yml', 'data:/var/lib/app'],
    };
    expect(mountedHostPath(service, '/etc/app/main.yml', '/repo')).toEqual({
      path: '/repo/conf/main.yml',
      readOnly: true,
    });
    expect(mountedHostPath(service, '/etc/app/extra.yml', '/repo')).toEqual({
      path: '/repo/conf/extra.yml',
      readOnly: false,
    });
    expect(mountedHostPath(service, '/etc/application', '/repo')).toBeUndefined();
    expect(mountedHostPath(service, '/var/lib/app/x', '/repo')).toBeUndefined();
  });

  it('normalises environment and depends_on forms', () => {
    expect(composeEnvironment({ environment: ['A=1', 'B=x=y'] })).toEqual({ A: '1', B: 'x=y' });
    expect(composeEnvironment({ environment: { A: 1, B: null } })).toEqual({ A: '1', B: '' });
    expect(composeDependencies({ depends_on: ['db'] })).toEqual({ db: 'service_started' });
    expect(composeDependencies({ depends_on: { db: { condition: 'service_healthy' } } })).toEqual({
      db: 'service_healthy',
    });
  });
});
