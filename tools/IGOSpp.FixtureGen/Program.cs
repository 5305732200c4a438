using IGOSpp.Tests.Models;

// dotnet run -c Release --project tools/IGOSpp.FixtureGen -- IGOSpp.Models.Tests/Fixtures
var directory = args.Length > 0 ? args[0] : Path.Combine("IGOSpp.Core.Tests", "Models", "Fixtures");
ModelFixtures.WriteAll(directory);
foreach (var file in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
    Console.WriteLine($"{file}: {new FileInfo(file).Length} bytes");
