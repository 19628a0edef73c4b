using System.Text;

namespace Rewind.Tests.Observability;

/// <summary>A span as an OTLP/HTTP protobuf export carries it: enough to check names, parents and attributes.</summary>
public sealed record OtlpSpan(string Name, string SpanId, string ParentSpanId, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// Reads the spans out of an <c>ExportTraceServiceRequest</c> with a minimal protobuf wire reader: resource_spans (1)
/// → scope_spans (2) → spans (2) → span_id (2), parent_span_id (4), name (5), attributes (9: key 1, value 2 → string 1).
/// </summary>
public static class OtlpSpans
{
    public static IReadOnlyList<OtlpSpan> Parse(byte[] request)
    {
        var spans = new List<OtlpSpan>();
        foreach (var resource in Fields(request, 1))
        {
            foreach (var scope in Fields(resource, 2))
            {
                foreach (var span in Fields(scope, 2))
                {
                    var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var pair in Fields(span, 9))
                    {
                        var key = Text(Fields(pair, 1).Single());
                        var value = Fields(pair, 2).SingleOrDefault() is { } any && Fields(any, 1).SingleOrDefault() is { } text ? Text(text) : "(not a string)";
                        attributes[key] = value;
                    }

                    spans.Add(new OtlpSpan(Text(Fields(span, 5).Single()), Hex(Fields(span, 2).Single()), Hex(Fields(span, 4).SingleOrDefault() ?? []), attributes));
                }
            }
        }

        return spans;
    }

    /// <summary>The length-delimited fields numbered <paramref name="number"/> of one message; other fields are skipped.</summary>
    private static List<byte[]> Fields(byte[] message, int number)
    {
        var found = new List<byte[]>();
        var at = 0;
        while (at < message.Length)
        {
            var tag = Varint(message, ref at);
            var (field, wire) = ((int)(tag >> 3), (int)(tag & 7));
            switch (wire)
            {
                case 0:
                    Varint(message, ref at);
                    break;
                case 1:
                    at += 8;
                    break;
                case 5:
                    at += 4;
                    break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    if (field == number)
                    {
                        found.Add(message[at..(at + length)]);
                    }

                    at += length;
                    break;
                default:
                    throw new InvalidDataException($"wire type {wire} at byte {at}: not a protobuf message");
            }
        }

        return found;
    }

    private static ulong Varint(byte[] data, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);
}
