import Fluent
import Foundation
import Testing
@testable import Parley

/// Addresses that look the same are the same account: one canonical form (NFKC, lowercase) is
/// stored and compared.
@Suite struct LookAlikeEmailTests {
    @Test(arguments: [
        ("ann@example.com", "ann@example.com"),
        ("Ann@Example.COM", "ann@example.com"),
        ("\u{FF21}\u{FF4E}\u{FF4E}@example.com", "ann@example.com"),  // fullwidth Ａｎｎ
        ("jose\u{0301}@example.com", "jos\u{00E9}@example.com"),  // decomposed é
        ("JOS\u{00C9}@example.com", "jos\u{00E9}@example.com"),
        ("\u{FB01}nn@example.com", "finn@example.com"),  // the ﬁ ligature
        ("\u{039F}\u{0394}\u{039F}\u{03A3}@example.com", "\u{03BF}\u{03B4}\u{03BF}\u{03C3}@example.com"),  // ΟΔΟΣ
        ("\u{03BF}\u{03B4}\u{03BF}\u{03C2}@example.com", "\u{03BF}\u{03B4}\u{03BF}\u{03C2}@example.com"),  // final ς is lowercase already
        ("Stra\u{00DF}e@example.com", "stra\u{00DF}e@example.com"),  // lowercased, not folded to "strasse"
        (" ann@example.com\u{00A0}", "ann@example.com"),  // a no-break space is trimmed too
    ])
    func canonicalForm(raw: String, expected: String) {
        #expect(EmailAddress.canonical(raw) == expected)
    }

    @Test func invisibleCharactersAreNotAnAddress() {
        #expect(!EmailAddress.isValid("ann\u{200B}@example.com"))
        #expect(!EmailAddress.isValid("ann@exa\u{202E}mple.com"))
    }

    @Test(arguments: ["\u{FF21}\u{FF4E}\u{FF4E}@example.com", "ANN@EXAMPLE.COM", "ann@ex\u{FF41}mple.com"])
    func aLookAlikeSignupIsAConflict(lookAlike: String) async throws {
        try await withServer { server in
            _ = try await server.user("ann@example.com")
            let again = try await server.send(.POST, "/api/v1/users/signup", json: ["email": lookAlike, "password": "password123"])
            #expect(again.status == .conflict, "\(again.text)")
            #expect(try await server.count("users") == 2)
        }
    }

    @Test func composedAndDecomposedAccentsAreOneAccount() async throws {
        try await withServer { server in
            let first = try await server.send(.POST, "/api/v1/users/signup", json: ["email": "Jos\u{00E9}@example.com", "password": "password123"])
            #expect(first.status == .created)
            #expect(first.object["email"] as? String == "jos\u{00E9}@example.com")
            let again = try await server.send(.POST, "/api/v1/users/signup", json: ["email": "jose\u{0301}@example.com", "password": "password123"])
            #expect(again.status == .conflict, "\(again.text)")
        }
    }

    @Test func firstSuperuserIsCanonicalToo() throws {
        let settings = try Settings.loadForTests([
            "FIRST_SUPERUSER": "\u{FF21}dmin@Example.com", "FIRST_SUPERUSER_PASSWORD": "admin-password-1",
        ])
        #expect(settings.firstSuperuser?.email == "admin@example.com")
    }
}
