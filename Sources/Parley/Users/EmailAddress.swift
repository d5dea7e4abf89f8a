import Foundation

/// A deliberately plain email check: one `@`, a non-empty local part, a dotted domain, no spaces,
/// control or invisible characters, and RFC 5321's length limits.
enum EmailAddress {
    static func isValid(_ address: String) -> Bool {
        guard address.utf8.count <= 254 else { return false }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
              !local.isEmpty, local.utf8.count <= 64,
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
    /// case folding (not lowercasing) then makes case differences one string. Folding is what
    /// Unicode defines for caseless matching: lowercasing leaves `ς`/`σ` and `ß`/`ss` apart,
    /// folding joins them. NFKC runs again because folding can un-normalise a string.
    static func canonical(_ raw: String) -> String {
        let compatible = raw.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespaces)
        return compatible.folding(options: .caseInsensitive, locale: nil).precomposedStringWithCompatibilityMapping
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
