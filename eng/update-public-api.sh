#!/usr/bin/env bash
# Records the public API the compiler sees into each project's PublicAPI.Unshipped.txt (RS0016 adds, RS0017 removes).
# Run after changing public API; review the diff: it is the API change.
# Usage: eng/update-public-api.sh [PROJECT_OR_SOLUTION]   (default: Vrrp.sln; a single project is much faster)
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
dotnet build "${1:-Vrrp.sln}" --no-incremental -p:TreatWarningsAsErrors=false 2>&1 > "$log" || true
python3 - "$log" <<'PY'
import re, sys, collections
adds, removes = collections.defaultdict(set), collections.defaultdict(set)
for line in open(sys.argv[1]):
    m = re.search(r"(RS001[67]): Symbol '(.+?)' is (?:not part of the declared public API|part of the declared API, but is either not public or could not be found).*\[(.+?\.csproj)\]", line)
    if not m:
        continue
    code, sym, proj = m.groups()
    (adds if code == 'RS0016' else removes)[proj].add(sym)
for proj in set(adds) | set(removes):
    path = proj.rsplit('/', 1)[0] + '/PublicAPI.Unshipped.txt'
    lines = [l.rstrip('\n') for l in open(path)]
    body = [l for l in lines[1:] if l and l not in removes[proj]]
    body = sorted(set(body) | adds[proj])
    open(path, 'w').write('#nullable enable\n' + ''.join(l + '\n' for l in body))
    print(f"{path}: +{len(adds[proj])} -{len(removes[proj])}")
PY
rm -f "$log"
