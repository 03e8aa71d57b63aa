using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

// vrrpctl [--socket PATH] [--json] status [NAME] | demote NAME | promote NAME | process
// Talks to vrrpd's control socket: one command line out, one JSON line back.
const string Usage = """
    usage: vrrpctl [--socket PATH] [--json] [--timeout SECONDS] COMMAND
      status [NAME]     each router's state, priorities, master and counters (one router with NAME)
      demote NAME       hand mastership over now: the router's priority drops to 1
      promote NAME      undo demote: the configured priority again
      process           vrrpd's own figures: memory, threads, collections
      --socket PATH     vrrpd's control socket (default: /run/vrrpd.sock in the host's network namespace,
                        /run/vrrpd.net-INODE.sock in any other, the same default vrrpd takes)
      --json            print vrrpd's JSON answer as it is
      --timeout SECONDS give up when vrrpd does not answer within this time (default 5)
      -h, --help        this text
    """;
string socketPath = Vrrp.Control.DefaultControlSocket.Path;
TimeSpan timeout = TimeSpan.FromSeconds(5);
bool raw = false;
var words = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--socket" when i + 1 < args.Length:
            socketPath = args[++i];
            break;
        case "--json":
            raw = true;
            break;
        case "--timeout" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0:
            timeout = TimeSpan.FromSeconds(seconds);
            i++;
            break;
        case "-h" or "--help":
            Console.WriteLine(Usage);
            return 0;
        default:
            words.Add(args[i]);
            break;
    }
}

if (words.Count == 0 || words[0] is not ("status" or "demote" or "promote" or "process"))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

string answer;
try
{
    using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
    {
        SendTimeout = (int)timeout.TotalMilliseconds,
        ReceiveTimeout = (int)timeout.TotalMilliseconds, // a vrrpd that accepts and never answers does not hang us
    };
    socket.Connect(new UnixDomainSocketEndPoint(socketPath));
    using var stream = new NetworkStream(socket);
    stream.Write(Encoding.UTF8.GetBytes(string.Join(' ', words) + "\n"));
    using var reader = new StreamReader(stream);
    answer = reader.ReadLine() ?? throw new IOException("vrrpd closed the connection without answering");
}
catch (Exception e) when (e is SocketException or IOException)
{
    Console.Error.WriteLine($"vrrpctl: {socketPath}: {e.Message}");
    return 1;
}

JsonDocument document;
try
{
    document = JsonDocument.Parse(answer);
}
catch (JsonException)
{
    Console.Error.WriteLine($"vrrpctl: {socketPath}: the answer is not JSON: {answer[..Math.Min(answer.Length, 200)]}");
    return 1;
}

using var disposeDocument = document;
JsonElement root = document.RootElement;
if (raw)
{
    Console.WriteLine(answer);
}
else if (root.TryGetProperty("routers", out JsonElement routers))
{
    Console.WriteLine($"{"NAME",-16} {"INTERFACE",-10} {"VRID",4} {"STATE",-8} {"PRIO",4} {"MASTER",-26} {"MPRIO",5} {"SENT",8} {"RCVD",8} {"DROP",6}");
    foreach (JsonElement router in routers.EnumerateArray())
    {
        JsonElement counters = router.GetProperty("counters");
        long dropped = counters.GetProperty("discarded").EnumerateObject().Sum(p => p.Value.GetInt64());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{router.GetProperty("name").GetString(),-16} {router.GetProperty("interface").GetString(),-10} {router.GetProperty("virtualRouterId").GetInt32(),4} " +
            $"{router.GetProperty("state").GetString(),-8} {router.GetProperty("priority").GetInt32(),4} {router.GetProperty("masterAddress").ToString(),-26} " +
            $"{router.GetProperty("masterPriority").GetInt32(),5} {counters.GetProperty("advertisementsSent").GetInt64(),8} " +
            $"{counters.GetProperty("advertisementsReceived").GetInt64(),8} {dropped,6}"));
    }
}
else if (root.TryGetProperty("process", out JsonElement process))
{
    foreach (JsonProperty property in process.EnumerateObject())
    {
        Console.WriteLine($"{property.Name,-20} {property.Value}");
    }
}
else
{
    Console.WriteLine(root.GetProperty("ok").GetBoolean() ? "ok" : $"error: {root.GetProperty("error").GetString()}");
}

return root.TryGetProperty("ok", out JsonElement ok) && !ok.GetBoolean() ? 1 : 0;
