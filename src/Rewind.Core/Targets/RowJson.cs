using System.Globalization;
using System.Text.Json;

namespace Rewind.Core.Targets;

/// <summary>How adapters write a captured row value as JSON, where engines agree.</summary>
public static class RowJson
{
    /// <summary>
    /// Writes a finite double so it reads back as the same real: shortest round-trip text, with ".0" added to an
    /// integral value (1.0 must not come back as the integer 1).
    /// </summary>
    public static void WriteReal(Utf8JsonWriter writer, double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (text.AsSpan().IndexOfAny(".eE") < 0)
        {
            text += ".0";
        }

        writer.WriteRawValue(text, skipInputValidation: true);
    }
}
