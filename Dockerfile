# syntax=docker/dockerfile:1
#
# shardcache: a memcached-compatible cache daemon.
#   docker build -t shardcache .
#   docker run --rm -m 512m -p 11211:11211 -p 9150:9150 shardcache   # cache sized from the 512m limit
#   docker run --rm -p 11211:11211 shardcache -m 1024 -t 4 -v   # memcached flags, as with the memcached image
#   docker run --rm -p 6379:6379 -e SHARDCACHE_REDIS_PORT=6379 shardcache   # the Redis protocol too
#   docker run --rm -p 6379:6379 -e SHARDCACHE_REDIS_PORT=6379 -e SHARDCACHE_REQUIREPASS=secret shardcache   # with AUTH
# Options are memcached's (`docker run --rm shardcache --help`); every one can
# also be set as SHARDCACHE_<LONG_NAME>, and the command line wins.

# ---- build: compile TypeScript, then drop devDependencies ------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# .dockerignore admits only the sources `npm run build` compiles (src/, workers/,
# bench/ and the tsconfigs), so this copies whichever of them exist.
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: compiled JS and production node_modules only -----------------
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and only readable by `node`: the daemon writes nothing here.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
# memcached protocols, admin HTTP (/metrics /healthz /readyz); the Redis port is off unless asked for.
EXPOSE 11211 9150
# Inside a container the daemon must listen on every interface to be reachable
# (its own default is 127.0.0.1). CMD says so for the default command; the
# environment says it again so that `docker run IMAGE -m 1024`, which replaces
# CMD, still listens on 0.0.0.0. `-l ADDR` on the command line overrides both.
ENV SHARDCACHE_LISTEN=0.0.0.0
# Protected mode refuses to listen on a non-loopback address with no authentication
# configured. Inside a container 0.0.0.0 is the pod's or bridge network only, and
# memcached itself has no authentication by default, so the image turns the check
# off explicitly (as an environment switch, so it survives a replaced CMD). To keep
# protected mode on, run with -e SHARDCACHE_UNSAFE_NO_AUTH=0 and configure auth
# (--auth-file for memcached, --requirepass or --acl-file for Redis).
ENV SHARDCACHE_UNSAFE_NO_AUTH=1
# The cache takes what the container's memory limit leaves after Node's own
# needs (no limit: 64 MB); -m on the command line overrides it.
ENV SHARDCACHE_MEMORY_LIMIT=auto
# The admin port answers the HEALTHCHECK below and Prometheus (the memcached exporter's port).
ENV SHARDCACHE_ADMIN_PORT=9150
# Node receives SIGTERM directly as PID 1 (exec form, no shell) and main.ts
# shuts down gracefully on it; the daemon spawns no child processes to reap.
STOPSIGNAL SIGTERM
# Plain Node, no extra packages: GET /healthz on the admin port over loopback
# (200 only when every shard answers). It follows SHARDCACHE_ADMIN_PORT; an
# admin port given with --admin-port needs `docker run --health-cmd`.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SHARDCACHE_ADMIN_PORT||9150)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
# An 8 MB young-generation semi-space (the same flag as `npm start`): see the
# "Launch flag" note in docs/ARCHITECTURE.md for why neither smaller nor the default.
ENTRYPOINT ["node", "--max-semi-space-size=8", "dist/src/main.js"]
CMD ["-l", "0.0.0.0"]
