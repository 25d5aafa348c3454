// Canonical text for values, shared by the interop scripts and parsed by
// tests/parquet_interop_test.cc: null; true/false; integers and timestamps (in ns) as decimal
// strings; doubles as strings that parse back to the same double ("NaN", "Infinity",
// "-Infinity", "-0" included); strings as JSON strings.
export function canonDouble(x) {
  if (x === null || x === undefined) return null;
  const v = Number(x);
  if (Number.isNaN(v)) return 'NaN';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

export function canonInt(x) {
  if (x === null || x === undefined) return null;
  return typeof x === 'bigint' ? x.toString() : String(Math.trunc(Number(x)));
}

export function print(obj) {
  process.stdout.write(JSON.stringify(obj, (k, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
}
