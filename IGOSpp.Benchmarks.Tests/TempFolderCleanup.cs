using IGOSpp.Benchmarks.Tests.UserModel;
using NUnit.Framework;

namespace IGOSpp.Benchmarks.Tests;

/// <summary>Deletes the temporary model files and reports the tests wrote, after all tests of the assembly.</summary>
[SetUpFixture]
public sealed class TempFolderCleanup
{
    [OneTimeTearDown]
    public void DeleteTempRoot()
    {
        if (Directory.Exists(ModelFixtures.TempRoot)) Directory.Delete(ModelFixtures.TempRoot, recursive: true);
    }
}
