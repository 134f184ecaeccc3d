// Draws the tab bar icons (81×81 PNG, grey and party red) into src/images/: `node tools/tab-icons.js`.
// Plain geometry with 4× supersampling, written with Node's zlib, so no image library is needed.
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const SIZE = 81;
const SS = 4;
const COLORS = { normal: [0x66, 0x66, 0x66], active: [0xC8, 0x16, 0x1D] };
const STROKE = 6;

function segDist(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

const line = (ax, ay, bx, by) => (x, y) => segDist(x, y, ax, ay, bx, by) <= STROKE / 2;
const ring = (cx, cy, r) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) <= STROKE / 2;
const disc = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) <= r;
const polyline = points => {
  const parts = [];
  for (let i = 0; i + 1 < points.length; i++) parts.push(line(points[i][0], points[i][1], points[i + 1][0], points[i + 1][1]));
  return (x, y) => parts.some(p => p(x, y));
};
const any = (...shapes) => (x, y) => shapes.some(s => s(x, y));
const minus = (shape, hole) => (x, y) => shape(x, y) && !hole(x, y);

const ICONS = {
  // A house: roof, walls and a door.
  home: polyline([[12, 40], [40.5, 14], [69, 40], [61, 40], [61, 68], [20, 68], [20, 40], [12, 40]]),
  // A meeting ticked off: a ring with a check mark.
  events: any(ring(40.5, 40.5, 27), polyline([[27, 41], [37, 51], [55, 31]])),
  // A coin with the yuan sign.
  dues: any(ring(40.5, 40.5, 27), polyline([[29, 24], [40.5, 39], [52, 24]]), line(40.5, 39, 40.5, 60),
    line(29, 42, 52, 42), line(29, 51, 52, 51)),
  // A person: head and shoulders.
  mine: any(ring(40.5, 27, 12), minus(ring(40.5, 72, 27), (x, y) => y > 70))
};

function crc32(buf) {
  let c;
  let crc = 0xFFFFFFFF;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xFF;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xFFFFFFFF) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(shape, rgb) {
  const rows = [];
  for (let y = 0; y < SIZE; y++) {
    const row = Buffer.alloc(1 + SIZE * 4);
    for (let x = 0; x < SIZE; x++) {
      let hits = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) if (shape(x + (sx + 0.5) / SS, y + (sy + 0.5) / SS)) hits++;
      }
      row.set([rgb[0], rgb[1], rgb[2], Math.round(255 * hits / (SS * SS))], 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
    chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), { level: 9 })), chunk('IEND', Buffer.alloc(0))
  ]);
}

const out = path.resolve(__dirname, '..', 'src', 'images');
fs.mkdirSync(out, { recursive: true });
Object.keys(ICONS).forEach(name => {
  fs.writeFileSync(path.join(out, 'tab-' + name + '.png'), png(ICONS[name], COLORS.normal));
  fs.writeFileSync(path.join(out, 'tab-' + name + '-active.png'), png(ICONS[name], COLORS.active));
});
