package transform

import (
	"net/netip"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// subnetPools are where a project network's subnet is taken from when it
// must stay clear of the cluster's: the private ranges, in the order Docker
// itself prefers them, one /24 at a time.
var subnetPools = []netip.Prefix{
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("10.0.0.0/8"),
}

// assignSubnets gives every bridge network the project creates without an
// IPAM configuration a subnet that overlaps neither the cluster subnets the
// daemon routes nor the Docker networks that exist
// (docs/network-models.md#subnets): Docker
// could otherwise pick one the daemon routes to the cluster. A network that
// exists already keeps its subnet while that is clear.
func (t *transformer) assignSubnets(out *types.Project) {
	routed := t.routedSubnets()
	if len(routed) == 0 {
		return
	}
	avoid := append(slices.Clone(routed), parsePrefixes(t.rt.TakenSubnets)...)
	var pending []string
	for _, key := range out.NetworkNames() {
		n := out.Networks[key]
		if bool(n.External) || len(n.Ipam.Config) > 0 || (n.Driver != "" && n.Driver != "bridge") {
			continue
		}
		if own, err := netip.ParsePrefix(t.rt.ProjectSubnets[n.Name]); err == nil && !overlapsAny(own, routed) {
			setSubnet(out, key, own)
			avoid = append(avoid, own)
			continue
		}
		pending = append(pending, key)
	}
	for _, key := range pending {
		if p, ok := freeSubnet(avoid); ok {
			setSubnet(out, key, p)
			avoid = append(avoid, p)
		}
	}
}

func setSubnet(out *types.Project, key string, p netip.Prefix) {
	n := out.Networks[key]
	n.Ipam.Config = []*types.IPAMPool{{Subnet: p.String()}}
	out.Networks[key] = n
}

// freeSubnet is the first /24 of the pools that overlaps nothing in avoid.
func freeSubnet(avoid []netip.Prefix) (netip.Prefix, bool) {
	for _, pool := range subnetPools {
		for p := netip.PrefixFrom(pool.Addr(), 24); pool.Contains(p.Addr()); p = next24(p) {
			if !overlapsAny(p, avoid) {
				return p, true
			}
		}
	}
	return netip.Prefix{}, false
}

// next24 is the /24 after p (the zero Prefix after 255.255.255.0/24).
func next24(p netip.Prefix) netip.Prefix {
	a := p.Addr().As4()
	for i := 2; i >= 0; i-- {
		a[i]++
		if a[i] != 0 {
			return netip.PrefixFrom(netip.AddrFrom4(a), 24)
		}
	}
	return netip.Prefix{}
}

func overlapsAny(p netip.Prefix, list []netip.Prefix) bool {
	return slices.ContainsFunc(list, p.Overlaps)
}

// parsePrefixes reads CIDRs, skipping what is not one (a bare address is
// taken as a host route).
func parsePrefixes(cidrs []string) []netip.Prefix {
	var out []netip.Prefix
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(c); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}
