using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Rewind.Bench;

/// <summary>
/// A throwaway PostgreSQL server for the benchmark, started as the tests start theirs (initdb + pg_ctl on a free
/// loopback port, as the postgres user when running as root), with durable defaults (fsync on) and a larger
/// shared_buffers and max_wal_size so a 10M-row load does not checkpoint continuously.
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _folder;
    private readonly bool _asPostgresUser;

    private PostgresServer(string bin, string folder, bool asPostgresUser, string connectionString)
    {
        BinDirectory = bin;
        _folder = folder;
        _asPostgresUser = asPostgresUser;
        ConnectionString = connectionString;
    }

    public string BinDirectory { get; }

    public string ConnectionString { get; }

    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken)
    {
        var bin = FindBinDirectory() ?? throw new InvalidOperationException("initdb and pg_ctl were not found under /usr/lib/postgresql/*/bin: install PostgreSQL's server package (apt-get install postgresql) or pass --postgres CONNECTION STRING");
        var asPostgresUser = Environment.IsPrivilegedProcess;
        var folder = Path.Combine(Path.GetTempPath(), "rewind-bench-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        if (asPostgresUser)
        {
            await RunAsync("chown", ["postgres:", folder], cancellationToken);
        }

        var data = Path.Combine(folder, "data");
        string Program(string name) => Path.Combine(bin, name);
        async Task RunPgAsync(string name, params string[] arguments) =>
            await RunAsync(asPostgresUser ? "runuser" : Program(name), asPostgresUser ? ["-u", "postgres", "--", Program(name), .. arguments] : arguments, cancellationToken);

        await RunPgAsync("initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync");
        var port = FreePort();
        var options = $"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} " +
                      "-c shared_buffers=512MB -c max_wal_size=8GB -c checkpoint_timeout=30min -c maintenance_work_mem=256MB -c work_mem=64MB";
        await RunPgAsync("pg_ctl", "start", "-D", data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "-o", options);
        var connectionString = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres" }.ConnectionString;
        return new PostgresServer(bin, folder, asPostgresUser, connectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        var pgCtl = Path.Combine(BinDirectory, "pg_ctl");
        string[] stop = ["stop", "-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w"];
        try
        {
            await RunAsync(_asPostgresUser ? "runuser" : pgCtl, _asPostgresUser ? ["-u", "postgres", "--", pgCtl, .. stop] : stop, CancellationToken.None);
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
    }

    /// <summary>The newest installed server's bin folder (pg_dump and pg_restore live there too).</summary>
    public static string? FindBinDirectory()
    {
        const string Root = "/usr/lib/postgresql";
        return Directory.Exists(Root)
            ? Directory.GetDirectories(Root).Select(d => Path.Combine(d, "bin")).Where(b => File.Exists(Path.Combine(b, "pg_ctl")) && File.Exists(Path.Combine(b, "initdb")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0).FirstOrDefault()
            : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
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

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(" ", info.ArgumentList)} exited with {process.ExitCode}: {(await error).Trim()} {(await output).Trim()}");
        }

        return await output;
    }
}
