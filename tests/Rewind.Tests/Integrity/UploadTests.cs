using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Rewind.Sqlite;
using Rewind.Tests.Server;
using Rewind.Tests.Support;

namespace Rewind.Tests.Integrity;

/// <summary>
/// Bundles uploaded to <c>rewind serve</c> go to a private folder of its own (0700, checked), streamed within the
/// bundle limits; other request bodies are small. Every answer says nosniff and names no path on the server.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class UploadTests : IAsyncLifetime
{
    private readonly TestFolder _folder = new();
    private string _token = "";

    private string Uploads => _folder.Combine(".rewind", "artifacts", "uploads");

    /// <summary>The server's temporary folder (TMPDIR): nothing of an upload may land there.</summary>
    private string Temp => _folder.Combine("tmp");

    private Dictionary<string, string> Environment => new() { ["TMPDIR"] = Temp };

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Temp);
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
            limits:
              maxUnpackedBytes: 1MiB
              maxEntries: 10

            """);
        _token = await ServerProcess.CreateTokenAsync(new SqliteTokenStore(_folder.Combine("rewind.db")), "deployer-token", "admin");
    }

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("owned by another user")]
    [InlineData("open to others")]
    [InlineData("a link")]
    public async Task An_upload_folder_that_is_not_private_to_the_server_is_not_used(string how)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Uploads)!);
        if (how == "a link")
        {
            Directory.CreateDirectory(_folder.Combine("elsewhere"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.CreateSymbolicLink(Uploads, _folder.Combine("elsewhere"));
        }
        else
        {
            Directory.CreateDirectory(Uploads, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(Uploads, how == "open to others" ? (UnixFileMode)0x1FF : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (how == "owned by another user")
            {
                await RunAsync("chown", "65534", Uploads);
            }
        }

        using var serve = CliRunner.Start(_folder.Path, Environment, "serve", "--urls", $"http://127.0.0.1:{TestHttpServer.FreePort()}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stderr = serve.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await serve.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            serve.Kill(entireProcessTree: true);
            Assert.Fail($"rewind serve started with an upload folder {how}");
        }

        Assert.Equal(2, serve.ExitCode);
        Assert.Contains($"refusing to use {Uploads}", await stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_server_makes_its_upload_folder_private_and_an_aborted_or_oversized_upload_leaves_nothing()
    {
        // A set-group-id artifact folder passes its bit on to the upload folder: that bit grants no access.
        Directory.CreateDirectory(Path.GetDirectoryName(Uploads)!);
        File.SetUnixFileMode(Path.GetDirectoryName(Uploads)!, (UnixFileMode)0x5ED); // 2755
        await using var server = await ServerProcess.StartAsync(_folder.Path, Environment);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Uploads) & (UnixFileMode)0x1FF);

        // The client goes away after 256 KiB of a 900 KiB upload.
        var aborted = new HttpRequestMessage(HttpMethod.Post, "/api/targets/env1/deployments") { Content = new ZerosContent(900 << 10, failAfter: 256 << 10) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => server.SendAsync(aborted, _token));

        // Past the limits (1 MiB of content, 10 entries): refused while it streams in.
        using (var oversized = await server.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/targets/env1/deployments") { Content = new ZerosContent(3 << 20) }, _token))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        }

        var clock = Stopwatch.StartNew();
        while (Directory.EnumerateFileSystemEntries(Uploads).Any() && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(Uploads));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Temp, "rewind-uploads*"));
        Assert.Empty(await new SqliteProvider().ScalarAsync("sqlite:" + _folder.Combine("rewind.db"), "SELECT group_concat(id) FROM rw_ledger_deployments") as string ?? "");
    }

    [Fact]
    public async Task A_100_MB_JSON_body_is_refused_with_413_without_the_server_growing()
    {
        await using var server = await ServerProcess.StartAsync(_folder.Path, Environment);
        var peakBefore = PeakMemory(server.ProcessId);

        foreach (var path in new[] { "/api/targets/env1/deployments", "/api/targets/env1/rollback" })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ZerosContent(100L << 20, json: true) };
            request.Headers.ExpectContinue = true;
            using var response = await server.SendAsync(request, _token);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        var grown = PeakMemory(server.ProcessId) - peakBefore;
        Assert.True(grown < 32L << 20, $"the server's peak memory grew by {grown >> 20} MiB");
    }

    [Fact]
    public async Task Every_answer_says_nosniff_and_no_problem_names_a_path_on_the_server()
    {
        await using var server = await ServerProcess.StartAsync(_folder.Path, Environment);
        var notZip = new ByteArrayContent("not a zip"u8.ToArray());
        notZip.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        var requests = new (HttpRequestMessage Request, string? Token)[]
        {
            (new HttpRequestMessage(HttpMethod.Get, "/health"), null),
            (new HttpRequestMessage(HttpMethod.Get, "/"), null),
            (new HttpRequestMessage(HttpMethod.Get, "/api/targets"), null),
            (new HttpRequestMessage(HttpMethod.Get, "/api/targets"), _token),
            (new HttpRequestMessage(HttpMethod.Get, "/nowhere"), _token),
            (new HttpRequestMessage(HttpMethod.Post, "/api/targets/env1/deployments") { Content = notZip }, _token),
            (new HttpRequestMessage(HttpMethod.Post, "/api/targets/env1/deployments") { Content = new StringContent("""{"path": "incoming/missing.zip"}""", System.Text.Encoding.UTF8, "application/json") }, _token),
        };

        var problems = 0;
        foreach (var (request, token) in requests)
        {
            var what = $"{request.Method} {request.RequestUri}";
            using var response = await server.SendAsync(request, token);
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var values) && values.Single() == "nosniff", $"{what}: no nosniff");
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode >= 400)
            {
                problems++;
                Assert.DoesNotContain(_folder.Path, body, StringComparison.Ordinal);
                Assert.DoesNotContain(Path.TrimEndingDirectorySeparator(Path.GetTempPath()) + "/", body, StringComparison.Ordinal);
            }
        }

        Assert.Equal(4, problems);
    }

    private static long PeakMemory(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;

    private static async Task RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(file, args);
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
    }

    /// <summary>A body of zeros (or a JSON string of them) written as it is sent, never held whole; optionally failing part way.</summary>
    private sealed class ZerosContent : HttpContent
    {
        private readonly long _length;
        private readonly long? _failAfter;
        private readonly bool _json;

        public ZerosContent(long length, long? failAfter = null, bool json = false)
        {
            _length = length;
            _failAfter = failAfter;
            _json = json;
            Headers.ContentType = new MediaTypeHeaderValue(json ? "application/json" : "application/zip");
            Headers.ContentLength = length;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[64 << 10];
            Array.Fill(chunk, _json ? (byte)'a' : (byte)0);
            long sent = 0;
            if (_json)
            {
                await stream.WriteAsync("{\"path\":\""u8.ToArray());
                sent += 9;
            }

            while (sent < _length - (_json ? 2 : 0))
            {
                if (sent >= _failAfter)
                {
                    throw new IOException("the client went away");
                }

                var n = (int)Math.Min(chunk.Length, _length - (_json ? 2 : 0) - sent);
                await stream.WriteAsync(chunk.AsMemory(0, n));
                sent += n;
            }

            if (_json)
            {
                await stream.WriteAsync("\"}"u8.ToArray());
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }
    }
}
