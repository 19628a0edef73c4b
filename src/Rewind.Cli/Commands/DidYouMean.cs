using System.CommandLine;

namespace Rewind.Cli.Commands;

/// <summary>A mistyped command at 3 AM gets the command it was probably meant to be, not only "unrecognized".</summary>
internal static class DidYouMean
{
    /// <summary>When the first word is not a command: a message naming the nearest one (or the list); null when it is one.</summary>
    public static string? UnknownCommand(RootCommand root, IReadOnlyList<string> args)
    {
        var word = args.FirstOrDefault(a => !a.StartsWith('-'));
        if (word is null || args.Count == 0 || args[0] != word || root.Subcommands.Any(c => c.Name == word))
        {
            return null;
        }

        var nearest = root.Subcommands.Select(c => (c.Name, Distance: Distance(word.ToLowerInvariant(), c.Name)))
            .Where(c => c.Distance <= Math.Max(2, word.Length / 3) || c.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .OrderBy(c => c.Distance).Select(c => c.Name).FirstOrDefault();
        return nearest is null
            ? $"unknown command '{word}'; the commands are {string.Join(", ", root.Subcommands.Select(c => c.Name))} (see: rewind --help)"
            : $"unknown command '{word}'; did you mean 'rewind {nearest}'? (see: rewind --help)";
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
