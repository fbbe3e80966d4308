import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { makeWireEvent, WIRE_FIELD_NAMES } from './testing/fixtures.js';
import { fieldsToObject, formatTimestamp, wireFields } from './wire-fields.js';

// What Python 3.7-3.10's `datetime.fromisoformat` accepts: exactly the output of `isoformat()`
// (a 3- or 6-digit fraction, a `+HH:MM` offset, no `Z`).
const PY310_ISOFORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}(\d{3})?)?[+-]\d{2}:\d{2}$/;

const hasPython = (() => {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('formatTimestamp', () => {
  const samples = [
    new Date('2026-01-02T03:04:05.678Z'),
    new Date('2026-01-02T03:04:05.000Z'),
    new Date('2026-12-31T23:59:59.001Z'),
    new Date('1999-07-04T00:00:00.090Z'),
  ];

  it("writes Python's isoformat() of a UTC time by default", () => {
    expect(formatTimestamp(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678000+00:00');
    // isoformat() leaves the fraction out when the microseconds are zero.
    expect(formatTimestamp(new Date('2026-01-02T03:04:05.000Z'))).toBe('2026-01-02T03:04:05+00:00');
    expect(formatTimestamp(new Date('2026-01-02T03:04:05.678Z'), 'toISOString')).toBe(
      '2026-01-02T03:04:05.678Z',
    );
  });

  it('stays inside the grammar that Python 3.10 fromisoformat reads; toISOString does not', () => {
    for (const date of samples) expect(formatTimestamp(date)).toMatch(PY310_ISOFORMAT);
    expect(formatTimestamp(samples[0] as Date, 'toISOString')).not.toMatch(PY310_ISOFORMAT);
  });

  it.skipIf(!hasPython)(
    "is what Python's own isoformat() writes, and fromisoformat reads back the same instant",
    () => {
      const script = [
        'import sys, json, datetime',
        'out = []',
        'for ms in json.loads(sys.argv[1]):',
        '    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)',
        '    out.append(t.isoformat())',
        'print(json.dumps(out))',
      ].join('\n');
      const written = JSON.parse(
        execFileSync('python3', ['-c', script, JSON.stringify(samples.map((date) => date.getTime()))], {
          encoding: 'utf8',
        }),
      ) as string[];
      expect(samples.map((date) => formatTimestamp(date))).toEqual(written);
      const back = JSON.parse(
        execFileSync(
          'python3',
          [
            '-c',
            'import sys, json, datetime\nprint(json.dumps([round(datetime.datetime.fromisoformat(s).timestamp() * 1000) for s in json.loads(sys.argv[1])]))',
            JSON.stringify(samples.map((date) => formatTimestamp(date))),
          ],
          { encoding: 'utf8' },
        ),
      ) as number[];
      expect(back).toEqual(samples.map((date) => date.getTime()));
    },
  );
});

describe('wireFields', () => {
  it('writes the reserved fields first, then own fields, key and trace context, all as strings', () => {
    const event = makeWireEvent();
    const fields = wireFields(event);
    expect(fields.filter((_, i) => i % 2 === 0)).toEqual(WIRE_FIELD_NAMES);
    const object = fieldsToObject(fields);
    expect(object).toMatchObject({ event_id: event.id, count: '2', flag: 'false', key: 'k' });
    expect(object.timestamp).toBe(formatTimestamp(event.createdAt));
    expect(fieldsToObject(wireFields(event, { timestampFormat: 'toISOString' })).timestamp).toBe(
      event.createdAt.toISOString(),
    );
  });

  it('leaves out cloud_event for a backend that carries the CloudEvent its own way', () => {
    const names = wireFields(makeWireEvent(), { cloudEvent: false }).filter((_, i) => i % 2 === 0);
    expect(names).toEqual(WIRE_FIELD_NAMES.filter((name) => name !== 'cloud_event'));
  });
});
