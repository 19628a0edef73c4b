using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rewind.Core.Secrets;
using Spectre.Console;

namespace Rewind.Cli.Rendering;

/// <summary>Writes results as words on a terminal or as one JSON object on stdout; errors go to stderr.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Writes one JSON object; the secret values Rewind knows are masked, what people wrote is not touched.</summary>
    public static void WriteJson(object value) => Console.Out.WriteLine(SecretMask.Values(JsonSerializer.Serialize(value, JsonOptions)));

    /// <summary>
    /// The one deliberate exception to masking: a new API token, shown once to the admin who made it. Written past
    /// the masking writer to the process's real stdout (after flushing what came before, to keep the order).
    /// </summary>
    public static void WriteSecretOnce(object value, bool json)
    {
        Console.Out.Flush();
        using var stdout = new StreamWriter(Console.OpenStandardOutput(), leaveOpen: false) { AutoFlush = true };
        stdout.WriteLine(json ? JsonSerializer.Serialize(value, JsonOptions) : value.ToString());
    }

    /// <summary>Reports an error on stderr (and as JSON on stdout with --json), with secrets masked.</summary>
    public static void Error(bool json, string message, int code)
    {
        message = Printable.Escape(SecretMask.Apply(message), keepLineBreaks: true);
        if (json)
        {
            WriteJson(new { error = message, code });
        }

        Console.Error.WriteLine($"rewind: {message}");
    }

    public static void Line(string markup) => AnsiConsole.MarkupLine(markup);

    /// <summary>A value for Spectre markup: control characters shown escaped (<see cref="Printable"/>), markup brackets escaped.</summary>
    public static string Esc(string? text) => Markup.Escape(Printable.Escape(text));

    /// <summary>"1 record", "2 records": a count with its noun, in the singular when it is one.</summary>
    public static string Count(long n, string noun) => n == 1 ? $"1 {noun}" : $"{n.ToString(System.Globalization.CultureInfo.InvariantCulture)} {noun}s";

    public static string When(DateTimeOffset? time) => time is null ? "-" : time.Value.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
