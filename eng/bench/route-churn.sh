#!/bin/bash
# How much of vrrpd's CPU another program's route changes cost (a router running BGP changes routes by the hundred
# thousand). In a network namespace of its own, vrrpd holds one virtual route as master; 20000 IPv6 host routes of
# another protocol are then added and deleted there (40000 route events), and vrrpd's CPU time over them is printed.
# Root only. Usage: sudo eng/bench/route-churn.sh [VRRPD_DLL]   (default: the Debug build)
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "route-churn: needs root (network namespaces)"; exit 2; }
dll=${1:-"$(dirname "$0")/../../src/Vrrp.Daemon/bin/Debug/net10.0/vrrpd.dll"}
ns=vrrpchurn$$
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add churn0 type veth peer name churn1
ip -n "$ns" link set churn0 up
ip -n "$ns" link set churn1 up
ip -n "$ns" addr add 198.51.100.11/24 dev churn0
ip -n "$ns" addr add 2001:db8:51::11/64 dev churn0 nodad
cat > "$work/k.conf" <<CONF
vrrp_instance VI_1 {
    interface churn0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        198.51.100.100/24
    }
    virtual_routes {
        198.51.100.128/25 via 198.51.100.1 dev churn0
    }
}
CONF
ip netns exec "$ns" dotnet "$dll" -f "$work/k.conf" --require-netns > "$work/vrrpd.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q -- "-> Master" "$work/vrrpd.log" && break; sleep 0.1; done
grep -q -- "-> Master" "$work/vrrpd.log" || { cat "$work/vrrpd.log"; echo "route-churn: vrrpd did not become master"; exit 1; }
python3 - > "$work/batch" <<PY
for i in range(20000):
    print(f"route add 2001:db8:51::1:{i:x}/128 dev churn0 proto static")
for i in range(20000):
    print(f"route del 2001:db8:51::1:{i:x}/128 dev churn0 proto static")
PY
cpu() { awk '{print $14+$15}' "/proc/$pid/stat"; }
ticks=$(getconf CLK_TCK)
before=$(cpu)
start=$(date +%s%N)
ip -n "$ns" -batch "$work/batch"
end=$(date +%s%N)
sleep 2
after=$(cpu)
echo "route events: 40000 in $(( (end - start) / 1000000 )) ms; vrrpd CPU over them: $(( (after - before) * 1000 / ticks )) ms"
