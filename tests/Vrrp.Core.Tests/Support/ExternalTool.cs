using System.Diagnostics;

namespace Vrrp.Tests.Support;

/// <summary>Finds and runs a program that some tests need (tshark, keepalived); the tests skip with a reason when it is missing.</summary>
internal static class ExternalTool
{
    public static string? Find(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Concat(["/usr/sbin", "/usr/bin"]))
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    public static string Run(string path, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{path} did not start.");
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{path} did not finish within {timeout}.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{path} exited with {process.ExitCode}: {error.Result}");
        }

        return output.Result;
    }
}
