// Writes the vega-datasets series of the real-world set as timestamp,value CSV. Run from the
// data/ folder of the unpacked npm package (npm pack vega-datasets@3.2.1) with the output folder
// as the only argument: node fromVega.mjs ../../realWorld/data
import { readFileSync, writeFileSync } from 'node:fs';

const out = process.argv[2];
const write = (name, rows) => writeFileSync(`${out}/${name}.csv`, `timestamp,value\n${rows.map(([t, v]) => `${t},${v ?? ''}`).join('\n')}\n`);
const iso = (date) => new Date(date).toISOString().replace('.000Z', 'Z');

const employment = readFileSync('us-employment.csv', 'utf8').trim().split('\n');
const header = employment[0].split(',');
for (const column of ['nonfarm', 'construction', 'manufacturing']) {
  const at = header.indexOf(column);
  write(`us-employment-${column}`, employment.slice(1).map((line) => { const fields = line.split(','); return [iso(`${fields[0]}T00:00:00Z`), fields[at]]; }));
}
const unemployment = JSON.parse(readFileSync('unemployment-across-industries.json', 'utf8'));
for (const industry of ['Construction', 'Manufacturing', 'Finance']) {
  write(`us-unemployment-rate-${industry.toLowerCase()}`, unemployment.filter((row) => row.series.startsWith(industry)).map((row) => [iso(Date.UTC(row.year, row.month - 1, 1)), row.rate]));
}
write('sp500-monthly', readFileSync('sp500.csv', 'utf8').trim().split('\n').slice(1).map((line) => { const [date, price] = line.split(','); return [iso(`${date} UTC`), price]; }));
const weather = readFileSync('weather.csv', 'utf8').trim().split('\n');
const wind = weather[0].split(',').indexOf('wind');
write('new-york-wind-daily', weather.slice(1).map((line) => line.split(',')).filter((fields) => fields[0] === 'New York').map((fields) => [iso(`${fields[1]}T00:00:00Z`), fields[wind]]));
