using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Rewind.Tests.Postgres;

/// <summary>
/// A throwaway PostgreSQL server for the test run: initdb into a temporary folder, pg_ctl on a free loopback
/// port with the unix socket in that folder, stopped and deleted at the end. Run as root (as CI is), the server
/// runs as the <c>postgres</c> user, which PostgreSQL requires. <c>REWIND_TEST_POSTGRES</c> (a connection string)
/// points the tests at an existing server instead. In CI a server that cannot start fails the run; elsewhere
/// PostgreSQL-only tests skip with the reason.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "REWIND_TEST_POSTGRES";

    private readonly List<string> _databases = [];
    private string? _folder;
    private string? _binDirectory;
    private bool _asPostgresUser;

    /// <summary>Connection string of the maintenance database, or null when no server could be had.</summary>
    public string? AdminConnectionString { get; private set; }

    /// <summary>Why no server could be had (null when one is running).</summary>
    public string? Unavailable { get; private set; }

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } external)
        {
            AdminConnectionString = external;
            return;
        }

        try
        {
            AdminConnectionString = await StartAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or NpgsqlException)
        {
            Unavailable = $"no PostgreSQL server for the tests: {e.Message}. Install PostgreSQL's server package (apt-get install postgresql) or set {EnvironmentVariable} to a connection string.";
            if (InCi)
            {
                throw new InvalidOperationException(Unavailable + " (CI=true: PostgreSQL tests never skip in CI)", e);
            }
        }
    }

    /// <summary>A new empty database on the server; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var admin = AdminConnectionString ?? throw new InvalidOperationException(Unavailable);
        var name = "rw_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        lock (_databases)
        {
            _databases.Add(name);
        }

        // Short idle lifetime: the run makes hundreds of small databases, and idle pooled connections to them
        // would otherwise pile up against max_connections.
        return new NpgsqlConnectionStringBuilder(admin)
        {
            Database = name,
            ConnectionIdleLifetime = 2,
            ConnectionPruningInterval = 1,
        }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_folder is null)
        {
            await DropDatabasesAsync();
            return;
        }

        try
        {
            await RunAsync("pg_ctl", "stop", "-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w");
        }
        catch (InvalidOperationException)
        {
            // Already stopped; the folder goes either way.
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>On an external server, the databases this run made are removed again.</summary>
    private async Task DropDatabasesAsync()
    {
        if (AdminConnectionString is null)
        {
            return;
        }

        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString);
            await connection.OpenAsync();
            foreach (var name in _databases)
            {
                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException)
        {
            // Best effort: a leftover test database on a developer's server is harmless.
        }
    }

    private async Task<string> StartAsync()
    {
        _binDirectory = await FindBinDirectoryAsync();
        _asPostgresUser = Environment.IsPrivilegedProcess;
        _folder = Path.Combine(Path.GetTempPath(), "rewind-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_folder);
        if (_asPostgresUser)
        {
            // PostgreSQL refuses to run as root; the server's files must belong to the user it runs as.
            await RunProcessAsync("chown", "postgres:", _folder);
        }

        var data = Path.Combine(_folder, "data");
        await RunAsync("initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync");

        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort();
            var options = $"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={_folder} -c max_connections=300 " +
                          "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB";
            try
            {
                await RunAsync("pg_ctl", "start", "-D", data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60", "-o", options);
                return new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1",
                    Port = port,
                    Username = "postgres",
                    Database = "postgres",
                    Pooling = true,
                }.ConnectionString;
            }
            catch (InvalidOperationException e)
            {
                // Most likely the port was taken between probing and binding: try another.
                last = e;
            }
        }

        throw new InvalidOperationException($"pg_ctl could not start the server: {last?.Message}; log: {ReadLog()}", last);
    }

    private string ReadLog()
    {
        try
        {
            return File.ReadAllText(Path.Combine(_folder!, "server.log"));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static async Task<string> FindBinDirectoryAsync()
    {
        try
        {
            var bin = (await RunProcessAsync("pg_config", "--bindir")).Trim();
            if (File.Exists(Path.Combine(bin, "pg_ctl")) && File.Exists(Path.Combine(bin, "initdb")))
            {
                return bin;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // pg_config may be missing or belong to the client package only; look for the server's binaries.
        }

        const string Root = "/usr/lib/postgresql";
        var candidates = Directory.Exists(Root)
            ? Directory.GetDirectories(Root).Select(d => Path.Combine(d, "bin")).Where(b => File.Exists(Path.Combine(b, "pg_ctl")) && File.Exists(Path.Combine(b, "initdb")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0).ToList()
            : [];
        return candidates.FirstOrDefault() ?? throw new InvalidOperationException("initdb and pg_ctl were not found (no pg_config --bindir, nothing under /usr/lib/postgresql/*/bin)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a PostgreSQL program, as the postgres user when this process is root.</summary>
    private Task<string> RunAsync(string program, params string[] arguments)
    {
        var path = Path.Combine(_binDirectory!, program);
        return _asPostgresUser
            ? RunProcessAsync("runuser", ["-u", "postgres", "--", path, .. arguments])
            : RunProcessAsync(path, arguments);
    }

    private static async Task<string> RunProcessAsync(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(" ", arguments)} exited with {process.ExitCode}: {(await error).Trim()} {(await output).Trim()}");
        }

        return await output;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "postgres";
}
