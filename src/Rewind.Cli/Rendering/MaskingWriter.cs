using System.Text;
using Rewind.Core.Secrets;

namespace Rewind.Cli.Rendering;

/// <summary>
/// Stdout and stderr as the CLI writes them: text is held until a line ends (or a flush) and then masked by
/// <see cref="SecretMask"/>, so a password quoted by a driver, a check or a hook never reaches the terminal or a
/// CI log, whichever command printed it.
/// </summary>
internal sealed class MaskingWriter(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        lock (_line)
        {
            _line.Append(value);
            if (value == '\n')
            {
                Emit();
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
                Emit();
            }
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Flush()
    {
        lock (_line)
        {
            Emit();
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

    private void Emit()
    {
        if (_line.Length > 0)
        {
            inner.Write(SecretMask.Apply(_line.ToString()));
            _line.Clear();
        }
    }
}
