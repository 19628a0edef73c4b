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
        Console.Out.Write($"{question} [y/N] ");
        Console.Out.Flush();
        var answer = Console.In.ReadLine()?.Trim();
        return string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) || string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase);
    }
}
