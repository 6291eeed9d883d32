# Stalk as one executable in a slim image (no Deno, no node_modules at run time):
#   docker build -t stalk .
#   docker run -p 5555:5555 -e CELERY_BROKER_URL=amqp://guest:guest@rabbitmq:5672// stalk

ARG DENO_VERSION=2.9.6

FROM denoland/deno:${DENO_VERSION} AS build
WORKDIR /app
# Dependencies first, so a source change does not download them again.
COPY deno.json deno.lock ./
RUN deno install
COPY main.ts ./
COPY src ./src
RUN deno compile -A --output /stalk main.ts

FROM debian:bookworm-slim
COPY --from=build /stalk /stalk
USER nobody
EXPOSE 5555
ENTRYPOINT ["/stalk"]
