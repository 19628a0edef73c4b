using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Rewind.Core.Bundles;

/// <summary>
/// Writes a bundle directory line by line (the inverse bundle is written this way while it is captured),
/// hashing each file as it goes so the digest is known without reading the bundle back.
/// </summary>
public sealed class BundleWriter : IAsyncDisposable
{
    private static readonly byte[] KeyPrefix = "{\"key\":"u8.ToArray();
    private static readonly byte[] BodyInfix = ",\"body\":"u8.ToArray();
    private static readonly byte[] DeleteSuffix = ",\"delete\":true}\n"u8.ToArray();
    private static readonly byte[] LineEnd = "}\n"u8.ToArray();

    private readonly string _directory;
    private readonly Func<string, Stream> _create;
    private readonly Dictionary<string, HashedFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _digests = new(StringComparer.Ordinal);
    private (string Layer, string Type, HashedFile File)? _lastRecords;

    public BundleWriter(string directory)
        : this(directory, CreateFile)
    {
    }

    /// <summary>Writes through <paramref name="create"/> (a path to a new writable stream): the seam tests use to fail the disk.</summary>
    internal BundleWriter(string directory, Func<string, Stream> create)
    {
        _directory = directory;
        _create = create;
        System.IO.Directory.CreateDirectory(directory);
    }

    internal static Stream CreateFile(string path) => new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);

    public string Directory => _directory;

    /// <summary>How many record lines and rows were written.</summary>
    public long Written { get; private set; }

    public ValueTask WriteRecordAsync(RecordKey address, string? body, CancellationToken cancellationToken = default)
    {
        var file = RecordFileFor(address);
        file.Write(KeyPrefix);
        WriteJsonString(file, address.Key);
        if (body is null)
        {
            file.Write(DeleteSuffix);
        }
        else
        {
            file.Write(BodyInfix);
            file.WriteUtf8(body);
            file.Write(LineEnd);
        }

        Written++;
        return file.FlushIfFullAsync(cancellationToken);
    }

    /// <summary>
    /// Writes an upsert whose body is given as UTF-8 (as a database holds it), without decoding it to a string and
    /// encoding it back. The caller passes valid UTF-8 (the string overload is the one for anything else).
    /// </summary>
    public ValueTask WriteRecordUtf8Async(RecordKey address, ReadOnlySpan<byte> body, CancellationToken cancellationToken = default)
    {
        var file = RecordFileFor(address);
        file.Write(KeyPrefix);
        WriteJsonString(file, address.Key);
        file.Write(BodyInfix);
        file.Write(body);
        file.Write(LineEnd);
        Written++;
        return file.FlushIfFullAsync(cancellationToken);
    }

    /// <summary>The records file of the address's layer and type; consecutive records mostly share it, so it is looked up once per run.</summary>
    private HashedFile RecordFileFor(RecordKey address)
    {
        if (_lastRecords is not { } last || last.Layer != address.Layer || last.Type != address.Type)
        {
            last = (address.Layer, address.Type, FileFor($"records/{address.Layer}/{address.Type}.ndjson"));
            _lastRecords = last;
        }

        return last.File;
    }

    /// <summary>
    /// Writes a key as a JSON string, byte for byte as <see cref="JsonSerializer"/> writes it (the digest of an inverse
    /// depends on it): plain keys directly, anything that may need escaping through the serializer.
    /// </summary>
    private static void WriteJsonString(HashedFile file, string value)
    {
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                file.Write(JsonSerializer.SerializeToUtf8Bytes(value));
                return;
            }
        }

        var span = file.GetSpan(value.Length + 2);
        span[0] = (byte)'"';
        for (var i = 0; i < value.Length; i++)
        {
            span[i + 1] = (byte)value[i];
        }

        span[value.Length + 1] = (byte)'"';
        file.Advance(value.Length + 2);
    }

    /// <summary>Starts the data copy of <paramref name="table"/>, so a table captured empty still has its (empty) file.</summary>
    public void BeginDataCopy(string table) => FileFor($"data/{table}.ndjson");

    public ValueTask WriteRowAsync(string table, ReadOnlySpan<byte> row, CancellationToken cancellationToken = default)
    {
        var file = FileFor($"data/{table}.ndjson");
        file.Write(row);
        file.Write("\n"u8);
        Written++;
        return file.FlushIfFullAsync(cancellationToken);
    }

    /// <summary>Writes one line of <c>rows/&lt;table&gt;.ndjson</c> (see <see cref="RowChange.Format"/>).</summary>
    public ValueTask WriteRowChangeAsync(string table, string line, CancellationToken cancellationToken = default)
    {
        var file = FileFor($"rows/{table}.ndjson");
        file.WriteUtf8(line);
        file.Write("\n"u8);
        Written++;
        return file.FlushIfFullAsync(cancellationToken);
    }

    /// <summary>Writes <c>bundle.json</c>, flushes every file to disk and returns the bundle's digest.</summary>
    public async Task<string> CompleteAsync(BundleManifest manifest, CancellationToken cancellationToken = default)
    {
        var manifestFile = FileFor(Bundle.ManifestFile);
        var fields = new Dictionary<string, string>
        {
            ["id"] = manifest.Id,
            ["kind"] = manifest.Kind == BundleKind.Release ? "release" : "metadata",
        };
        if (manifest.Description is not null)
        {
            fields["description"] = manifest.Description;
        }

        manifestFile.Write(JsonSerializer.SerializeToUtf8Bytes(fields));

        // The files are flushed to disk together rather than one after another: an inverse has a file per layer and
        // type, and on a busy disk a queue of sequential fsyncs is what a deploy would wait for.
        var completed = await Task.WhenAll(_files.Select(async f => (f.Key, await f.Value.CompleteAsync(cancellationToken))));
        foreach (var (path, digest) in completed)
        {
            _digests[path] = digest;
        }

        _files.Clear();
        _lastRecords = null;
        return BundleDigest.Combine(_digests.Select(d => (d.Key, d.Value)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var file in _files.Values)
        {
            await file.DisposeAsync();
        }

        _files.Clear();
        _lastRecords = null;
    }

    private HashedFile FileFor(string path)
    {
        if (!_files.TryGetValue(path, out var file))
        {
            if (_digests.ContainsKey(path))
            {
                throw new InvalidOperationException($"{path} was already completed");
            }

            var full = Path.Combine(_directory, path);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            file = new HashedFile(_create(full));
            _files[path] = file;
        }

        return file;
    }

    /// <summary>
    /// A file written through two buffers: while one fills, the other is hashed and written on a thread of its own,
    /// so the capture loop never waits for the disk or the hash unless both buffers are full. One write is in
    /// flight at a time, so the bytes reach the file and the hash in order; a write's failure surfaces at the next
    /// flush or at <see cref="CompleteAsync"/>.
    /// </summary>
    private sealed class HashedFile(Stream stream) : IAsyncDisposable
    {
        private readonly Stream _stream = stream;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private byte[] _buffer = new byte[1 << 16];
        private byte[] _spare = new byte[1 << 16];
        private Task _writing = Task.CompletedTask;
        private int _used;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(GetSpan(bytes.Length));
            _used += bytes.Length;
        }

        public void WriteUtf8(string text)
        {
            var span = GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
            _used += Encoding.UTF8.GetBytes(text, span);
        }

        /// <summary>Room for at least <paramref name="size"/> bytes at the end of the buffer; <see cref="Advance"/> commits what was written.</summary>
        public Span<byte> GetSpan(int size)
        {
            if (_used + size > _buffer.Length)
            {
                // Rare: grow for a long line; flushed at the next FlushIfFullAsync.
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _used + size));
            }

            return _buffer.AsSpan(_used);
        }

        public void Advance(int count) => _used += count;

        public async ValueTask FlushIfFullAsync(CancellationToken cancellationToken)
        {
            if (_used >= 1 << 15)
            {
                await FlushAsync(cancellationToken);
            }
        }

        public async Task<string> CompleteAsync(CancellationToken cancellationToken)
        {
            await FlushAsync(cancellationToken);
            await _writing;
            if (_stream is FileStream file)
            {
                await Task.Run(() => file.Flush(flushToDisk: true), cancellationToken);
            }
            else
            {
                await _stream.FlushAsync(cancellationToken);
            }

            await _stream.DisposeAsync();
            var hex = Convert.ToHexStringLower(_hash.GetHashAndReset());
            _hash.Dispose();
            return hex;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _writing;
            }
            catch (Exception)
            {
                // Disposed after a failure: the file is abandoned, and a failed write is not what went wrong first.
            }

            await _stream.DisposeAsync();
            _hash.Dispose();
        }

        private async ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            // The previous write is done before its buffer is filled again.
            await _writing;
            var full = _buffer;
            var used = _used;
            (_buffer, _spare) = (_spare, full);
            _used = 0;
            _writing = Task.Run(
                async () =>
                {
                    _hash.AppendData(full, 0, used);
                    await _stream.WriteAsync(full.AsMemory(0, used), cancellationToken);
                },
                cancellationToken);
        }
    }
}
