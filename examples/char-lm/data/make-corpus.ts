// Generates corpus.txt: "The Yard Book", short stories and timetables about the engines of a
// country railway yard, written by a small random grammar. The text is procedural (original, no
// copyright), deterministic for a given seed, and regular enough that a small character model
// learns spelling, punctuation, names and sentence shapes within a few thousand steps.
//
//   node --import tsx examples/char-lm/data/make-corpus.ts [bytes=120000] [seed=7] [out]
//
// writes `out`, by default examples/char-lm/data/corpus.txt next to this file (another seed
// gives more text of the same kind: `npm run demo -- --loop` continues training on it).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../rng.ts';

const targetBytes = Number(process.argv[2] ?? 120_000);
const rng = new Rng(Number(process.argv[3] ?? 7));

const pick = <T>(items: readonly T[]): T => items[rng.int(items.length)];
const chance = (p: number): boolean => rng.next() < p;
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const engines = [
  'Old Bess', 'the Number Nine', 'Little Tom', 'the Grey Mare', 'the Night Owl', 'the Iron Duke',
  'Swift', 'Polly', 'the mail engine', 'the little tank engine', 'the big goods engine',
  'Martha', 'the Red Baron', 'Hector', 'the shunter', 'Daisy', 'the old saddle tank', 'Rowan',
];
const people = [
  'the stationmaster', 'the driver', 'the fireman', 'the signalman', 'the guard', 'Mrs. Hale',
  'young Peter', 'the porter', 'the inspector', 'old Mr. Finch', 'the shed foreman', 'Annie',
  'the ticket clerk', 'the lamp man', 'the ganger', 'Sam the cleaner',
];
const places = [
  'Harbor Junction', 'Millbrook', 'Ashford Yard', 'the north sidings', 'Crow Hill', 'Elm Cross',
  'the old turntable', 'the water tower', 'the coal stage', 'the river bridge', 'Kings Halt',
  'Stone Cutting', 'the engine shed', 'Foxley', 'the goods yard', 'Marsh Lane', 'Upper Dale',
];
const towns = ['Harbor Junction', 'Millbrook', 'Crow Hill', 'Elm Cross', 'Kings Halt', 'Foxley', 'Upper Dale', 'Marsh Lane', 'Westwater', 'Bramley'];
const times = [
  'at dawn', 'before noon', 'in the evening', 'after midnight', 'at a quarter past six',
  'on Monday morning', 'late on Friday', 'when the bells rang eight', 'at first light',
  'in the middle of the afternoon', 'just before dark', 'on market day',
];
const cargo = [
  'coal', 'timber', 'letters', 'milk', 'sheep', 'iron rails', 'passengers', 'apples', 'bricks',
  'grain', 'fish', 'china clay', 'hay', 'parcels', 'slate', 'potatoes', 'barrels of beer',
];
const moves = [
  'rolled into', 'steamed out of', 'waited at', 'backed slowly into', 'whistled past',
  'crept across', 'pulled away from', 'shunted wagons at', 'stopped short of', 'hurried through',
  'came puffing into', 'left', 'raced towards', 'drew up at',
];
const adverbs = ['slowly', 'quietly', 'proudly', 'carefully', 'bravely', 'sadly', 'merrily', 'at last', 'once again'];
const weather = [
  'rain fell on the roofs of the sheds', 'the fog was thick over the river',
  'snow lay deep on the tracks', 'the sun was low and red', 'a cold wind came down from the hills',
  'the rails shone after the storm', 'frost covered the signal wires', 'the evening was warm and still',
  'thunder rolled over Crow Hill', 'the smoke hung low over the yard',
];
const deeds = [
  'pulled the lever', 'counted the parcels', 'ran along the platform', 'rang the bell',
  'waved the green flag', 'polished the brass', 'lit the lamps', 'wrote in the big book',
  'oiled the wheels', 'shovelled more coal', 'checked the couplings', 'swept the platform',
  'looked at the clock', 'blew the whistle', 'filled the tender with water', 'mended the fence',
];
const sayings = [
  'We are late again', 'Mind the points', 'Fill her up with water', 'The signal is red',
  'Who left the gate open', 'Couple the wagons', 'That engine needs a rest', 'Stand clear of the line',
  'The express is coming', 'Keep the fire bright', 'Not today, old friend', 'Hold the train',
  'There is ice on the bridge', 'Look at all that coal', 'Every engine has its day',
  'The timetable is the timetable', 'Off you go, then',
];
const speechVerbs = ['said', 'called', 'shouted', 'whispered', 'grumbled', 'laughed', 'sighed', 'answered'];
const feelings = ['tired', 'proud', 'cross', 'happy', 'worried', 'sleepy', 'cheerful', 'ashamed', 'eager'];
const endings = [
  '{E} was never late again.', 'And that was the end of the trouble at {P}.',
  'Everyone agreed that {E} had done well.', 'The yard was quiet once more.',
  'So {E} went back to the shed to rest.', 'Nobody spoke of it again until the spring.',
  'From that day on {E} always whistled at {P}.',
];
const numbers = ['two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'ten', 'twelve', 'twenty'];

function clause(): string {
  switch (rng.int(7)) {
    case 0:
      return `${pick(engines)} ${pick(moves)} ${pick(places)} ${pick(times)}`;
    case 1:
      return `${pick(engines)} ${pick(moves)} ${pick(places)} with a train of ${pick(cargo)}`;
    case 2:
      return pick(weather);
    case 3:
      return `${pick(people)} ${pick(deeds)}`;
    case 4:
      return `there were ${pick(numbers)} wagons of ${pick(cargo)} waiting at ${pick(places)}`;
    case 5:
      return `${pick(engines)} felt ${pick(feelings)}`;
    default:
      return `${pick(people)} ${pick(deeds)} ${pick(adverbs)}`;
  }
}

function sentence(engine: string, place: string): string {
  const r = rng.int(10);
  if (r < 2) {
    const speaker = pick(people);
    return `"${pick(sayings)}${chance(0.3) ? '!' : ','}" ${pick(speechVerbs)} ${speaker}.`;
  }
  if (r === 2) return `${cap(pick(times))}, ${engine} ${pick(moves)} ${place}.`;
  if (r === 3 || r === 4) {
    const first = clause();
    let second = clause();
    while (second === first) second = clause();
    return `${cap(first)}, ${r === 3 ? 'and' : 'but'} ${second}.`;
  }
  if (r === 5) return `${cap(engine)} ${pick(moves)} ${place} ${pick(adverbs)}.`;
  if (r === 6) return `${cap(clause())} because ${clause()}.`;
  return `${cap(clause())}.`;
}

function story(chapter: number): string {
  const engine = pick(engines);
  const place = pick(places);
  const lines = [`Chapter ${chapter}. ${cap(engine)} and ${place}`, ''];
  const paragraphs = 2 + rng.int(3);
  for (let p = 0; p < paragraphs; p++) {
    const n = 3 + rng.int(4);
    const sentences: string[] = [];
    for (let i = 0; i < n; i++) sentences.push(sentence(engine, place));
    lines.push(sentences.join(' '), '');
  }
  lines.push(cap(pick(endings).replaceAll('{E}', engine).replaceAll('{P}', place)), '');
  return lines.join('\n');
}

function timetable(): string {
  const lines = [`Timetable for ${pick(towns)}`, ''];
  let minutes = 5 * 60 + rng.int(60);
  const rows = 4 + rng.int(5);
  for (let i = 0; i < rows; i++) {
    minutes += 15 + rng.int(90);
    const hh = String(Math.floor(minutes / 60) % 24).padStart(2, '0');
    const mm = String(minutes % 60).padStart(2, '0');
    const status = pick(['on time', 'on time', 'on time', 'late', 'cancelled', 'goods only']);
    const from = pick(towns);
    const to = pick(towns.filter((t) => t !== from));
    lines.push(`${hh}:${mm}  ${from} to ${to}, platform ${1 + rng.int(4)}, ${status}.`);
  }
  lines.push('');
  return lines.join('\n');
}

const parts = ['The Yard Book\n\nStories of the engines of Ashford Yard, with their timetables.\n'];
let size = parts[0].length;
for (let chapter = 1; size < targetBytes; chapter++) {
  const part = chance(0.25) ? `${story(chapter)}\n${timetable()}` : story(chapter);
  parts.push(part);
  size += part.length + 1;
}
const out = process.argv[4] ?? join(dirname(fileURLToPath(import.meta.url)), 'corpus.txt');
writeFileSync(out, parts.join('\n'));
console.log(`wrote ${out} (${size} bytes)`);
