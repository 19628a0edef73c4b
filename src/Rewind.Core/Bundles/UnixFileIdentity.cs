using System.Runtime.InteropServices;

namespace Rewind.Core.Bundles;

/// <summary>
/// The type and identity (device and inode) of a file, from Linux <c>statx(2)</c>, whose result has the same layout on
/// every architecture (unlike <c>struct stat</c>). Lets a bundle reader tell a regular file from a link, a pipe or a
/// device, tell that the file it opened is the one it looked at, and check who owns a folder and its mode.
/// </summary>
internal readonly partial record struct UnixFileIdentity(int Type, int Permissions, uint Owner, ulong Inode, uint DeviceMajor, uint DeviceMinor)
{
    private const int CurrentDirectory = -100; // AT_FDCWD
    private const int SymlinkNoFollow = 0x100; // AT_SYMLINK_NOFOLLOW
    private const int EmptyPath = 0x1000; // AT_EMPTY_PATH
    private const uint TypeModeOwnerInode = 0x1 | 0x2 | 0x8 | 0x100; // STATX_TYPE | STATX_MODE | STATX_UID | STATX_INO
    private const int TypeMask = 0xF000;

    public bool IsRegular => Type == 0x8000;

    public bool IsLink => Type == 0xA000;

    public bool IsDirectory => Type == 0x4000;

    /// <summary>The effective user id of this process.</summary>
    public static uint CurrentUser => GetEffectiveUser();

    public bool SameFileAs(UnixFileIdentity other) => Inode == other.Inode && DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor;

    /// <summary>The file a path names, not following a final symbolic link; null if it cannot be examined.</summary>
    public static UnixFileIdentity? OfPath(string path) => Query(CurrentDirectory, path, SymlinkNoFollow);

    /// <summary>The file an open descriptor refers to; null if it cannot be examined.</summary>
    public static UnixFileIdentity? OfDescriptor(int descriptor) => Query(descriptor, "", EmptyPath);

    private static UnixFileIdentity? Query(int directory, string path, int flags)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(directory, path, flags, TypeModeOwnerInode, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }

        // struct statx: stx_uid (u32) at 20, stx_mode (u16) at 28, stx_ino (u64) at 32, stx_dev_major/minor (u32) at 136/140.
        var mode = MemoryMarshal.Read<ushort>(buffer[28..]);
        return new UnixFileIdentity(mode & TypeMask, mode & 0xFFF, MemoryMarshal.Read<uint>(buffer[20..]), MemoryMarshal.Read<ulong>(buffer[32..]),
            MemoryMarshal.Read<uint>(buffer[136..]), MemoryMarshal.Read<uint>(buffer[140..]));
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUser();
}
