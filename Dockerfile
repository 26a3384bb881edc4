# gitlab-ci-dispatcher: Node + git. Build: docker build -t gitlab-ci-dispatcher .
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm run build:web --if-present && npm prune --omit=dev
ENV GCD_DATA_DIR=/data GCD_HOST=0.0.0.0 GCD_PORT=8080
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
