'use strict';
// One status line on stderr: rewritten in place on a terminal, a line every few seconds otherwise.

const tty = process.stderr.isTTY;
let last = 0;
let shown = false;

function progress(text) {
  if (tty) {
    const width = process.stderr.columns || 120;
    process.stderr.write(`\r\x1b[K${text.slice(0, width - 1)}`);
    shown = true;
  } else if (Date.now() - last > 5000) {
    last = Date.now();
    process.stderr.write(`${text}\n`);
  }
}

/** A permanent line (ends the status line first). */
function note(text) {
  if (tty && shown) process.stderr.write('\r\x1b[K');
  shown = false;
  process.stderr.write(`${text}\n`);
}

module.exports = { progress, note };
