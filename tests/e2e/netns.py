"""The network namespace the end-to-end sweeps run in: its only way out is one end of a veth pair whose other
end stays in the namespace (documentation addresses, nothing behind it), watched by tcpdump, so any attempt
to leave (a connection, a name lookup) is a packet in `$OUT/egress.pcap`. The interface's own IPv6 link-local
housekeeping is not an attempt and is filtered out. Scripts start with EGRESS_WATCH and end with EGRESS_STOP."""

EGRESS_WATCH = r"""
set -eu
ip link set lo up
ip link add ft-egress type veth peer name ft-sink
ip link set ft-egress up
ip link set ft-sink up
ip addr add 192.0.2.1/24 dev ft-egress
ip -6 addr add 2001:db8::1/64 dev ft-egress nodad
ip route add default via 192.0.2.254 dev ft-egress
ip -6 route add default via 2001:db8::fe dev ft-egress
# Static neighbours: attempts go out as real packets (destination and port visible), into the peer.
ip neigh add 192.0.2.254 lladdr 02:00:00:00:00:fe dev ft-egress nud permanent
ip -6 neigh add 2001:db8::fe lladdr 02:00:00:00:00:fe dev ft-egress nud permanent
tcpdump -i ft-egress -n -U -w "$OUT/egress.pcap" 'not (ip6 and (src host :: or src net fe80::/10))' \
  2>/dev/null & egress=$!
tcpdump -i lo -n -U -w "$OUT/dns.pcap" port 53 2>/dev/null & dns=$!
sleep 1
status=0
"""

EGRESS_STOP = r"""
sleep 1
kill $egress $dns
wait $egress $dns 2>/dev/null || true
exit $status
"""
