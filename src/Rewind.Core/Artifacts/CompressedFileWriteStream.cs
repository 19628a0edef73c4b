using System.IO.Compression;

namespace Rewind.Core.Artifacts;

/// <summary>
/// Writes a stored file compressed. A flush says the content is all written; disposing the stream then finishes
/// the compressed data and puts the file on disk (fsync), and a failure there (a full disk) is the writer's error.
/// A bundle is renamed into the store only after every one of its files was completed so, and the store never
/// holds a file cut short. Disposed without a flush, the file is abandoned (its operation failed and its folder is
/// deleted): it is closed without an fsync, and a disk that fails while closing it does not hide the first error.
/// </summary>
internal sealed class CompressedFileWriteStream(Stream file) : Stream
{
    private readonly GZipStream _compressor = new(file, CompressionLevel.Fastest, leaveOpen: true);
    private bool _disposed;
    private bool _complete;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => _compressor.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _compressor.Write(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _compressor.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _compressor.WriteAsync(buffer, offset, count, cancellationToken);

    /// <summary>Marks the content complete (see the class); nothing is written yet, since a flush in the middle of compressed data costs size.</summary>
    public override void Flush() => _complete = true;

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        _complete = true;
        return Task.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_complete)
            {
                Abandon();
            }
            else
            {
                await _compressor.DisposeAsync();
                if (file is FileStream onDisk)
                {
                    // On a thread of its own: a bundle's files are completed together, and their fsyncs then overlap.
                    await Task.Run(() => onDisk.Flush(flushToDisk: true));
                }
            }
        }
        finally
        {
            await file.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            try
            {
                if (!_complete)
                {
                    Abandon();
                }
                else
                {
                    _compressor.Dispose();
                    (file as FileStream)?.Flush(flushToDisk: true);
                }
            }
            finally
            {
                file.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private void Abandon()
    {
        try
        {
            _compressor.Dispose();
        }
        catch (IOException)
        {
        }
    }
}
