using Rewind.Core.Bundles;

namespace Rewind.Core.Artifacts;

/// <summary>
/// Reads a stored file through its decompressor. Damaged compressed data (bytes flipped, the file cut short) is a
/// fault of the artifact store, reported as such naming the file, never as a raw decompression error; whatever the
/// damage, the content digest checked when a stored bundle is opened catches it before anything is applied.
/// </summary>
internal sealed class DecompressingReadStream(Stream decompressor, string folder, string path) : ReadOnlyStream
{
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
