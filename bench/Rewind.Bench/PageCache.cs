using System.Runtime.InteropServices;

namespace Rewind.Bench;

/// <summary>
/// Drops files from the operating system's page cache, so a measure reads them from disk the way it would hours
/// after they were written: a backup restored at 3 AM, or the inverse a rollback opens, is not in memory. Uses
/// fdatasync then posix_fadvise(DONTNEED), which needs no privileges (Linux; elsewhere it does nothing).
/// </summary>
internal static partial class PageCache
{
    private const int DontNeed = 4;

    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>Evicts a file, or every file under a folder.</summary>
    public static void Evict(string path)
    {
        if (!Supported)
        {
            return;
        }

        var files = Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories) : File.Exists(path) ? [path] : [];
        foreach (var file in files)
        {
            // Read-only: evicting must never be able to change what it evicts. Dirty pages are not dropped, so they
            // are written first; Linux allows fdatasync on a descriptor opened for reading.
            using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var fd = handle.DangerousGetHandle().ToInt32();
            if (Fdatasync(fd) != 0 || PosixFadvise(fd, 0, 0, DontNeed) != 0)
            {
                throw new IOException($"fdatasync or posix_fadvise(DONTNEED) failed for {file}");
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync")]
    private static partial int Fdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);
}
