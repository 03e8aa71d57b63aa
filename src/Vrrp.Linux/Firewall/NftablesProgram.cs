using System.Diagnostics;

namespace Vrrp.Linux.Firewall;

/// <summary>
/// nftables' own <c>nft</c> program, which writes our tables: found only at its absolute paths, run with a timeout, a
/// clean environment and no descriptor of ours, a script on its standard input.
/// </summary>
internal static class NftablesProgram
{
    private static readonly string[] s_paths = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"];

    /// <summary>Gets the paths searched, for messages.</summary>
    public static string SearchedPaths => string.Join(", ", s_paths);

    /// <summary>Gets the program's path, or <see langword="null"/> when nftables is not installed.</summary>
    public static string? Path => s_paths.FirstOrDefault(File.Exists);

    /// <summary>Runs a script (<c>nft -f -</c>) as one transaction.</summary>
    /// <exception cref="InvalidOperationException">nft failed or did not finish within 5 s.</exception>
    public static void Run(string nft, string script)
    {
        try
        {
            RunOnce(nft, script);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            // fork refused, or nft gone before it read its input: a failure like any other, never an escape
            throw new InvalidOperationException($"nft could not be run: {e.Message}", e);
        }
    }

    private static void RunOnce(string nft, string script)
    {
        var start = new ProcessStartInfo(nft, ["-f", "-"])
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{nft} did not start");
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        Task<string> error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(5000))
        {
            process.Kill();
            throw new InvalidOperationException("nft did not finish within 5 s; killed");
        }

        if (process.ExitCode != 0)
        {
            string reason = error.Wait(1000) ? error.Result.Trim() : "";
            throw new InvalidOperationException($"nft exited with {process.ExitCode}: {(reason.Length > 500 ? reason[..500] : reason)}");
        }
    }

    /// <summary>Refuses a table name that is not plain: it is written into nft's input, where a space or a brace would start a second command.</summary>
    /// <exception cref="ArgumentException">The name is not plain.</exception>
    public static void ThrowIfNotPlainTableName(string table, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(table))] string? parameter = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(table, parameter);
        if (!IsPlainTableName(table))
        {
            throw new ArgumentException($"'{table}' is not a plain nftables table name (a letter, then letters, digits, '_' or '-'; at most 64).", parameter);
        }
    }

    /// <summary>Gets a value indicating whether a name is a plain nftables table name: a letter, then letters, digits, '_' or '-'.</summary>
    public static bool IsPlainTableName(string name, int maxLength = 64) =>
        name.Length > 0 && name.Length <= maxLength && char.IsAsciiLetter(name[0]) && name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
