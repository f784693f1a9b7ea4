# syntax=docker/dockerfile:1
# Tessera: the identity service (npm start), the MCP server (npm run mcp) and the tessera CLI in
# one image. Runs as the unprivileged "node" user.

FROM node:24-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the image's own Node 24 replaces the "node" devDependency.
RUN npm ci --omit=dev --no-audit --no-fund

# The web console: built with the dev dependencies (Vite, React), only its static files kept.
FROM node:24-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY gen ./gen
COPY client ./client
COPY console ./console
RUN node_modules/.bin/tsx console/build.ts

FROM node:24-slim
ENV NODE_ENV=production \
    TESSERA_HOST=0.0.0.0 \
    TESSERA_MCP_HOST=0.0.0.0 \
    TESSERA_OPS_HOST=0.0.0.0 \
    TESSERA_DATA_DIR=/var/lib/tessera
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY gen ./gen
COPY client ./client
COPY common ./common
COPY services ./services
COPY mcp ./mcp
COPY cli ./cli
COPY --from=console /app/dist/console ./dist/console
# A named volume mounted here starts out owned by "node", so bootstrap can write credentials.
RUN mkdir -p /var/lib/tessera && chown node:node /var/lib/tessera \
 && ln -s /app/cli/bin.mjs /usr/local/bin/tessera
USER node
EXPOSE 8080 8081 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9090/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "services/main.ts"]
