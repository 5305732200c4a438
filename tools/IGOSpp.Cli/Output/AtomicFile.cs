using System.Text;

namespace IGOSpp.Cli.Output;

/// <summary>
/// Writes a file under a temporary name in the same folder and renames it into place, so that a file with the final
/// name is always complete (an interrupted run leaves at most a <c>.tmp-*</c> file, never a truncated result).
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes the file through <paramref name="write"/>, which receives the temporary path.</summary>
    public static void Write(string path, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(directory, $".tmp-{Guid.NewGuid():N}-{Path.GetFileName(path)}");
        try
        {
            write(temporary);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark).</summary>
    public static void WriteText(string path, string text) =>
        Write(path, temporary => File.WriteAllText(temporary, text, new UTF8Encoding(false)));

    /// <summary>Writes <paramref name="bytes"/>.</summary>
    public static void WriteBytes(string path, byte[] bytes) => Write(path, temporary => File.WriteAllBytes(temporary, bytes));
}
