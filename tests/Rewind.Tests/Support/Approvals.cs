using System.Runtime.CompilerServices;

namespace Rewind.Tests.Support;

/// <summary>
/// Approved-file assertions (as DbUp's approval tests): the text is compared with <c>Approved/NAME.approved.txt</c>
/// beside the calling test's source file. On a difference the text is written to <c>NAME.received.txt</c> beside it,
/// so a reviewer sees the change as a diff and approves it by renaming the file.
/// </summary>
public static class Approvals
{
    public static void Verify(string name, string received, [CallerFilePath] string caller = "")
    {
        var folder = Path.Combine(Path.GetDirectoryName(caller)!, "Approved");
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
}
