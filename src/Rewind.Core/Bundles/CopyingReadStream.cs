namespace Rewind.Core.Bundles;

/// <summary>
/// A read-only pass-through that writes everything read to a copy and, when disposed, completes the copy (flushed,
/// which the artifact store's compressed files take as "complete": they reach the disk as they are disposed).
/// Bundle validation reads every file to its end, so the copy holds exactly the bytes that were validated.
/// </summary>
internal sealed class CopyingReadStream(Stream source, Stream copy) : ReadOnlyStream
{
    private bool _failed;

    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = source.Read(buffer);
        }
        catch
        {
            _failed = true;
            throw;
        }

        copy.Write(buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n;
        try
        {
            n = await source.ReadAsync(buffer, cancellationToken);
        }
        catch
        {
            _failed = true;
            throw;
        }

        await copy.WriteAsync(buffer[..n], cancellationToken);
        return n;
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            if (!_failed)
            {
                Complete();
            }
        }
        finally
        {
            await copy.DisposeAsync();
            await source.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                if (!_failed)
                {
                    Complete();
                }
            }
            finally
            {
                copy.Dispose();
                source.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private void Complete()
    {
        if (copy is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            copy.Flush();
        }
    }
}
