# One image for every Trellis process; docker-compose.yml picks the entry point per service.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY tsconfig.json ./
COPY api ./api
COPY activities ./activities
COPY config ./config
COPY domain ./domain
COPY models ./models
COPY platform ./platform
COPY services ./services
COPY workers ./workers
COPY workflows ./workflows
USER node
EXPOSE 3000
CMD ["npx", "tsx", "api/server.ts"]
