namespace IGOSpp.Cli.Explain;

/// <summary>One image to explain: its file and the id that names its outputs (unique within the run).</summary>
internal sealed record InputImage(string Path, string Id);

/// <summary>Expands the INPUT arguments into the sorted list of images, and takes a shard of it.</summary>
internal static class InputFiles
{
    /// <summary>The image extensions a folder is searched for (case-insensitive).</summary>
    public static readonly IReadOnlyList<string> Extensions = [".png", ".jpg", ".jpeg", ".webp", ".bmp"];

    /// <summary>
    /// Files are taken as given (whatever their extension: a file that does not decode is reported as a failure);
    /// folders are searched recursively for <see cref="Extensions"/>. The list is sorted by full path, duplicates
    /// removed, and each image gets an id from its file name (made unique with -2, -3, … in that order), so that every
    /// shard of a run names an image the same way.
    /// </summary>
    /// <param name="inputs">The INPUT arguments.</param>
    /// <param name="outputDirectory">The run's output folder: files under it are never inputs (it may lie inside an
    /// input folder, and holds pictures of its own).</param>
    /// <exception cref="CliException">An input does not exist, or no image is found.</exception>
    public static IReadOnlyList<InputImage> Expand(IReadOnlyList<string> inputs, string outputDirectory)
    {
        var output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDirectory)) + Path.DirectorySeparatorChar;
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (File.Exists(input))
            {
                paths.Add(Path.GetFullPath(input));
            }
            else if (Directory.Exists(input))
            {
                foreach (var file in Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories))
                {
                    if (Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase)
                        && !Path.GetFullPath(file).StartsWith(output, StringComparison.Ordinal))
                        paths.Add(Path.GetFullPath(file));
                }
            }
            else
            {
                throw new CliException(ExitCodes.Usage, $"Input '{input}' is neither a file nor a folder.");
            }
        }

        if (paths.Count == 0)
            throw new CliException(ExitCodes.Mismatch,
                $"No image found in {string.Join(", ", inputs.Select(i => $"'{i}'"))} (looked for {string.Join(", ", Extensions)}).");

        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var images = new List<InputImage>();
        foreach (var path in paths)
        {
            var stem = Sanitize(System.IO.Path.GetFileNameWithoutExtension(path));
            var id = stem;
            for (var n = 2; !used.Add(id); n++) id = $"{stem}-{n}";
            images.Add(new InputImage(path, id));
        }

        return images;
    }

    /// <summary>The images of shard <paramref name="index"/> of <paramref name="count"/>: every count-th image from
    /// position index, so shards are disjoint, cover the list and have sizes differing by at most one.</summary>
    public static IReadOnlyList<InputImage> Shard(IReadOnlyList<InputImage> images, int index, int count) =>
        images.Where((_, i) => i % count == index).ToList();

    private static string Sanitize(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        var result = new string(chars).Trim('.');
        return result.Length == 0 ? "image" : result;
    }
}
