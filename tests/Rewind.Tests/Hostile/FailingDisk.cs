namespace Rewind.Tests.Hostile;

/// <summary>
/// A disk that fills up: files written through <see cref="Create"/> fail with "No space left on device" once
/// <c>capacity</c> bytes have been written across all of them.
/// </summary>
internal sealed class FailingDisk(long capacity)
{
    private long _written;

    public bool Failed { get; private set; }

    public Stream Create(string path) => new FailingStream(this, new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1));

    private void Account(int count)
    {
        if (Interlocked.Add(ref _written, count) > capacity)
        {
            Failed = true;
            throw new IOException("No space left on device");
        }
    }

    private sealed class FailingStream(FailingDisk disk, FileStream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            disk.Account(count);
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            disk.Account(buffer.Length);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
