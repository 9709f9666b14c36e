# syntax=docker/dockerfile:1
# One image per service: docker build --build-arg SERVICE=checkout-service -t checkout-saga/checkout-service .
ARG NODE_IMAGE=node:24-slim

# Only the package manifests, so the install layer stays cached until a dependency changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /manifests \; \
 && cp package-lock.json .npmrc /manifests/

FROM ${NODE_IMAGE} AS build
ARG SERVICE
RUN test -n "$SERVICE" || (echo 'build with --build-arg SERVICE=<service dir>' >&2 && exit 1)
WORKDIR /app
COPY --from=manifests /manifests ./
# npm install installs the versions package-lock.json pins (see scripts/setup.js).
RUN npm install --no-audit --no-fund
COPY . .
# Builds the service and, through its project references, libs/contracts and libs/chassis.
RUN npx tsc -b "$SERVICE" \
 && npm prune --omit=dev --no-audit --no-fund \
 && mkdir /out \
 && cp -a --parents package.json node_modules libs/contracts/package.json libs/contracts/dist \
      libs/chassis/package.json libs/chassis/dist "$SERVICE/package.json" "$SERVICE/dist" /out/

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
# Files stay root-owned and read-only for the process; it writes nothing but stdout.
COPY --from=build /out /app
WORKDIR /app/${SERVICE}
USER node
# Exec form: node is PID 1 and receives SIGTERM itself, so the graceful drain runs. kafkajs 2.2.4
# arms a timer with a negative delay after its first broker reply, which Node 24 reports once per
# process on stderr (TimeoutNegativeWarning, tulios/kafkajs#1751): no fault, and not a JSON line.
CMD ["node", "--disable-warning=TimeoutNegativeWarning", "dist/main.js"]
