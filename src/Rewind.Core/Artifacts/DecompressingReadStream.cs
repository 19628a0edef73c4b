namespace Rewind.Core.Artifacts;

/// <summary>
/// Reads a stored file through its decompressor. Damaged compressed data (bytes flipped, the file cut short) is a
/// fault of the artifact store, reported as such naming the file, never as a raw decompression error; whatever the
/// damage, the content digest checked when a stored bundle is opened catches it before anything is applied.
/// </summary>
internal sealed class DecompressingReadStream(Stream decompressor, string folder, string path) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return decompressor.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw Damaged(e);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await decompressor.ReadAsync(buffer, cancellationToken);
        }
        catch (InvalidDataException e)
        {
            throw Damaged(e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            decompressor.Dispose();
        }

        base.Dispose(disposing);
    }

    private OperationFailedException Damaged(InvalidDataException e) =>
        new($"{path}{StoredFiles.Suffix} in {folder} cannot be decompressed ({e.Message})", e);
}
