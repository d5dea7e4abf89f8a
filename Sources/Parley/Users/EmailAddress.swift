import Foundation

/// A deliberately plain email check: one `@`, a non-empty local part, a dotted domain, no spaces,
/// control or invisible characters, and RFC 5321's length limits.
enum EmailAddress {
    static func isValid(_ address: String) -> Bool {
        guard address.utf8.count <= Limits.User.emailBytes else { return false }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
              !local.isEmpty, local.utf8.count <= Limits.User.emailLocalPartBytes,
              !domain.isEmpty, domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."),
              !domain.contains("..")
        else { return false }
        // Invisible characters (zero-width space, bidi controls) would make look-alikes that no
        // normalisation removes.
        return !address.unicodeScalars.contains {
            $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F || $0.properties.isDefaultIgnorableCodePoint
        }
            && !domain.contains { "()<>[]\\,;:\"".contains($0) }
    }

    /// The one form addresses are stored and compared in, so that what looks alike is alike:
    /// NFKC makes composed and decomposed accents, and fullwidth or ligature forms, one string;
    /// then it is lowercased, as the API promises ("stored lowercase"). Not case-folded: folding
    /// rewrites the address itself (`Straße` would be stored as `strasse`, `ς` as `σ`), and which
    /// of those are one mailbox is the mail domain's business. NFKC runs again because
    /// lowercasing can un-normalise a string.
    static func canonical(_ raw: String) -> String {
        let compatible = raw.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespaces)
        return compatible.lowercased().precomposedStringWithCompatibilityMapping
    }

    /// The stored emails that someone signing in as `raw` may mean, best first: the address as
    /// typed, lowercased (how Parley stored it before canonical forms, and the form an account
    /// keeps when its canonical form belongs to another account, see `UpdateUsersCanonicalEmails`);
    /// then its canonical form; then its case-folded form (Parley stored that for a while, and
    /// `ß`→`ss` cannot be undone). Exact first, so each of two look-alike accounts stays reachable.
    static func signInForms(_ raw: String) -> [String] {
        let canonical = canonical(raw)
        return unique([raw.trimmingCharacters(in: .whitespaces).lowercased(), canonical, folded(canonical)])
    }

    /// The stored emails a new `canonical` address would be confused with: itself, and its
    /// case-folded form, which may be an account stored folded, whose owner signs in with the
    /// unfolded address (an account stored as `strasse@…` may be `Straße@…`'s).
    static func conflictingForms(_ canonical: String) -> [String] {
        unique([canonical, folded(canonical)])
    }

    /// The case-folded form Parley stored between lowercasing and canonical forms.
    private static func folded(_ canonical: String) -> String {
        canonical.folding(options: .caseInsensitive, locale: nil).precomposedStringWithCompatibilityMapping
    }

    private static func unique(_ forms: [String]) -> [String] {
        forms.enumerated().filter { !forms[..<$0.offset].contains($0.element) }.map(\.element)
    }

    /// The address to store: canonical and valid, or a 422 at `loc`.
    static func normalized(_ raw: String, at loc: [JSONValue]) throws -> String {
        let address = canonical(raw)
        guard isValid(address) else {
            throw ValidationFailure(
                loc: loc, msg: "value is not a valid email address", type: "value_error")
        }
        return address
    }
}
