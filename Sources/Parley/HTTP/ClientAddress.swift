import Vapor

extension Request {
    /// The client's address for rate limits and logs: the TCP peer, unless the peer is one of
    /// `TRUSTED_PROXIES`; then the address that proxy saw, from `X-Forwarded-For`.
    var clientAddress: String? {
        ClientAddress.resolve(
            peer: remoteAddress?.ipAddress, forwardedFor: headers[.xForwardedFor],
            trustedProxies: application.parley.settings.trustedProxies)
    }
}

enum ClientAddress {
    /// Walks `X-Forwarded-For` from the right, the end our own proxies appended to, and stops at
    /// the first address that is not a trusted proxy: everything left of it was written by the
    /// client and proves nothing. An entry that is not an address stops the walk too.
    static func resolve(peer: String?, forwardedFor: [String], trustedProxies: [IPNetwork]) -> String? {
        func isTrusted(_ address: String) -> Bool { trustedProxies.contains { $0.contains(address) } }
        guard let peer, isTrusted(peer) else { return peer }
        var client = peer
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard IPNetwork.parseAddress(hop) != nil else { break }
            client = hop
            if !isTrusted(hop) { break }
        }
        return client
    }

    /// What per-address limits (logins, sign-ups) count `address` as: an IPv4 address is one
    /// client; an IPv6 client has a whole /64 to itself (SLAAC and privacy addresses rotate
    /// within it), so all of a /64 is one client, or a new address would be a new limit. An
    /// IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, a dual-stack socket's view of an IPv4 peer)
    /// is that IPv4 address. Anything else is counted as written.
    static func limitKey(_ address: String) -> String {
        guard let (bytes, _) = IPNetwork.parseAddress(address) else { return address }
        if bytes[..<12].elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        return IPNetwork.format(Array(bytes[..<8]) + Array(repeating: 0, count: 8)) + "/64"
    }
}
