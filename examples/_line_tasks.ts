// The task module of stream_lines.ts: parses one line of the generated
// weather log, `station;celsius`, into a small record.

/** One reading of the log. */
export interface Reading {
  station: string;
  celsius: number;
}

/** Parses `station;celsius`; throws a TypeError on a malformed line. */
export function parseReading(line: string): Reading {
  const at = line.indexOf(";");
  const celsius = Number(line.slice(at + 1));
  if (at < 1 || !Number.isFinite(celsius)) {
    throw new TypeError(`Cannot parse line '${line}'`);
  }
  return { station: line.slice(0, at), celsius };
}
