'use strict';

module.exports = async () => {
  await globalThis.__SYSTEM__?.stop();
};
