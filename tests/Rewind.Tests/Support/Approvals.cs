using System.Runtime.CompilerServices;

namespace Rewind.Tests.Support;

/// <summary>
/// Approved-file assertions (as DbUp's approval tests): the text is compared with <c>Approved/NAME.approved.txt</c>
/// beside the calling test's source file (found from the repository root: a deterministic CI build maps source
/// paths to <c>/_/</c>). On a difference the text is written to <c>NAME.received.txt</c> beside it,
/// so a reviewer sees the change as a diff and approves it by renaming the file.
/// </summary>
public static class Approvals
{
    public static void Verify(string name, string received, [CallerFilePath] string caller = "")
    {
        var folder = Path.Combine(SourceFolder(caller), "Approved");
        var approvedPath = Path.Combine(folder, $"{name}.approved.txt");
        var receivedPath = Path.Combine(folder, $"{name}.received.txt");
        received = received.ReplaceLineEndings("\n").TrimEnd() + "\n";
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : null;
        if (approved == received)
        {
            File.Delete(receivedPath);
            return;
        }

        Directory.CreateDirectory(folder);
        File.WriteAllText(receivedPath, received);
        Assert.Fail(approved is null
            ? $"no approved file {approvedPath}; the received text is in {receivedPath}:\n{received}"
            : $"{name} differs from its approved file {approvedPath} (received: {receivedPath}):\n--- approved\n{approved}--- received\n{received}");
    }

    /// <summary>The folder of a test's source file in this checkout, from its path as the compiler recorded it.</summary>
    public static string SourceFolder(string callerFilePath)
    {
        var relative = callerFilePath.Replace('\\', '/');
        var at = relative.IndexOf("/tests/", StringComparison.Ordinal);
        return at < 0
            ? Path.GetDirectoryName(callerFilePath)!
            : Path.GetDirectoryName(Path.Combine(CliRunner.RepositoryRoot, relative[(at + 1)..]))!;
    }
}
