import { describe, expect, it } from 'vitest';
import { checkVersion } from './version.js';

describe('checkVersion', () => {
  it('accepts the versions with SKIP LOCKED and RETURNING', () => {
    expect(() => checkVersion('postgresql', '15.20 (Debian 15.20-0+deb12u1)')).not.toThrow();
    expect(() => checkVersion('postgresql', '10.0')).not.toThrow();
    expect(() => checkVersion('mysql', '10.11.19-MariaDB-0+deb12u1')).not.toThrow();
    expect(() => checkVersion('mysql', '10.6.0-MariaDB')).not.toThrow();
    expect(() => checkVersion('mysql', '8.0.36')).not.toThrow();
    expect(() => checkVersion('sqlite', '3.49.2')).not.toThrow();
  });

  it('refuses older servers with a message that names what is missing', () => {
    expect(() => checkVersion('postgresql', '9.4.26')).toThrow(/PostgreSQL 10 or later/);
    expect(() => checkVersion('mysql', '10.5.23-MariaDB')).toThrow(
      /MariaDB 10.6 or later \(FOR UPDATE SKIP LOCKED\)/,
    );
    expect(() => checkVersion('mysql', '5.7.44')).toThrow(/MySQL 8.0.1 or later/);
    expect(() => checkVersion('sqlite', '3.31.1')).toThrow(/SQLite 3.35 or later/);
    try {
      checkVersion('mysql', '10.5.23-MariaDB');
    } catch (error) {
      expect(error).toMatchObject({ code: 'DISPATCH_STORE_UNSUPPORTED' });
    }
  });
});
