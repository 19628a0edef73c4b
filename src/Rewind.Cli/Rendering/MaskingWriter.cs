using System.Text;
using Rewind.Core.Secrets;

namespace Rewind.Cli.Rendering;

/// <summary>
/// Stdout and stderr as the CLI writes them: text is held until a line ends (or a flush) and then the secret values
/// Rewind knows are masked (<see cref="SecretMask.Values"/>), so a password quoted by a driver, a check or a hook never
/// reaches the terminal or a CI log, whichever command printed it. A line that ends with what could be the first part
/// of a secret wrapped onto the next line is held until that line comes. Nothing else is rewritten.
/// </summary>
internal sealed class MaskingWriter(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();

    // The end of the last line written, held back because the next line may complete a wrapped secret.
    private string _held = "";

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        lock (_line)
        {
            _line.Append(value);
            if (value == '\n')
            {
                Emit(final: false);
            }
        }
    }

    public override void Write(string? value)
    {
        if (value is null)
        {
            return;
        }

        lock (_line)
        {
            _line.Append(value);
            if (value.Contains('\n', StringComparison.Ordinal))
            {
                Emit(final: false);
            }
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Flush()
    {
        lock (_line)
        {
            Emit(final: true);
            inner.Flush();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }

    private void Emit(bool final)
    {
        if (_line.Length > 0 || (final && _held.Length > 0))
        {
            var masked = SecretMask.Values(_held + _line)!;
            _line.Clear();
            var safe = final ? masked.Length : SecretMask.SafeLength(masked);
            inner.Write(masked[..safe]);
            _held = masked[safe..];
        }
    }
}
