import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address block in CIDR notation (`10.0.0.0/8`, `fd00::/8`; a bare address is
/// a block of one). IPv4 addresses are kept as IPv4-mapped IPv6 (`::ffff:a.b.c.d`), so a peer
/// seen through a dual-stack socket matches the IPv4 block it belongs to.
public struct IPNetwork: Sendable, Equatable {
    let address: [UInt8]
    let prefixLength: Int

    /// Parses `text`, or returns nil when it is not an address with an optional `/prefix`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let (address, isIPv4) = Self.parseAddress(String(parts[0])) else { return nil }
        let bits = isIPv4 ? 32 : 128
        var length = bits
        if parts.count == 2 {
            guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let parsed = Int(parts[1]), (0...bits).contains(parsed)
            else { return nil }
            length = parsed
        }
        self.address = address
        self.prefixLength = isIPv4 ? length + 96 : length
    }

    /// Whether `text`, an address without prefix, lies in this block.
    public func contains(_ text: String) -> Bool {
        guard let (other, _) = Self.parseAddress(text) else { return false }
        var remaining = prefixLength
        for index in 0..<16 where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if address[index] & mask != other[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// 16 bytes (IPv4 mapped into IPv6) and whether it was written as IPv4.
    static func parseAddress(_ text: String) -> ([UInt8], Bool)? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            let bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + bytes, true)
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        return (withUnsafeBytes(of: &v6) { Array($0) }, false)
    }

    /// 16 bytes as IPv6 text, in the standard short form (`2001:db8::`).
    static func format(_ bytes: [UInt8]) -> String {
        var v6 = in6_addr()
        withUnsafeMutableBytes(of: &v6) { $0.copyBytes(from: bytes) }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &v6, &text, socklen_t(text.count)) != nil else { return "" }
        return String(cString: text)
    }

    /// `TRUSTED_PROXIES`: comma-separated blocks; a block that does not parse stops start-up.
    static func list(_ raw: String?, variable: String) throws -> [IPNetwork] {
        try (raw ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { text in
            guard let network = IPNetwork(text) else {
                throw SettingsError(variable: variable, problem: "\"\(text)\" is not a CIDR block (expected e.g. 10.0.0.0/8 or fd00::/8)")
            }
            return network
        }
    }
}
