import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Absolute paths of what `writeCertificates` made, and `read(name)` for a file's PEM text. */
export interface TestCertificates {
  dir: string;
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The PEM text of `ca.crt`, `client.key`, ... in the folder. */
  read(name: string): string;
}

/**
 * A throwaway CA (`ca.crt`, `ca.key`) in `dir`, a server certificate for localhost / 127.0.0.1
 * (`server.crt`, `server.key`) and a client certificate (`client.crt`, `client.key`), all signed
 * by the CA and valid for a day. Uses `openssl`.
 */
export function writeCertificates(dir: string): TestCertificates {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const key = ['-newkey', 'rsa:2048', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...key,
    '-days',
    '1',
    '-subj',
    '/CN=dispatch-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  const extensions = {
    server: 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    client: 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=clientAuth',
  };
  for (const [name, ext] of Object.entries(extensions)) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(
      'req',
      ...key,
      '-subj',
      `/CN=dispatch-test-${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    );
  }
  return {
    dir,
    ca: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    read: (name) => readFileSync(join(dir, name), 'utf8'),
  };
}
