# rewind serve in a container: the HTTP API, the dashboard, /health and /metrics on port 8080.
# Build: docker build -t rewind .   Run: see examples/compose/compose.yaml (beside PostgreSQL).
# The configuration is mounted at /data/rewind.yaml; /data also holds the artifact store (a volume).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so a source change does not re-download packages.
COPY global.json Directory.Build.props Directory.Packages.props Rewind.slnx ./
COPY build/ build/
COPY src/Rewind.Core/Rewind.Core.csproj src/Rewind.Core/
COPY src/Rewind.Sqlite/Rewind.Sqlite.csproj src/Rewind.Sqlite/
COPY src/Rewind.Postgres/Rewind.Postgres.csproj src/Rewind.Postgres/
COPY src/Rewind.Server/Rewind.Server.csproj src/Rewind.Server/
COPY src/Rewind.Cli/Rewind.Cli.csproj src/Rewind.Cli/
RUN dotnet restore src/Rewind.Cli/Rewind.Cli.csproj
COPY README.md ./
COPY examples/ examples/
COPY src/ src/
RUN dotnet publish src/Rewind.Cli/Rewind.Cli.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl only for the HEALTHCHECK (the runtime image has none).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data/.rewind && chown -R "$APP_UID" /data
COPY --from=build /app /app
WORKDIR /data
# The image's unprivileged user (uid 1654): rewind needs no root, and its artifact store must not be root's.
USER $APP_UID
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 REWIND_USER=rewind-server
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["dotnet", "/app/rewind.dll"]
CMD ["serve", "--urls", "http://0.0.0.0:8080"]
