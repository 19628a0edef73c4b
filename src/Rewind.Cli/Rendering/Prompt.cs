namespace Rewind.Cli.Rendering;

/// <summary>
/// A question asked on the terminal. The masking writer holds text until a line ends, and a question has no line
/// end: it is flushed before the answer is read, so the operator sees what they are answering.
/// </summary>
internal static class Prompt
{
    /// <summary>Asks <paramref name="question"/> followed by <c>[y/N]</c>; true only for y or yes.</summary>
    public static bool Confirm(string question)
    {
        // Where the person at the terminal sees it: with stdout sent to a file, the question goes to stderr.
        var to = Console.IsOutputRedirected ? Console.Error : Console.Out;
        to.Write($"{question} [y/N] ");
        to.Flush();
        var answer = Console.In.ReadLine()?.Trim();
        return string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) || string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase);
    }
}
