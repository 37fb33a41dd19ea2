# syntax=docker/dockerfile:1
# Vigil: build the server (tsc) and the page (Vite) with every dependency, then
# ship only dist/ and the production dependencies on node:20-slim, as a
# non-root user. Every setting is an environment variable (see README).
#   docker build -t vigil .
#   docker run --rm -p 8080:8080 vigil

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Everything .dockerignore lets through: the build may use scripts/ (vite plugins) too.
COPY . .
RUN npm run build

FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no production dependency (express, better-sse, pino, zod,
# systeminformation, prom-client, ioredis) has a native part or install script.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
# The tiers' state file: the one place the node user writes. Mount a volume to keep it across containers.
RUN mkdir /data && chown node:node /data
VOLUME /data
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# package.json says "type": "module", which dist/ (ES modules in .js) needs.
COPY --chown=root:root package.json ./
# The image's `node` user (uid 1000) owns nothing it runs: the code is root-owned and read-only to it.
USER node
EXPOSE 8080
# slim has no curl: a node one-liner, on the port the container was started with.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM from `docker stop` reaches node directly (exec form, PID 1 handles it in main.ts).
CMD ["node", "--max-semi-space-size=1", "dist/server/main.js"]
