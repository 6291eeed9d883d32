# Stalk as one executable in a slim image (no Deno, no Bun, no node_modules at run time):
#   docker build -t stalk .
#   docker run -p 5555:5555 -e CELERY_BROKER_URL=amqp://guest:guest@rabbitmq:5672// stalk
#
# The binary is built the way CI builds the one it tests (./scripts/build): `deno install` fills
# node_modules from deno.lock, then `bun build --compile` bundles main.ts into one executable.

ARG DENO_VERSION=2.9.6
ARG BUN_VERSION=1.4.5

FROM denoland/deno:${DENO_VERSION} AS deps
WORKDIR /app
# Dependencies first, so a source change does not download them again.
COPY deno.json deno.lock ./
RUN deno install

FROM oven/bun:${BUN_VERSION} AS build
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY deno.json main.ts ./
COPY src ./src
RUN bun build --compile main.ts --outfile /stalk

FROM debian:bookworm-slim
COPY --from=build /stalk /stalk
USER nobody
EXPOSE 5555
ENTRYPOINT ["/stalk"]
