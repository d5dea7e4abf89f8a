import Testing
@testable import Parley

/// Per-address limits count an IPv6 client by its /64 and an IPv4 client by its address, however
/// a dual-stack socket writes it. Clients are told apart by `X-Forwarded-For` from a trusted proxy.
@Suite struct AddressLimitKeyTests {
    private func trustLoopback(_ settings: inout Settings) {
        settings.trustedProxies = [IPNetwork("127.0.0.0/8")!]
    }

    /// The statuses of failed logins as `email` from each `(email, client address)` in turn.
    private func failedLogins(_ server: TestServer, _ attempts: [(String, String)]) async throws -> [UInt] {
        var statuses: [UInt] = []
        for (email, address) in attempts {
            let response = try await server.send(.POST, "/token", json: ["username": email, "password": "wrong-password"],
                                                 headers: [("X-Forwarded-For", address)])
            statuses.append(response.status.code)
        }
        return statuses
    }

    @Test func oneIPv6ClientIsItsWhole64() async throws {
        try await withServer({ $0.loginRateLimit = 2; trustLoopback(&$0) }) { server in
            let statuses = try await failedLogins(server, [
                ("a@example.com", "2001:db8:1:2::1"), ("b@example.com", "2001:db8:1:2::2"),
                ("c@example.com", "2001:db8:1:2:ffff:ffff:ffff:3"),  // a new address in the same /64
                ("d@example.com", "2001:db8:1:3::1"),  // the next /64 is another client
            ])
            #expect(statuses == [400, 400, 429, 400])
        }
    }

    @Test func anIPv4ClientIsOneWhateverItsSpelling() async throws {
        try await withServer({ $0.loginRateLimit = 2; trustLoopback(&$0) }) { server in
            let statuses = try await failedLogins(server, [
                ("a@example.com", "::ffff:203.0.113.5"), ("b@example.com", "203.0.113.5"), ("c@example.com", "203.0.113.5"),
                ("d@example.com", "203.0.113.6"),
            ])
            #expect(statuses == [400, 400, 429, 400])
        }
    }

    @Test func signUpsAreCountedPer64Too() async throws {
        try await withServer({ $0.signupRateLimit = 2; trustLoopback(&$0) }) { server in
            var statuses: [UInt] = []
            for (name, address) in [("a", "2001:db8:1:2::a"), ("b", "2001:db8:1:2::b"), ("c", "2001:db8:1:2::c"), ("d", "2001:db8:9:9::d")] {
                let signup = try await server.send(.POST, "/api/v1/users/signup", json: ["email": "\(name)@example.com", "password": "password123"],
                                                   headers: [("X-Forwarded-For", address)])
                statuses.append(signup.status.code)
            }
            #expect(statuses == [201, 201, 429, 201])
        }
    }

    @Test(arguments: [
        ("203.0.113.5", "203.0.113.5"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::7", "2001:db8:1:2::/64"),
        ("::1", "::/64"),
        ("fe80::1%eth0", "fe80::1%eth0"),  // not an address inet_pton reads: counted as written
    ])
    func theKey(address: String, expected: String) {
        #expect(ClientAddress.limitKey(address) == expected)
    }
}
