using Rewind.Core.Bundles;

namespace Rewind.Core.Artifacts;

/// <summary>
/// A folder only this process's user can enter (mode 0700), for files that must not be swapped or read by others
/// while Rewind works on them (uploaded bundles). Created if missing; an existing one is used only if it is a
/// real folder (not a link) owned by this user with mode 0700, since anyone else who owns or can write it could
/// replace what Rewind reads there.
/// </summary>
public static class PrivateDirectory
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates or checks <paramref name="path"/>; throws <see cref="BadInputException"/> naming what is wrong with it.</summary>
    public static string Ensure(string path)
    {
        var full = Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full);
            return full;
        }

        if (!Path.Exists(full))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            Directory.CreateDirectory(full, OwnerOnly);
        }

        var found = UnixFileIdentity.OfPath(full)
            ?? throw new BadInputException($"the private folder {full} cannot be examined: check that its parent folder is readable");
        var me = UnixFileIdentity.CurrentUser;
        var problem = !found.IsDirectory ? "is not a folder (a link or a file is there)"
            : found.Owner != me ? $"belongs to user id {found.Owner}, not to this process's user ({me})"
            // Only the access bits: a set-group-id bit inherited from the parent folder grants no one access.
            : (found.Permissions & 0x1FF) != 0x1C0 ? $"has mode {Convert.ToString(found.Permissions & 0x1FF, 8)}, not 700 (only its owner may enter it)"
            : null;
        return problem is null
            ? full
            : throw new BadInputException($"refusing to use {full}: it {problem}. Someone else could swap what Rewind reads there; remove it and Rewind creates it afresh, private to its user");
    }
}
