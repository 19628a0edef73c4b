namespace Rewind.Core.Bundles;

/// <summary>
/// Reads one zip entry and refuses to deliver more bytes than the entry declared: the declared sizes are what
/// the zip-bomb limits were checked against, and a forged zip can declare a few bytes and inflate to gigabytes.
/// At the end the content must match the entry's declared size and CRC-32, so a zip that lies about its sizes
/// (the runtime silently stops at the declared size) or carries damaged data is refused rather than read short.
/// Corrupt compressed data surfaces as a <see cref="BundleInvalidException"/> naming the entry, never as a raw
/// decompression error.
/// </summary>
internal sealed class ZipEntryReadStream(Stream inner, string entry, long declaredLength, uint declaredCrc32) : ReadOnlyStream
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    private long _read;
    private uint _crc = 0xFFFFFFFF;
    private bool _verified;

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = inner.Read(buffer);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw Corrupt(e);
        }

        Crc(buffer[..n]);
        return Account(n);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n;
        try
        {
            n = await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw Corrupt(e);
        }

        Crc(buffer.Span[..n]);
        return Account(n);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }

    private void Crc(ReadOnlySpan<byte> bytes)
    {
        var crc = _crc;
        foreach (var b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        _crc = crc;
    }

    private int Account(int n)
    {
        _read += n;
        if (n == 0 && !_verified)
        {
            _verified = true;
            if (_read != declaredLength || (_crc ^ 0xFFFFFFFF) != declaredCrc32)
            {
                throw new BundleInvalidException(entry, 0, "does not match the size and CRC-32 its zip entry declares: the zip is forged or corrupt");
            }
        }

        if (_read > declaredLength)
        {
            throw new BundleInvalidException(entry, 0, $"unpacks to more than the {declaredLength} bytes its zip entry declares: the zip is forged or corrupt (a zip bomb?)");
        }

        return n;
    }

    private BundleInvalidException Corrupt(Exception e) =>
        new(entry, 0, $"cannot be unpacked from the zip ({e.Message}): the zip is corrupt");
}
