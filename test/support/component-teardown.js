'use strict';

module.exports = async () => {
  await globalThis.__COMPONENT_INFRA__?.stop();
};
