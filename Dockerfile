# syntax=docker/dockerfile:1
#
# dsrflow image: one image for the API (default), the worker and the migrations.
#   docker run ... dsrflow                          -> node src/server.ts
#   docker run ... dsrflow node src/worker.ts       -> Temporal worker
#   docker run ... dsrflow node src/db/migrate-cli.ts
# Node 24 runs the TypeScript sources directly (type stripping): there is no build step and no dist/.

ARG NODE_IMAGE=node:24-bookworm-slim

# --- dependencies ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
# Production dependencies only, at the versions of package-lock.json. The devDependency `node` (an
# npm-packaged Node binary) and the type checker stay out: the image runs the base image's node.
# @temporalio/worker, its workflow bundler and @swc/core are production dependencies, so the worker
# bundles workflows at start.
# `npm install --no-save` rather than `npm ci`, as in .ci/run: the lockfile lacks some of @swc/core's
# optional platform packages (our registry mirror has none), so `npm ci` refuses it as out of sync.
# Switch back to `npm ci --omit=dev` once the lockfile is complete.
RUN npm install --omit=dev --no-save && npm cache clean --force

# --- runtime ----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/app/.data \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
WORKDIR /app
# Code and dependencies belong to root and are read-only for the process; only DATA_DIR is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src/ ./src/
COPY config/ ./config/
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
CMD ["node", "src/server.ts"]
