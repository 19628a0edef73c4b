using YamlDotNet.RepresentationModel;

namespace Rewind.Core.Configuration;

/// <summary>The <c>window:</c> and <c>timezone:</c> keys a target or a group may carry, read into one <see cref="DeployWindow"/>.</summary>
internal sealed class WindowEntries
{
    private (YamlNode Node, string Text)? _window;
    private (YamlNode Node, string Text)? _timezone;

    public void Read(ConfigReader reader, YamlScalarNode key, YamlNode value)
    {
        if (reader.Scalar(value) is not { } text)
        {
            return;
        }

        if (key.Value == "window")
        {
            _window = (value, text);
        }
        else
        {
            _timezone = (value, text);
        }
    }

    public DeployWindow? Build(ConfigReader reader, string what)
    {
        if (_window is not { } window)
        {
            if (_timezone is { } zone)
            {
                reader.Error(zone.Node, $"{what}: timezone without a window: add window: \"HH:mm-HH:mm\" or remove it");
            }

            return null;
        }

        var parsed = DeployWindow.Parse(window.Text, _timezone?.Text, out var error);
        if (error is not null)
        {
            reader.Error(_timezone is { } z && error.StartsWith("timezone", StringComparison.Ordinal) ? z.Node : window.Node, $"{what}: {error}");
        }

        return parsed;
    }
}
