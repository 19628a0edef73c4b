namespace Rewind.Server.Problems;

/// <summary>
/// Keeps the server's own file paths out of what it answers: a problem's detail names the artifact store, the upload
/// folder, the configuration folder and the temporary folder by what they are, not where they are on the host.
/// One process serves one server, so the paths are set once when it is built.
/// </summary>
internal static class ServerPaths
{
    private static volatile (string Path, string Name)[] _known = [];

    public static void Configure(params (string Path, string Name)[] known) =>
        _known = [.. known.Where(k => k.Path.Length > 1).Select(k => (System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(k.Path)), k.Name)).OrderByDescending(k => k.Item1.Length)];

    public static string Hide(string text)
    {
        foreach (var (path, name) in _known)
        {
            text = text.Replace(path, name, StringComparison.Ordinal);
        }

        return text;
    }
}
