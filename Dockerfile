# gitlab-ci-dispatcher: Node + git.
#   docker build -t gitlab-ci-dispatcher .
#   docker build --build-arg BASE_IMAGE=my-registry/node:20-bookworm-slim -t gitlab-ci-dispatcher .
# BASE_IMAGE: a Debian-based Node 20 image (node at /usr/local/bin, npm). Tools it lacks (git; python3,
# make and g++ should better-sqlite3 build from source) come from apt; a base that has them skips apt.
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
RUN missing=""; \
    for tool in git python3 make g++; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done; \
    if [ -n "$missing" ]; then \
      apt-get update && apt-get install -y --no-install-recommends ca-certificates $missing && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
# Only what the build reads: edits elsewhere (docs, tests) keep the cached layers.
COPY tsconfig.json tsconfig.build.json ./
COPY schema schema
COPY web web
COPY src src
COPY scripts/bundle.mjs scripts/bundle-loader.cjs scripts/
# `build` is the server (tsc), the bundled CLI (esbuild) and the web UI (vite)
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE_IMAGE}
RUN if ! command -v git >/dev/null 2>&1; then \
      apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*; \
    fi \
 && groupadd --system --gid 10001 gcd \
 && useradd --system --uid 10001 --gid gcd --home-dir /home/gcd --create-home --shell /bin/sh gcd \
 && mkdir -p /data /home/gcd/.gitlab-ci-dispatcher \
 && chown gcd:gcd /data /home/gcd/.gitlab-ci-dispatcher \
 && chmod 0700 /data
# The application stays root's (read-only for the service); only /data and $HOME are writable.
COPY --from=build /app/package.json /app/package-lock.json /app/
COPY --from=build /app/node_modules /app/node_modules
COPY --from=build /app/dist /app/dist
COPY --from=build /app/web/dist /app/web/dist
COPY --from=build /app/schema /app/schema
RUN ln -s /app/dist/cli/main.js /usr/local/bin/gcd \
 && ln -s /app/dist/cli/main.js /usr/local/bin/gitlab-ci-dispatcher \
 && chmod 0755 /app/dist/cli/main.js
USER gcd
WORKDIR /home/gcd
ENV NODE_ENV=production GCD_DATA_DIR=/data GCD_HOST=0.0.0.0 GCD_PORT=8080 \
    GCD_RUNNER_CONFIG=/home/gcd/.gitlab-ci-dispatcher/runner.json
VOLUME /data
EXPOSE 8080
# GitLab's /-/health (from loopback, which the monitoring allowlist lets in), with node: no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.GCD_PORT||8080)+'/-/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["serve"]
