/// A deliberately plain email check: one `@`, a non-empty local part, a dotted domain, no spaces
/// or control characters, and RFC 5321's length limits.
enum EmailAddress {
    static func isValid(_ address: String) -> Bool {
        guard address.utf8.count <= 254 else { return false }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
              !local.isEmpty, local.utf8.count <= 64,
              !domain.isEmpty, domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."),
              !domain.contains("..")
        else { return false }
        return !address.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
            && !domain.contains { "()<>[]\\,;:\"".contains($0) }
    }

    /// The form addresses are stored and compared in.
    static func canonical(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The address to store: validated and lowercased, or a 422 at `loc`.
    static func normalized(_ raw: String, at loc: [JSONValue]) throws -> String {
        let address = raw.trimmingCharacters(in: .whitespaces)
        guard isValid(address) else {
            throw ValidationFailure(
                loc: loc, msg: "value is not a valid email address", type: "value_error")
        }
        return canonical(address)
    }
}
