using FluentAssertions;
using NUnit.Framework;
using IGOSpp.Imaging;
using SkiaSharp;

namespace IGOSpp.Tests.Imaging;

/// <summary>
/// Mutation fuzzing of <see cref="ImageIO.Decode"/>: small valid PNG, JPEG and WebP files are damaged by flipping,
/// overwriting, truncating and inserting bytes. Each damaged file must either load as a well-formed tensor or throw
/// <see cref="ImageLoadException"/>; any other exception, a crash or a hang fails the test.
/// </summary>
[TestFixture]
public sealed class ImageIOFuzzTests
{
    private const int Seed = 20261127;
    private const int MutationsPerFormat = 500;

    private static readonly ImageLoadOptions FuzzOptions = new() { MaxPixels = 4_000_000 };

    [Test]
    public void Decode_MutatedFiles_LoadOrThrowImageLoadException()
    {
        var rng = new Random(Seed);
        var seeds = new (string Name, byte[] Bytes)[]
        {
            ("png-rgb", TestImages.Encoded(SKEncodedImageFormat.Png, 24, 16)),
            ("png-gray16", TestImages.Png(5, 3, 16, 0, Enumerable.Range(0, 3).SelectMany(r => new byte[] { 0 }.Concat(Enumerable.Range(0, 10).Select(i => (byte)((r * 10) + i)))).ToArray())),
            ("jpeg", TestImages.Encoded(SKEncodedImageFormat.Jpeg, 24, 16)),
            ("webp", TestImages.Encoded(SKEncodedImageFormat.Webp, 24, 16, quality: 80)),
        };

        int loaded = 0, rejected = 0;
        var unexpected = new List<string>();
        var work = Task.Run(() =>
        {
            foreach (var (name, original) in seeds)
            {
                for (int m = 0; m < MutationsPerFormat; m++)
                {
                    var mutated = Mutate(original, rng, out string how);
                    try
                    {
                        using var tensor = ImageIO.Decode(mutated, FuzzOptions);
                        tensor.dim().Should().Be(3);
                        tensor.shape[0].Should().BeOneOf(1, 3);
                        tensor.isnan().any().item<bool>().Should().BeFalse();
                        loaded++;
                    }
                    catch (ImageLoadException)
                    {
                        rejected++;
                    }
                    catch (Exception e)
                    {
                        unexpected.Add($"{name} mutation {m} ({how}): {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        });

        // A watchdog against hangs, not a performance assertion: the whole run takes a few seconds.
        work.Wait(TimeSpan.FromMinutes(3)).Should().BeTrue("decoding mutated files must not hang");
        unexpected.Should().BeEmpty();
        (loaded + rejected).Should().Be(seeds.Length * MutationsPerFormat);
        loaded.Should().BePositive("some mutations (e.g. in pixel data) still decode");
        rejected.Should().BePositive("most header and truncation mutations are rejected");
        TestContext.Out.WriteLine($"fuzz: {loaded} loaded, {rejected} rejected with ImageLoadException");
    }

    private static byte[] Mutate(byte[] original, Random rng, out string how)
    {
        var bytes = new List<byte>(original);
        int kind = rng.Next(5);
        switch (kind)
        {
            case 0: // flip 1-8 random bits
            {
                int n = rng.Next(1, 9);
                for (int i = 0; i < n; i++)
                {
                    int at = rng.Next(bytes.Count);
                    bytes[at] ^= (byte)(1 << rng.Next(8));
                }

                how = $"flip {n} bits";
                break;
            }

            case 1: // overwrite 1-4 bytes in the first 64 (headers) with random or extreme values
            {
                int n = rng.Next(1, 5);
                for (int i = 0; i < n; i++)
                {
                    int at = rng.Next(Math.Min(64, bytes.Count));
                    bytes[at] = rng.Next(3) switch { 0 => 0x00, 1 => 0xFF, _ => (byte)rng.Next(256) };
                }

                how = $"overwrite {n} header bytes";
                break;
            }

            case 2: // truncate
            {
                int length = rng.Next(bytes.Count);
                bytes.RemoveRange(length, bytes.Count - length);
                how = $"truncate to {length}";
                break;
            }

            case 3: // insert 1-16 random bytes
            {
                int at = rng.Next(bytes.Count + 1);
                var junk = new byte[rng.Next(1, 17)];
                rng.NextBytes(junk);
                bytes.InsertRange(at, junk);
                how = $"insert {junk.Length} at {at}";
                break;
            }

            default: // a combination: flip a byte, then truncate the tail
            {
                int at = rng.Next(bytes.Count);
                bytes[at] = (byte)rng.Next(256);
                int length = rng.Next(at, bytes.Count + 1);
                bytes.RemoveRange(length, bytes.Count - length);
                how = $"set byte {at}, truncate to {length}";
                break;
            }
        }

        return bytes.ToArray();
    }
}
