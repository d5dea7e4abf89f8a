import Foundation
import Testing
@testable import Parley

/// Behind a reverse proxy the per-address login limit counts the client the proxy saw, and only a
/// proxy in `TRUSTED_PROXIES` is believed.
@Suite struct TrustedProxiesTests {
    /// The statuses of failed logins as `email` from each `(email, X-Forwarded-For)` in turn.
    private func failedLogins(_ server: TestServer, _ attempts: [(String, String)]) async throws -> [UInt] {
        var statuses: [UInt] = []
        for (email, address) in attempts {
            let response = try await server.send(.POST, "/token", json: ["username": email, "password": "wrong-password"],
                                                 headers: [("X-Forwarded-For", address)])
            statuses.append(response.status.code)
        }
        return statuses
    }

    @Test func behindATrustedProxyEachClientHasItsOwnLimit() async throws {
        try await withServer({ $0.loginRateLimit = 2; $0.trustedProxies = [IPNetwork("127.0.0.0/8")!] }) { server in
            let statuses = try await failedLogins(server, [
                ("a@example.com", "203.0.113.5"), ("b@example.com", "203.0.113.5"), ("c@example.com", "203.0.113.5"),
                ("d@example.com", "203.0.113.6"),  // another client behind the same proxy is not locked out
            ])
            #expect(statuses == [400, 400, 429, 400])
        }
    }

    @Test func withoutTrustedProxiesTheHeaderIsIgnored() async throws {
        try await withServer({ $0.loginRateLimit = 2 }) { server in
            // A client cannot escape the limit by writing a new address each time.
            let statuses = try await failedLogins(server, [
                ("a@example.com", "203.0.113.5"), ("b@example.com", "203.0.113.6"), ("c@example.com", "203.0.113.7"),
            ])
            #expect(statuses == [400, 400, 429])
        }
    }

    private let proxies = ["10.0.0.0/8", "fd00::/8"].compactMap(IPNetwork.init)

    @Test(arguments: [
        ("192.0.2.1", ["198.51.100.9"], "192.0.2.1"),  // an untrusted peer is the client, whatever it claims
        ("10.0.0.2", ["198.51.100.9"], "198.51.100.9"),
        ("10.0.0.2", ["6.6.6.6, 198.51.100.9, 10.0.0.7"], "198.51.100.9"),  // the rightmost untrusted, not the leftmost
        ("10.0.0.2", ["6.6.6.6", "198.51.100.9"], "198.51.100.9"),  // several headers are one list
        ("10.0.0.2", ["10.0.0.9, 10.0.0.7"], "10.0.0.9"),  // all proxies: the farthest one
        ("10.0.0.2", ["198.51.100.9, nonsense"], "10.0.0.2"),  // garbage stops the walk at the last known hop
        ("10.0.0.2", [], "10.0.0.2"),
        ("::ffff:10.0.0.2", ["2001:db8::5"], "2001:db8::5"),  // an IPv4 proxy seen through a dual-stack socket
        ("fd00::1", ["2001:db8::5"], "2001:db8::5"),
    ])
    func theClientAddress(peer: String, forwardedFor: [String], expected: String) {
        #expect(ClientAddress.resolve(peer: peer, forwardedFor: forwardedFor, trustedProxies: proxies) == expected)
    }

    @Test func cidrBlocks() throws {
        #expect(IPNetwork("10.1.0.0/16")!.contains("10.1.255.3"))
        #expect(!IPNetwork("10.1.0.0/16")!.contains("10.2.0.1"))
        #expect(IPNetwork("192.168.1.7")!.contains("192.168.1.7"))
        #expect(!IPNetwork("192.168.1.7")!.contains("192.168.1.8"))
        #expect(IPNetwork("0.0.0.0/0")!.contains("8.8.8.8"))
        #expect(!IPNetwork("0.0.0.0/0")!.contains("2001:db8::1"))
        #expect(IPNetwork("2001:db8::/33")!.contains("2001:db8:7fff::1"))
        #expect(!IPNetwork("2001:db8::/33")!.contains("2001:db8:8000::1"))
        #expect(IPNetwork("::1/128")!.contains("::1"))
    }

    @Test(arguments: ["10.0.0.0/33", "10.0.0/8", "fd00::/129", "localhost", "10.0.0.0/+8", "10.0.0.0/8, banana"])
    func aBadBlockStopsStartUpNamingTheVariable(value: String) {
        let error = #expect(throws: SettingsError.self) { try Settings.loadForTests(["TRUSTED_PROXIES": value]) }
        #expect(error?.variable == "TRUSTED_PROXIES")
    }

    @Test func blocksAreRead() throws {
        let settings = try Settings.loadForTests(["TRUSTED_PROXIES": " 10.0.0.0/8 ,fd00::/8,127.0.0.1 "])
        #expect(settings.trustedProxies.count == 3)
        #expect(try Settings.loadForTests([:]).trustedProxies.isEmpty)
    }
}
