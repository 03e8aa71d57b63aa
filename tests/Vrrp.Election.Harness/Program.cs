using System.Globalization;
using Vrrp.Election.Harness;

// dotnet run -c Release --project tests/Vrrp.Election.Harness -- run --backend etcd [--faults 20] [--ttl 2] [--margin-ms 500]
// dotnet run -c Release --project tests/Vrrp.Election.Harness -- run --backend udp  [--faults 20] [--advert-ms 100]
//     five electors (processes of this program) write to a fenced resource while the harness kills, pauses, cuts
//     off and restarts them, and kills and restarts etcd; prints safety and failover figures as Markdown.
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 1; i + 1 < args.Length; i += 2)
{
    options[args[i]] = args[i + 1];
}

string Get(string name, string fallback) => options.TryGetValue(name, out string? value) ? value : fallback;
options["--backend"] = Get("--backend", "etcd");
options["--ttl"] = Get("--ttl", "2");
options["--margin-ms"] = Get("--margin-ms", "500");
options["--advert-ms"] = Get("--advert-ms", "100");
options["--faults"] = Get("--faults", "20");

return args.FirstOrDefault() switch
{
    "elector" => await Elector.RunAsync(options),
    "run" => await FaultRun.RunAsync(options, int.Parse(options["--faults"], CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Vrrp.Election.Harness run --backend etcd|udp [--faults N] [--ttl S] [--margin-ms MS] [--advert-ms MS]");
    return 2;
}
